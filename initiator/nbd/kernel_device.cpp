// Attaching the kernel's NBD client (initiator/nbd/kernel_device.h): the client side of the
// handshake here, the netlink part in detail/nbd_netlink.cpp.
#include "initiator/nbd/kernel_device.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <thread>
#include <vector>

#include "initiator/nbd/detail/nbd_netlink.h"
#include "initiator/nbd/protocol.h"

namespace uiscsi::initiator::nbd {

namespace asio = boost::asio;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Connects and negotiates one connection; `why` is set on failure.
asio::awaitable<int> handshake(const std::string& path, const std::string& name, KernelSockets& n, std::string& why) {
  asio::local::stream_protocol::socket s(co_await asio::this_coro::executor);
  auto [ec] = co_await s.async_connect(asio::local::stream_protocol::endpoint(path), kTuple);
  if (ec) {
    why = path + ": " + ec.message();
    co_return -1;
  }
  std::vector<std::byte> greeting(18);
  auto [e1, r1] = co_await asio::async_read(s, asio::buffer(greeting), kTuple);
  if (e1 || load64(greeting) != NBDMAGIC || load64(std::span(greeting).subspan(8)) != IHAVEOPT ||
      !(load16(std::span(greeting).subspan(16)) & NBD_FLAG_FIXED_NEWSTYLE)) {
    why = "not a fixed newstyle NBD server";
    co_return -1;
  }
  std::vector<std::byte> out;
  put32(out, NBD_FLAG_C_FIXED_NEWSTYLE);
  put64(out, IHAVEOPT);
  put32(out, NBD_OPT_GO);
  put32(out, static_cast<std::uint32_t>(4 + name.size() + 2 + 2));
  put32(out, static_cast<std::uint32_t>(name.size()));
  for (const char c : name) out.push_back(static_cast<std::byte>(c));
  put16(out, 1);
  put16(out, NBD_INFO_BLOCK_SIZE);
  auto [e2, w2] = co_await asio::async_write(s, asio::buffer(out), kTuple);
  if (e2) {
    why = e2.message();
    co_return -1;
  }
  for (;;) {
    std::vector<std::byte> header(20);
    auto [e3, r3] = co_await asio::async_read(s, asio::buffer(header), kTuple);
    if (e3 || load64(header) != NBD_REP_MAGIC) {
      why = "the server broke off the handshake";
      co_return -1;
    }
    std::vector<std::byte> data(std::min<std::uint32_t>(load32(std::span(header).subspan(16)), 1u << 16));
    auto [e4, r4] = co_await asio::async_read(s, asio::buffer(data), kTuple);
    if (e4) {
      why = e4.message();
      co_return -1;
    }
    const std::uint32_t type = load32(std::span(header).subspan(12));
    if (type == NBD_REP_ACK) break;
    if (type & 0x80000000u) {
      why = "NBD_OPT_GO refused: " + std::string(reinterpret_cast<const char*>(data.data()), data.size());
      co_return -1;
    }
    if (type != NBD_REP_INFO || data.size() < 2) continue;
    const std::uint16_t info = load16(data);
    if (info == NBD_INFO_EXPORT && data.size() >= 12) {
      n.size = load64(std::span(data).subspan(2));
      n.flags = load16(std::span(data).subspan(10));
    } else if (info == NBD_INFO_BLOCK_SIZE && data.size() >= 14) {
      n.minimum_block = load32(std::span(data).subspan(2));
      n.preferred_block = load32(std::span(data).subspan(6));
    }
  }
  co_return s.release();
}

// Runs a blocking call on a helper thread while the io_context (and the NBD server on it,
// which the kernel may already be talking to) goes on.
asio::awaitable<std::error_code> off_thread(std::function<std::error_code()> call) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer done(executor, asio::steady_timer::time_point::max());
  std::error_code result;
  std::thread worker([&] {
    result = call();
    asio::post(executor, [&] { done.cancel(); });
  });
  (void)co_await done.async_wait(kTuple);
  worker.join();
  co_return result;
}

// CAP_SYS_ADMIN in the effective set (capget(2) directly: no libcap for one bit).
bool has_sys_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_ADMIN / 32].effective >> (CAP_SYS_ADMIN % 32)) & 1u;
}

}  // namespace

std::string kernel_device_unavailable() {
  std::string why;
  if (detail::netlink_probe(why)) return why;
  if (!has_sys_admin()) return "no CAP_SYS_ADMIN (the kernel's nbd netlink commands need it)";
  return {};
}

asio::awaitable<KernelSockets> connect_kernel_sockets(std::string unix_socket, std::string export_name,
                                                     unsigned connections) {
  KernelSockets n;
  for (unsigned i = 0; i < std::max(connections, 1u); ++i) {
    const int fd = co_await handshake(unix_socket, export_name, n, n.error);
    if (fd < 0) break;
    n.fds.push_back(fd);
    if (!(n.flags & NBD_FLAG_CAN_MULTI_CONN)) break;
  }
  if (!n.fds.empty()) n.error.clear();  // a later connection's failure: fewer sockets, no error
  co_return n;
}

asio::awaitable<KernelDevice> attach_kernel_device(std::string unix_socket, std::string export_name, int index,
                                                   unsigned connections) {
  KernelDevice d;
  KernelSockets n = co_await connect_kernel_sockets(std::move(unix_socket), std::move(export_name), connections);
  const std::vector<int>& fds = n.fds;
  if (fds.empty()) {
    d.ec = std::make_error_code(std::errc::connection_refused);
    d.error = std::move(n.error);
    co_return d;
  }
  d.connections = static_cast<unsigned>(fds.size());
  detail::KernelConnect request;
  request.size = n.size;
  request.block_size = std::max<std::uint32_t>(std::min<std::uint32_t>(n.preferred_block, 4096), n.minimum_block);
  request.server_flags = n.flags;
  request.index = index;
  if (request.block_size > 4096) {
    d.ec = std::make_error_code(std::errc::not_supported);
    d.error = "the export's minimum block size is larger than the kernel's page";
  } else {
    d.ec = co_await off_thread([&] { return detail::netlink_connect(request, fds, d.index, d.error); });
  }
  // The kernel holds its own references to the sockets.
  for (const int fd : fds) ::close(fd);
  co_return d;
}

asio::awaitable<std::error_code> detach_kernel_device(int index) {
  std::string why;
  co_return co_await off_thread([&] { return detail::netlink_disconnect(index, why); });
}

}  // namespace uiscsi::initiator::nbd
