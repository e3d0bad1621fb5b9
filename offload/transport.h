// offload::Transport: one iSCSI connection's data path, PDU by PDU.
//
// Modelled on Envoy's TransportSocket: the connection object of the session layer owns its
// transport through a unique_ptr, and the transport owns the kernel socket. The interface is
// PDU-level rather than byte-level because the placement path needs the framing to steer
// data segments, and iSER (RFC 7145) has no byte stream at all: PDUs arrive as messages and
// Data-In / Data-Out move by RDMA.
//
// Threading: a transport lives on one io_context (one per core, ARCHITECTURE.md) and every
// member function except counters() and path_info() must be called from that io_context's
// thread. counters() and path_info() may be called from any thread.
//
// Errors are values: no member function throws on the data path, and the awaitables
// complete with a std::error_code rather than an exception.
#pragma once

#include <sys/uio.h>

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include "iscsi/pdu_parser.h"
#include "iscsi/pdu_writer.h"
#include "offload/counters.h"
#include "offload/path.h"
#include "offload/socket_address.h"

namespace uiscsi::offload {

// The Initiator Task Tag under which a task's data buffers are registered.
using Tag = std::uint32_t;

// What a transport can do beyond moving PDUs. Upper layers ask here instead of calling
// path-specific methods; what is false is simply not done (or answered with
// errc::not_supported).
struct Capabilities {
  // CRC32C digests are computed and checked below the CPU's PDU code (NIC or RDMA).
  bool digest_offload = false;
  // expect()ed buffers receive data segments with no intermediate buffer (bytes_placed).
  // When false, expect() still works but copies out of a receive buffer (bytes_copied).
  bool direct_placement = false;
  // Data-In / Data-Out move by RDMA and PDUs arrive as messages (iSER).
  bool rdma = false;
  // Large payloads are sent without copying them into the kernel (MSG_ZEROCOPY).
  bool zero_copy_send = false;
  // switch_to_tcp() succeeds on this transport.
  bool switch_to_tcp = false;
  // An OutgoingPdu's FileSegment goes out by sendfile(2), never through user space, from
  // file_send_threshold bytes up; shorter ones are read first, so a sender with less data
  // per PDU gains nothing by handing out file ranges and reads the data itself. When
  // false a transport still accepts one and reads it into a buffer of its own first
  // (pread), so a PDU queued before switch_to_tcp() is sent all the same.
  bool file_send = false;
  std::size_t file_send_threshold = 0;  // TransportOptions::file_send_threshold
};

// The outcome of receive(). `pdu` is valid when !ec. On iscsi::pdu_errc::data_digest_mismatch
// `pdu.bhs` is still the PDU's header (its framing was sound), so the session layer can tell
// which task lost data; the data itself is discarded (or, if placed, is in the task's
// buffer and must not be trusted). Any other error leaves `pdu` empty.
struct Received {
  std::error_code ec;
  iscsi::Pdu pdu;
};

struct TransportOptions {
  // Bytes read from the socket at a time (stream paths): the read-ahead buffer, and on the
  // placement path also the most bytes read straight into a task's buffers by one readv.
  std::size_t receive_buffer_size = 256 * 1024;
  // Most expectations kept at once; registering one more evicts the oldest (best-effort).
  std::size_t expectation_capacity = 1024;
  // placement: a data segment is read straight into its expect()ed buffers when at least
  // this many of its bytes are still in the socket; smaller rests are copied out of the
  // read-ahead buffer, which costs less than one more system call.
  std::size_t direct_read_threshold = 4 * 1024;
  // placement: a batch of PDUs carrying at least this many payload bytes in one PDU is sent
  // with MSG_ZEROCOPY when the socket accepts SO_ZEROCOPY (below it, pinning pages and
  // reading the completion costs more than the copy).
  std::size_t zero_copy_threshold = 64 * 1024;
  // placement: stop using MSG_ZEROCOPY on a socket as soon as the kernel reports that it
  // copied a zerocopy send anyway (SO_EE_CODE_ZEROCOPY_COPIED: loopback, or a device without
  // scatter-gather), as Documentation/networking/msg_zerocopy.rst advises. From then on the
  // socket sends with plain sendmsg gather writes from the same buffers, paying neither the
  // page pinning nor the completion reads. false keeps MSG_ZEROCOPY regardless (measuring
  // what it costs, exercising the completion tracking over loopback).
  bool zero_copy_stop_on_copy = true;
  // placement: an OutgoingPdu::file data segment of at least this many bytes goes out by
  // sendfile(2); a shorter one is read into memory and gathered with its header, because
  // below it the splice set-up and the extra system call cost more than the copy (4 KiB
  // random reads lost a third of their IOPS to per-PDU sendfile on loopback).
  std::size_t file_send_threshold = 64 * 1024;
};

class Transport {
 public:
  // Destroying a transport closes it (see close()); like every other call, it happens on
  // the transport's io_context thread. Pending operations keep the connection's state alive
  // until they have completed.
  virtual ~Transport() = default;

