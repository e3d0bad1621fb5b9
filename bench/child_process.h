// The processes `uiscsi-bench compare` starts: daemons (targets, NBD exports) and clients
// (iscsi-perf, fio). Each child dies with us (PR_SET_PDEATHSIG) and with its ChildProcess
// (SIGKILL and reap in the destructor), so no run leaves a daemon behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace uiscsi::bench {

// The full path of `tool` on $PATH (or `tool` itself when it has a '/' and is executable).
std::optional<std::string> find_program(const std::string& tool);

class ChildProcess {
 public:
  enum class Output { to_file, to_pipe };

  // Starts argv[0] (looked up on $PATH) with stdin from /dev/null. Output::to_file sends
  // stdout and stderr to `log_file` (appended); Output::to_pipe to a pipe read through
  // output_fd(). nullopt and `error` set when it cannot be started.
  static std::optional<ChildProcess> start(const std::vector<std::string>& argv, Output output,
                                           const std::string& log_file, std::string& error);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }
  int output_fd() const noexcept { return out_fd_; }
  bool running();
  void signal(int sig) const;
  // Waits up to `limit` for it to exit; its wait status, or nullopt if still running.
  std::optional<int> wait_for(std::chrono::milliseconds limit);
  // SIGKILL and reap (no-op once it has exited).
  void kill();

 private:
  ChildProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::optional<int> status_;
};

// Runs argv to completion (at most `limit`), collecting stdout and stderr into `output`.
// Returns the exit code, or -1 if it could not start, was killed or ran too long.
int run_to_completion(const std::vector<std::string>& argv, std::string& output,
                      std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace uiscsi::bench
