#include "bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

namespace uiscsi::bench {
namespace {

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_program(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return executable(tool) ? std::optional(tool) : std::nullopt;
  const char* path = std::getenv("PATH");
  // Only $PATH: a peer left out of it counts as not installed (tgtd and tgtadm live in
  // /usr/sbin, which root's PATH has, and tgtd needs root anyway).
  const std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && executable(dir + "/" + tool)) return dir + "/" + tool;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv, Output output,
                                                const std::string& log_file, std::string& error) {
  const auto program = argv.empty() ? std::nullopt : find_program(argv[0]);
  if (!program) {
    error = (argv.empty() ? std::string("(nothing)") : argv[0]) + ": not found";
    return std::nullopt;
  }
  int pipe_fds[2] = {-1, -1};
  int out = -1;
  if (output == Output::to_pipe) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return std::nullopt;
    }
  } else {
    out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) {
      error = log_file + ": " + std::strerror(errno);
      return std::nullopt;
    }
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    const int sink = output == Output::to_pipe ? pipe_fds[1] : out;
    const int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(sink, 1);
    ::dup2(sink, 2);
    // Own process group, so a terminal's Ctrl-C reaches only us and we stop the children.
    ::setpgid(0, 0);
    ::execv(program->c_str(), args.data());
    ::_exit(127);
  }
  const int saved = errno;
  if (out >= 0) ::close(out);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (pid < 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    error = std::string("fork: ") + std::strerror(saved);
    return std::nullopt;
  }
  return ChildProcess(pid, pipe_fds[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), out_fd_(std::exchange(other.out_fd_, -1)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill();
    if (out_fd_ >= 0) ::close(out_fd_);
    pid_ = std::exchange(other.pid_, -1);
    out_fd_ = std::exchange(other.out_fd_, -1);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  kill();
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool ChildProcess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

void ChildProcess::signal(int sig) const {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

void ChildProcess::kill() {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
}

int run_to_completion(const std::vector<std::string>& argv, std::string& output, std::chrono::milliseconds limit) {
  std::string error;
  auto child = ChildProcess::start(argv, ChildProcess::Output::to_pipe, "", error);
  if (!child) {
    output = error;
    return -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      output += "\n(killed after " + std::to_string(limit.count()) + " ms)";
      return -1;  // the destructor kills it
    }
    pollfd p{child->output_fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(child->output_fd(), buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: it closed its output, normally by exiting
    output.append(buffer, static_cast<std::size_t>(n));
  }
  const auto status = child->wait_for(limit);
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

}  // namespace uiscsi::bench
