#include "offload/detail/file_send.h"

#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <limits>

#include "offload/error.h"

namespace uiscsi::offload::detail {
namespace {

// SIGPIPE blocked on this thread while it lives. A SIGPIPE that sendfile raises (EPIPE) then
// stays pending and is taken back with discard(), unless one was already pending before,
// which is left for its owner. Where the process ignores SIGPIPE (both daemons do) there
// is nothing to guard, and one sigaction(2) replaces the three calls per send.
class SigpipeBlocked {
 public:
  SigpipeBlocked() noexcept {
    struct sigaction action {};
    active_ = ::sigaction(SIGPIPE, nullptr, &action) != 0 || action.sa_handler != SIG_IGN;
    if (!active_) return;
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    if (active_) pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

  void discard() noexcept {
    if (!active_ || was_pending_) return;
    const timespec now{};
    while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
    }
  }

 private:
  bool active_ = true;
  sigset_t pipe_, previous_;
  bool was_pending_ = false;
};

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

FileSendProgress send_file(int socket, int file, std::uint64_t offset, std::size_t length) {
  FileSendProgress p;
  if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
    p.stop = FileSendProgress::Stop::error;
    p.ec = std::make_error_code(std::errc::invalid_argument);
    return p;
  }
  SigpipeBlocked sigpipe;
  auto position = static_cast<off_t>(offset);
  while (p.sent < length) {
    const ssize_t n = ::sendfile(socket, file, &position, length - p.sent);
    if (n > 0) {
      p.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {  // the file ended (the socket being full is EAGAIN)
      p.stop = FileSendProgress::Stop::error;
      p.ec = make_error_code(errc::file_ended);
      return p;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      p.stop = FileSendProgress::Stop::would_block;
      return p;
    }
    p.stop = FileSendProgress::Stop::error;
    p.ec = last_error();
    if (p.ec == std::errc::broken_pipe) sigpipe.discard();
    return p;
  }
  return p;
}

bool splice_unsupported(std::error_code ec) noexcept {
  return ec == std::errc::invalid_argument || ec == std::errc::function_not_supported ||
         ec == std::errc::operation_not_supported;
}

std::error_code read_file(int file, std::uint64_t offset, std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t at = offset + done;
    if (at > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    const ssize_t n = ::pread(file, out.data() + done, out.size() - done, static_cast<off_t>(at));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n == 0) {
      return make_error_code(errc::file_ended);
    } else if (errno != EINTR) {
      return last_error();
    }
  }
  return {};
}

}  // namespace uiscsi::offload::detail
