// The `smc` path: an AF_SMC socket (RFC 7609 SMC-R; SMC-D on s390). The kernel runs the CLC
// handshake over TCP when the connection is set up and, when SMC cannot be used, falls back
// to TCP inside the same socket on its own. The data path is the tcp path's (the socket is
// an ordinary byte stream either way); what is particular to smc is the socket, made by
// this factory's open_socket hook for connect() and Listener, and the report: after the
// handshake SMC_DIAG says which mode the kernel chose and, on fallback, why. path_info()
// then has mode "SMC-R", "SMC-D" or "TCP", and on fallback a reason such as
// "smc: kernel fell back to TCP: no SMC device found (0x03030000)".
//
// switch_to_tcp(): a connection that fell back is on TCP already and switches (path_info()
// then says tcp); an SMC-R / SMC-D connection cannot leave RDMA without a new connection
// (errc::not_supported, Capabilities::switch_to_tcp false).
//
// SMC has no getsockopt that reports the mode or the fallback reason (SOL_SMC has only
// SMC_LIMIT_HS on Linux 6.1, a handshake throttle), hence SMC_DIAG.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include "offload/owned_fd.h"
#include "offload/registry.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload {

// The registry entry. Its probe says "kernel has no AF_SMC" where socket(AF_SMC) fails
// with EAFNOSUPPORT. The probe runs once per process: where the module is missing, every
// socket(AF_SMC) makes the kernel try to load it.
TransportFactory smc_factory();

// socket(AF_SMC, SOCK_STREAM, SMCPROTO_SMC or SMCPROTO_SMC6 for `family` AF_INET / AF_INET6).
OwnedFd open_smc_socket(int family, std::error_code& ec);

// The factory's abandon hook: closes an AF_SMC socket whose connect did not complete on a
// detached thread of its own. While a non-blocking connect's SMC handshake is running,
// close(2) waits for the kernel's handshake worker (smc_release -> cancel_work_sync), and
// that worker can hang for good: in the kernel lab (tests/kernel/smc_r.sh, Linux 6.1 over
// Soft-RoCE) a failed SMC-R first link leaves it in smc_wr_drain_cq forever. Closed on the
// caller's thread, the socket would take the io_context, and the daemon, with it.
void close_abandoned_smc_socket(OwnedFd socket);

// The factory's describe_pending hook: what SMC_DIAG says about an AF_SMC socket whose
// connect has not completed, in words (detail/smc_pending.h), e.g. "SMC handshake stuck
// (SMC_DIAG: state INIT, mode SMC-R)". Asks the kernel on the caller's thread (a dump of
// the host's SMC sockets; never more than a second, see query_smc_diag()).
std::string describe_pending_smc_socket(int socket);

// Wraps a connected AF_SMC socket (handshake done: from connect() or Listener::accept());
// takes ownership of it in every case. Asks SMC_DIAG for the mode; if SMC_DIAG cannot tell
// (no smc_diag module), the connection is still made, with mode "unknown" and the reason in
// fallback_reason. Fails with std::errc::invalid_argument for a socket that is not AF_SMC
// (one that fell back answers as AF_INET/AF_INET6 and is recognised through SMC_DIAG).
std::unique_ptr<Transport> make_smc_transport(boost::asio::io_context& io, OwnedFd socket,
                                              PathInfo path, const TransportOptions& options,
                                              std::error_code& ec);

}  // namespace uiscsi::offload
