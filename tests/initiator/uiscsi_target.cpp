#include "uiscsi_target.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "initiator/scsi_retry.h"
#include "iscsi/scsi_cdb_build.h"

extern char** environ;

namespace uiscsi::initiator::test {

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

UiscsiTarget::UiscsiTarget(UiscsiTargetOptions options) : options_(std::move(options)), port_(free_port()) {
  const char* env = std::getenv("UISCSI_TARGET");
  if (env == nullptr) throw std::runtime_error("UISCSI_TARGET is not set");
  const std::string binary = env;
  std::string templ = (std::filesystem::temp_directory_path() / "uiscsi-initiator-test.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  std::ofstream(dir_ + "/target.toml") << "[[target]]\nname = \"" << options_.iqn << "\"\n"
                                       << "[target.limits]\nMaxConnections = " << options_.max_connections << "\n"
                                       << "[[target.portal_group]]\ntag = 1\nportals = [{ address = \"127.0.0.1\", port = "
                                       << port_ << ", offload = \"" << options_.offload << "\" }]\n"
                                       << "[[target.lun]]\nnumber = 0\nbackend = \"file\"\npath = \"lun0.img\"\nsize = \"64MiB\"\n";
  const std::string config = dir_ + "/target.toml", ctl = dir_ + "/ctl.sock", log_file = dir_ + "/target.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args{binary, "-c", config, "--ctl", ctl};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + binary);
  for (int i = 0; i < 200; ++i) {
    if (log().find("\nStatus: ") != std::string::npos) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("uiscsi-target exited:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("uiscsi-target did not start:\n" + log());
}

UiscsiTarget::~UiscsiTarget() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

SessionConfig UiscsiTarget::session_config(std::string initiator_name) const {
  SessionConfig config;
  config.initiator_name = std::move(initiator_name);
  config.target_name = options_.iqn;
  config.portal = {"127.0.0.1", port_};
  return config;
}

boost::asio::awaitable<void> transfer_16(Session& session, std::uint64_t lun, bool write, std::uint64_t lba,
                                         std::span<std::byte> data) {
  const iovec iov{data.data(), data.size()};
  const auto blocks = static_cast<std::uint32_t>(data.size() / 512);
  Command c;
  c.lun = lun;
  c.cdb = write ? iscsi::scsi::cdb::write_16(lba, blocks) : iscsi::scsi::cdb::read_16(lba, blocks);
  c.direction = write ? DataDirection::write : DataDirection::read;
  c.buffers = {&iov, 1};
  c.transfer_length = static_cast<std::uint32_t>(data.size());
  const CommandResult r = co_await execute_with_retries(session, c);
  INFO((write ? "write" : "read") << " at block " << lba << ": " << r.ec.message());
  REQUIRE_FALSE(r.ec);
}

std::string UiscsiTarget::log() const {
  std::ifstream in(dir_ + "/target.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace uiscsi::initiator::test
