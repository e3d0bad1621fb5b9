#include "bench/raw_tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/cpu_time.h"
#include "offload/owned_fd.h"

namespace uiscsi::bench {
namespace {

constexpr std::size_t kChunk = 1 << 20;

}  // namespace

Measurement run_raw_tcp(double seconds) {
  Measurement m;
  offload::OwnedFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    m.error = std::string("raw TCP listener: ") + std::strerror(errno);
    return m;
  }
  offload::OwnedFd sender(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sender || ::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    m.error = std::string("raw TCP connect: ") + std::strerror(errno);
    return m;
  }
  offload::OwnedFd receiver(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!receiver) {
    m.error = std::string("raw TCP accept: ") + std::strerror(errno);
    return m;
  }

  std::atomic<std::uint64_t> received{0};
  std::thread reader([&] {
    std::vector<char> buffer(kChunk);
    for (;;) {
      const ssize_t n = ::read(receiver.get(), buffer.data(), buffer.size());
      if (n <= 0) break;
      received.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    }
  });
  std::vector<char> chunk(kChunk, 'x');
  const double cpu_before = self_rusage_seconds();
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(seconds));
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t sent = 0;
    while (sent < kChunk) {
      const ssize_t n = ::write(sender.get(), chunk.data() + sent, kChunk - sent);
      if (n <= 0) {
        if (errno == EINTR) continue;
        m.error = std::string("raw TCP write: ") + std::strerror(errno);
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    if (!m.error.empty()) break;
  }
  ::shutdown(sender.get(), SHUT_WR);
  reader.join();
  const auto end = std::chrono::steady_clock::now();
  const double cpu = self_rusage_seconds() - cpu_before;
  const double bytes = static_cast<double>(received.load());
  m.seconds = std::chrono::duration<double>(end - start).count();
  m.mb_per_s = bytes / m.seconds / 1e6;
  m.iops = bytes / kChunk / m.seconds;  // 1 MiB writes per second
  m.client_cpu_s_per_gb = cpu_per_gb(cpu, bytes);
  m.path = "tcp";
  return m;
}

}  // namespace uiscsi::bench