  // --- Identity ---------------------------------------------------------------------
  // The kernel socket this connection owns: valid from construction until close(), -1
  // after. For tcp, placement and smc it carries the data; for iser it is a TCP socket
  // bound to the RDMA connection's 4-tuple, so `ss -tnp` lists every connection.
  virtual int native_handle() const noexcept = 0;
  // The 4-tuple, as getsockname(2) / getpeername(2) gave it when the transport was made.
  virtual SocketAddress local_endpoint() const = 0;
  virtual SocketAddress remote_endpoint() const = 0;
  virtual Capabilities capabilities() const noexcept = 0;
  // The path really in use and, when it is not what was requested, why. Any thread.
  virtual PathInfo path_info() const = 0;
  // A snapshot of this connection's counters. Any thread.
  virtual Counters counters() const noexcept = 0;

  // --- Configuration ----------------------------------------------------------------
  // The negotiated MaxRecvDataSegmentLength (ours) and digests, after login. Sends take the
  // digests from the next send() on. Receiving applies them from the next PDU boundary:
  // call it after the receive() that returned the last Login PDU and before the next one
  // (RFC 7143 13.1: digests start with the first PDU after the Login Phase). If a receive
  // is pending mid-PDU, the limits apply once that PDU is complete.
  virtual void configure(const iscsi::PduLimits& limits) = 0;

  // --- Data path ----------------------------------------------------------------------
  // Sends one PDU; the transport fills in TotalAHSLength, DataSegmentLength, padding and
  // digests. Ownership: `pdu`, its AHS bytes, its iovec array and the data they point to
  // are the caller's and must stay valid and unchanged until the awaitable completes; the
  // AHS and data are never copied (they go to the kernel by gather write). With
  // MSG_ZEROCOPY (Capabilities::zero_copy_send) the kernel keeps reading the caller's pages
  // after the write returns, until it has sent them; the awaitable then completes only once
  // the kernel has reported it is done with them (the socket's error queue), so the rule
  // above still covers it: release the buffers when the awaitable completes. Several
  // coroutines may send at once: PDUs go out whole, in the order their awaitables are first
  // awaited, never interleaved, and queued PDUs are gathered into one write. Completes with
  // the socket's error (after which every later send fails: a PDU may have been cut), a
  // writer error (iscsi::pdu_errc), or operation_canceled if the transport was closed
  // first. Not cancellable: a PDU partly on the wire cannot be taken back.
  virtual boost::asio::awaitable<std::error_code> send(const iscsi::OutgoingPdu& pdu) = 0;

  // Receives the next PDU. One receive at a time (a second one gets
  // errc::receive_in_progress). Errors: errc::closed (peer closed at a PDU boundary),
  // errc::closed_mid_pdu, socket errors, operation_canceled (close(), or the awaiting
  // coroutine was cancelled; nothing is lost then and the next receive() resumes), and the
  // parser's errors (iscsi::pdu_errc). Digest errors are counted in digest_errors. After a
  // parser error or the end of the stream every later receive() returns the same error:
  // the byte stream has no trustworthy PDU boundary any more (RFC 7143 7.8), but sending
  // still works so the session layer can answer (a Reject, a Logout) before close().
  virtual boost::asio::awaitable<Received> receive() = 0;

  // Registers the buffers for the data of task `itt` (Data-In at the initiator, Data-Out
  // at the target), holding the task's data from BufferOffset `buffer_offset` on. A Data-In
  // or Data-Out PDU of that task whose [BufferOffset, BufferOffset + DataSegmentLength) lies
  // inside them has its data segment written there, and is delivered with
  // `pdu.data_placed` set and no data of its own. Anything else (another tag, a range not
  // covered, an evicted entry) is delivered in an owned buffer: placement is best-effort
  // and never an error. Register a task's whole buffer once: a second expect() of the same
  // tag acts as forget(itt) followed by expect().
  // Ownership: the transport copies the iovec array; the memory stays the caller's and must
  // stay valid until forget(itt), a replacing expect(itt), or close().
  virtual void expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers) = 0;
  // Drops the registration. When it returns the transport no longer writes to the buffers,
  // even if a PDU of that task is half received: the rest of its data segment is discarded,
  // and the PDU is still delivered (data_placed set) so the session layer sees its header.
  virtual void forget(Tag itt) noexcept = 0;

  // --- Path control ---------------------------------------------------------------------
  // Moves the connection to the plain tcp path, by policy or after a fault; `reason` is kept
  // in path_info().fallback_reason. On a transport already on tcp it does nothing and
  // succeeds. errc::not_supported where the path cannot be left without a new connection
  // (see Capabilities::switch_to_tcp).
  virtual std::error_code switch_to_tcp(std::string_view reason) = 0;

  // Closes the socket. Pending send()s and receive() complete with operation_canceled,
  // and expectations are dropped: when close() returns the transport writes to no caller
  // buffer and, once the pending operations have completed, reads from none. Later calls
  // complete with std::errc::not_connected. Idempotent.
  virtual void close() noexcept = 0;
};

}  // namespace uiscsi::offload
