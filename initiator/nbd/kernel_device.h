// /dev/nbdN on an export: the kernel's NBD client attached through its generic netlink
// interface, as nbd-client does. We connect to the export's Unix socket as a client, do
// the handshake (NBD_OPT_GO), and hand the connected sockets to the kernel with
// NBD_CMD_CONNECT; the kernel then runs the transmission phase itself.
//
//   auto d = co_await attach_kernel_device(socket_path, "");   // server on this io_context
//   if (!d.ec) std::cout << d.path() << "\n";                   // /dev/nbd0
//   ...
//   co_await detach_kernel_device(d.index);                     // before the server stops
//
// The server may run on the same io_context (the blocking netlink calls run on a helper
// thread meanwhile); that io_context must be run by one thread. Needs CAP_SYS_ADMIN and
// the nbd module.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace uiscsi::initiator::nbd {

struct KernelDevice {
  std::error_code ec;
  std::string error;
  int index = -1;
  unsigned connections = 0;  // the sockets the kernel got
  std::string path() const { return "/dev/nbd" + std::to_string(index); }
};

// `index` -1 takes a free device. `connections` sockets are handed over (more than one
// only when the export offers CAN_MULTI_CONN). The kernel's block size is the export's
// preferred block size, at most 4096 and at least its minimum.
boost::asio::awaitable<KernelDevice> attach_kernel_device(std::string unix_socket, std::string export_name,
                                                          int index = -1, unsigned connections = 1);
boost::asio::awaitable<std::error_code> detach_kernel_device(int index);

// The client side of attach_kernel_device(), on its own so that tests can see it: up to
// `connections` Unix-socket connections to the export, each through NBD_OPT_GO, and only
// one when the export does not offer CAN_MULTI_CONN (the kernel may then not spread
// requests over several). `fds` is empty, with `error` saying why, when not even one
// connection got through; the caller owns (closes) the descriptors.
struct KernelSockets {
  std::vector<int> fds;
  std::string error;
  std::uint64_t size = 0;
  std::uint16_t flags = 0;  // NBD_FLAG_* of NBD_INFO_EXPORT
  std::uint32_t minimum_block = 512, preferred_block = 4096;
};
boost::asio::awaitable<KernelSockets> connect_kernel_sockets(std::string unix_socket, std::string export_name,
                                                             unsigned connections);

// Why attach_kernel_device() cannot work here, in one line; empty when it can: the process
// lacks CAP_SYS_ADMIN (the nbd family's commands need it), or the kernel has no "nbd"
// netlink family (no nbd module). Blocking, but quick (one netlink round trip).
std::string kernel_device_unavailable();

}  // namespace uiscsi::initiator::nbd
