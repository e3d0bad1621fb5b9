#include "tgtd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace uiscsi::initiator::test {
namespace {

bool on_path(const char* tool) {
  const std::string command = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// A port the kernel just handed out on `address`; free again once we close it.
std::uint16_t free_port(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// tgtd's management socket is /var/run/tgtd/socket.N for -C N (N <= 32767): pick one
// nobody uses.
int free_control_port() {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int n = 1000 + static_cast<int>((::getpid() * 7 + attempt * 13) % 31000);
    struct stat st;
    if (::stat(("/var/run/tgtd/socket." + std::to_string(n)).c_str(), &st) != 0) return n;
  }
  throw std::runtime_error("no free tgtd control port");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool Tgtd::available() { return on_path("tgtd") && on_path("tgtadm"); }

Tgtd::Tgtd(TgtdOptions options) : options_(std::move(options)) {
  char path[] = "/tmp/uiscsi-initiator-lun-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  const bool sized = ::ftruncate(fd, static_cast<off_t>(options_.lun_size)) == 0;
  ::close(fd);
  backing_ = path;
  log_ = backing_ + ".log";
  if (!sized) throw std::runtime_error("cannot size " + backing_);
  port_ = free_port(options_.address);
  control_port_ = free_control_port();
  start_daemon();
  configure();
}

Tgtd::~Tgtd() {
  kill();
  ::unlink(backing_.c_str());
  ::unlink(log_.c_str());
}

void Tgtd::start_daemon() {
  const std::string portal = "portal=" + options_.address + ":" + std::to_string(port_);
  const std::string control = std::to_string(control_port_);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that dies (an assertion, a sanitizer, a ctest timeout) takes its tgtd along.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execlp("tgtd", "tgtd", "-f", "-C", control.c_str(), "--iscsi", portal.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  wait_until_ready();
}

void Tgtd::wait_until_ready() const {
  const std::string probe = "tgtadm -C " + std::to_string(control_port_) +
                            " --lld iscsi --op show --mode target >/dev/null 2>&1";
  for (int i = 0; i < 100; ++i) {
    if (std::system(probe.c_str()) == 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("tgtd did not start:\n" + read_file(log_));
}

void Tgtd::configure() {
  tgtadm("--op new --mode target --tid 1 -T " + options_.target_name);
  tgtadm("--op new --mode logicalunit --tid 1 --lun 1 -b " + backing_);
  if (options_.thin_provisioning) {
    tgtadm("--op update --mode logicalunit --tid 1 --lun 1 --params thin_provisioning=1");
  }
  for (const auto& [name, value] : options_.parameters) {
    tgtadm("--op update --mode target --tid 1 --name " + name + " --value " + value);
  }
  for (const std::string& command : account_commands_) tgtadm(command);
  tgtadm("--op bind --mode target --tid 1 -I ALL");
}

void Tgtd::tgtadm(const std::string& arguments) const {
  const std::string command = "tgtadm -C " + std::to_string(control_port_) + " --lld iscsi " + arguments +
                              " >>" + log_ + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("tgtadm " + arguments + " failed:\n" + read_file(log_));
  }
}

void Tgtd::add_account(const std::string& user, const std::string& password, bool outgoing) {
  const std::string create = "--op new --mode account --user " + user + " --password " + password;
  const std::string bind = "--op bind --mode account --tid 1 --user " + user + (outgoing ? " --outgoing" : "");
  tgtadm(create);
  tgtadm(bind);
  account_commands_.push_back(create);
  account_commands_.push_back(bind);
}

void Tgtd::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void Tgtd::restart() {
  kill();
  start_daemon();
  configure();
}

}  // namespace uiscsi::initiator::test
