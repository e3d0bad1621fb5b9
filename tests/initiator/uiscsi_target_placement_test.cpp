// uiscsi's initiator against uiscsi-target on the placement path with a flow table of one
// entry (offload::TransportOptions::expectation_capacity) at QD16: each new read evicts
// the expectation of the one before, so Data-In arrives for tasks the table no longer
// holds and is copied instead of placed. Placement is best-effort: every byte read back
// must still equal what was written, and the counters must show the evictions and misses.
// Hidden from the unit run ([.uiscsi_target]); ctest runs it with UISCSI_TARGET set.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "offload/registry.h"

extern char** environ;

namespace uiscsi::initiator {
namespace {

using test::run;
namespace asio = boost::asio;

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// uiscsi-target serving one 64 MiB LUN on a placement portal, in a private directory;
// killed and cleaned up by the destructor.
class UiscsiTarget {
 public:
  static constexpr const char* kIqn = "iqn.2026-11.org.uiscsi:flow-table";

  explicit UiscsiTarget(const std::string& binary) : port_(free_port()) {
    std::string templ = (std::filesystem::temp_directory_path() / "uiscsi-flow.XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    std::ofstream(dir_ + "/target.toml") << "[[target]]\nname = \"" << kIqn << "\"\n"
                                         << "[[target.portal_group]]\ntag = 1\nportals = [{ address = \"127.0.0.1\", port = "
                                         << port_ << ", offload = \"placement\" }]\n"
                                         << "[[target.lun]]\nnumber = 0\nbackend = \"file\"\npath = \"lun0.img\"\nsize = \"64MiB\"\n";
    const std::string config = dir_ + "/target.toml", ctl = dir_ + "/ctl.sock", log = dir_ + "/target.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{binary, "-c", config, "--ctl", ctl};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + binary);
    for (int i = 0; i < 200; ++i) {
      if (this->log().find("\nStatus: ") != std::string::npos) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("uiscsi-target exited:\n" + this->log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("uiscsi-target did not start:\n" + this->log());
  }
  ~UiscsiTarget() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  UiscsiTarget(const UiscsiTarget&) = delete;
  UiscsiTarget& operator=(const UiscsiTarget&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string log() const {
    std::ifstream in(dir_ + "/target.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("uiscsi-target: a one-entry flow table at QD16 evicts and misses, and the data verifies",
          "[.uiscsi_target][placement]") {
  const char* binary = std::getenv("UISCSI_TARGET");
  if (binary == nullptr) {
    WARN("SKIPPED: UISCSI_TARGET is not set (ctest sets it)");
    return;
  }
  UiscsiTarget target(binary);
  asio::io_context io;
  SessionConfig config;
  config.initiator_name = "iqn.2026-11.org.uiscsi:flow-table-test";
  config.target_name = UiscsiTarget::kIqn;
  config.portal = {"127.0.0.1", target.port()};
  offload::TransportOptions options;
  options.expectation_capacity = 1;
  SessionOpen o = run(io, Session::open(io, config,
                                        make_connector(io, offload::Registry::with_builtin_paths(),
                                                       offload::Policy::placement, options)));
  INFO(o.error << "\n" << target.log());
  REQUIRE(o.session);
  Session& session = *o.session;
  REQUIRE(session.info().path.in_use == offload::Path::placement);

  constexpr std::size_t kQd = 16, kRounds = 4, kIo = 256 * 1024, kBlocks = kIo / 512;
  const std::uint64_t lun = *iscsi::scsi::encode_lun(0);
  const std::vector<std::byte> written = test::random_bytes(kQd * kRounds * kIo, 42);
  std::vector<std::byte> read_back(written.size());
  // One request per slot of the queue, each over its own 256 KiB of the LUN.
  auto io_one = [&](std::size_t index, bool write) -> asio::awaitable<void> {
    std::byte* base = write ? const_cast<std::byte*>(written.data()) : read_back.data();
    const iovec iov{base + index * kIo, kIo};
    Command c;
    c.lun = lun;
    c.cdb = write ? iscsi::scsi::cdb::write_16(index * kBlocks, kBlocks) : iscsi::scsi::cdb::read_16(index * kBlocks, kBlocks);
    c.direction = write ? DataDirection::write : DataDirection::read;
    c.buffers = {&iov, 1};
    c.transfer_length = kIo;
    const CommandResult r = co_await execute_with_retries(session, c);
    INFO((write ? "write " : "read ") << index << ": " << r.ec.message());
    REQUIRE_FALSE(r.ec);
  };
  for (const bool write : {true, false}) {
    for (std::size_t round = 0; round < kRounds; ++round) {
      std::vector<asio::awaitable<void>> tasks;
      for (std::size_t i = 0; i < kQd; ++i) tasks.push_back(io_one(round * kQd + i, write));
      test::run_all(io, std::move(tasks));
    }
  }
  const auto [a, b] = std::mismatch(written.begin(), written.end(), read_back.begin());
  INFO("first difference at byte " << (a - written.begin()));
  CHECK(a == written.end());

  const offload::Counters c = session.info().counters;
  INFO("evictions " << c.expectation_evictions << ", misses " << c.placement_misses << ", hits "
                    << c.placement_hits << ", placed " << c.bytes_placed << ", copied " << c.bytes_copied
                    << ", owned " << c.bytes_owned);
  CHECK(c.expectation_evictions > 0);
  CHECK(c.placement_misses > 0);
  // What missed was delivered in owned buffers and copied by the session; what hit was placed.
  CHECK(c.bytes_owned > 0);
  CHECK(c.bytes_placed + c.bytes_copied + c.bytes_owned >= written.size());
  CHECK_FALSE(run(io, session.logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator
