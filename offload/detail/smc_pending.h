// Words for an AF_SMC connect that has not completed, from what SMC_DIAG says about its
// socket. Over Linux 6.1 and Soft-RoCE the kernel's SMC-R handshake can stall for good
// (tests/kernel/smc_r.sh: CLC done, the first CONFIRM LINK never sent) with the socket
// listed in state INIT, mode SMC-R and no fallback; a connect timeout then says that, rather
// than only "timed out".
//
// SMC_DIAG's mode is SMC-R from the start until the kernel falls back or builds an SMC-D
// link group, so "state INIT, mode SMC-R" also covers a TCP handshake (the CLC socket's)
// that has not finished; SMC_DIAG cannot tell the two apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "offload/detail/smc_diag.h"

namespace uiscsi::offload::detail {

// The name of an SMC socket state (enum smc_state, net/smc/smc.h: "INIT", "ACTIVE", ...),
// or empty for a value this table does not know.
std::string_view smc_state_name(std::uint8_t state) noexcept;

// For people, what an unfinished connect's socket is doing: `entry` is its SMC_DIAG record,
// or nullopt with `diag_error` saying why there is none (as query_smc_diag() reports it).
//   "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)"
//   "SMC fell back to TCP and the TCP connect did not finish (SMC_DIAG: state INIT, mode TCP,
//    fallback: no SMC device found (0x03030000))"
//   "SMC handshake state unknown: the socket is not in SMC_DIAG"
//   "SMC handshake state unknown: SMC_DIAG: Connection timed out"
std::string describe_pending_smc_connect(const std::optional<SmcDiagEntry>& entry,
                                         const std::error_code& diag_error);

}  // namespace uiscsi::offload::detail
