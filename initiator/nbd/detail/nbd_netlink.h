// The kernel's NBD client, driven through its generic netlink family "nbd"
// (linux/nbd-netlink.h), as nbd-client does: NBD_CMD_CONNECT hands the kernel sockets that
// have finished the NBD handshake, and it runs the transmission phase on them as
// /dev/nbdN; NBD_CMD_DISCONNECT ends that. Blocking calls; private to initiator/nbd.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <system_error>

namespace uiscsi::initiator::nbd::detail {

struct KernelConnect {
  std::uint64_t size = 0;
  std::uint64_t block_size = 4096;
  std::uint64_t server_flags = 0;      // the transmission flags the handshake announced
  std::uint64_t timeout_seconds = 0;   // 0: the kernel's default
  int index = -1;                      // -1: let the kernel pick a free device
};

// On success `index` is the device number (/dev/nbd<index>). On failure `why` says which
// step failed (the nbd module not loaded: the family is unknown).
std::error_code netlink_connect(const KernelConnect& request, std::span<const int> sockets, int& index,
                                std::string& why);
std::error_code netlink_disconnect(int index, std::string& why);
// Only resolves the family: no error when the kernel's NBD client is there.
std::error_code netlink_probe(std::string& why);

}  // namespace uiscsi::initiator::nbd::detail
