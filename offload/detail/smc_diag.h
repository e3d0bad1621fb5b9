// SMC_DIAG: what the kernel says about an AF_SMC socket, through sock_diag netlink
// (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, family AF_SMC; module smc_diag). The kernel only
// dumps (NLM_F_DUMP, every SMC socket of the network namespace, both SMCPROTO_SMC and
// SMCPROTO_SMC6); a socket is found in the dump by its inode. Each entry carries the mode
// (SMC-R, SMC-D, or fallen back to TCP) and, as attribute SMC_DIAG_FALLBACK, the fallback
// reason and the peer's diagnosis (SMC_CLC_DECL_* codes, see smc_decline.h).
//
// Message building and parsing are separate from the socket I/O so they can be tested
// with bytes captured from a real kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::offload::detail {

// The values of <linux/smc_diag.h>' mode enum.
enum class SmcMode : std::uint8_t { smcr = 0, fallback_tcp = 1, smcd = 2 };

struct SmcDiagEntry {
  std::uint64_t inode = 0;
  std::uint8_t mode = 0;   // SmcMode, as the kernel sent it (may be a value we do not know)
  std::uint8_t state = 0;  // the socket state (SMC_ACTIVE, SMC_LISTEN, ...)
  bool has_fallback = false;  // the SMC_DIAG_FALLBACK attribute was there
  std::uint32_t fallback_reason = 0;
  std::uint32_t peer_diagnosis = 0;
};

// A dump request (nlmsghdr + smc_diag_req) with sequence number `seq`, asking for the
// fallback attribute.
std::vector<std::byte> build_smc_diag_request(std::uint32_t seq);

struct SmcDiagParse {
  bool done = false;   // NLMSG_DONE seen: the dump is complete
  std::error_code ec;  // NLMSG_ERROR from the kernel, or a malformed datagram (bad_message)
};

// Parses one datagram of the reply to the request with sequence number `seq`, appending
// its entries to `out`. Messages of another sequence number are skipped. Never reads out of
// `datagram`; malformed input gives std::errc::bad_message.
SmcDiagParse parse_smc_diag_reply(std::span<const std::byte> datagram, std::uint32_t seq,
                                  std::vector<SmcDiagEntry>& out);

// Asks the kernel about the AF_SMC socket `fd`. Errors: the netlink socket's (e.g.
// ENOENT: no smc_diag module), std::errc::timed_out (no complete answer within a second),
// std::errc::no_such_file_or_directory when the socket is not in the dump.
std::optional<SmcDiagEntry> query_smc_diag(int fd, std::error_code& ec);

}  // namespace uiscsi::offload::detail
