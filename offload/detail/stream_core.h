// The state of one stream connection, behind detail::make_stream_transport().
//
// One StreamCore per connection, shared (shared_ptr) by the Transport facade and every
// pending handler and receive coroutine, so that it outlives the facade until they have all
// completed. Its members are split over three files by side: stream_core.cpp (set-up,
// configuration, path control, close), stream_receive.cpp, stream_send.cpp.
//
// Everything runs on the connection's io_context thread, except counters() and path(),
// which any thread may call (Transport's threading rule).
#pragma once

#include <sys/uio.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "iscsi/pdu_parser.h"
#include "iscsi/pdu_writer.h"
#include "offload/counters.h"
#include "offload/detail/expectation_table.h"
#include "offload/detail/rx_filter.h"
#include "offload/detail/stream_transport.h"
#include "offload/detail/zerocopy.h"
#include "offload/owned_fd.h"
#include "offload/socket_address.h"
#include "offload/transport.h"

namespace uiscsi::offload::detail {

using SendHandler = boost::asio::any_completion_handler<void(std::error_code)>;

// One queued PDU. Owned through a unique_ptr and never moved while queued or in the kernel's
// hands (MSG_ZEROCOPY): the writer's iovecs point into `pdu.bhs` and into the writer itself.
struct SendOp {
  iscsi::OutgoingPdu pdu;
  iscsi::PduWriter writer;
  std::span<const iovec> iov;
  std::size_t size = 0;     // bytes on the wire
  std::size_t payload = 0;  // data segment bytes
  SendHandler handler;
  std::error_code result;   // decided when written; handed over when the kernel is done
  // A file segment read into memory (the path does not send files, or the file cannot be
  // spliced): `pdu.data` then names file_iov, which names file_copy.
  std::unique_ptr<std::byte[]> file_copy;
  iovec file_iov{};

  bool from_file() const noexcept { return pdu.file.length != 0; }
};

class StreamCore : public std::enable_shared_from_this<StreamCore> {
 public:
  StreamCore(boost::asio::io_context& io, StreamSetup& setup);
  // Takes `fd` over (it closes it on failure).
  std::error_code open(OwnedFd fd, int family, int protocol);

  int native_handle() const noexcept { return fd_; }
  const SocketAddress& local() const noexcept { return local_; }
  const SocketAddress& remote() const noexcept { return remote_; }
  Capabilities capabilities() const noexcept;
  PathInfo path() const;  // any thread
  Counters counters() const noexcept { return counters_.snapshot(); }

  void configure(const iscsi::PduLimits& limits);
  void expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers);
  void forget(Tag itt) noexcept;
  std::error_code switch_to_tcp(std::string_view reason);
  void close() noexcept;

  static boost::asio::awaitable<Received> receive(std::shared_ptr<StreamCore> self);
  void enqueue(const iscsi::OutgoingPdu& pdu, SendHandler handler);

 private:
  using Socket = boost::asio::generic::stream_protocol::socket;

  // --- Receive (stream_receive.cpp) ---
  // The buffers of the next read: the rest of a placed data segment first when it is read
  // straight into the task's buffers, then the read-ahead buffer rx_.
  struct ReadPlan {
    std::size_t placed = 0;  // bytes of read_iov_ that are the task's buffers
    std::size_t total = 0;   // 0: the RxFilter ends the stream here
  };
  ReadPlan plan_read();
  void set_receive_low_water(std::size_t placed) noexcept;
  std::size_t read_ahead() const noexcept;
  std::size_t tail_after_data() const noexcept;
  void take_read(const ReadPlan& plan, std::size_t n);
  std::optional<Received> parse_buffered();
  Received fail_parse(std::error_code ec);
  void start_pdu();
  void try_place();
  std::optional<iscsi::Pdu> finish_pdu();
  void divert() noexcept;
  std::error_code end_of_stream() const;

  // --- Send (stream_send.cpp) ---
  std::unique_ptr<SendOp> take_op();
  void complete(std::unique_ptr<SendOp> op, std::error_code ec);
  void start_write();
  // Whether the op's file segment goes out by sendfile (else load_file() first).
  bool sends_file(const SendOp& op) const noexcept;
  std::error_code load_file(SendOp& op);
  void send_zerocopy_some();
  void send_file_some();
  void write_rest(std::span<const iovec> rest);
  void on_zerocopy_sent(std::error_code ec);
  void finish_batch(std::error_code ec, std::size_t bytes);
  void reap_zerocopy();
  void stop_zerocopy();
  void watch_zerocopy();
  void cancel_sends() noexcept;

  Socket socket_;
  int fd_ = -1;
  SocketAddress local_, remote_;
  mutable std::mutex path_mutex_;  // path_ is read from any thread; written by switch_to_tcp
  PathInfo path_;
  LiveCounters counters_;
  bool closed_ = false;
  const TransportOptions options_;
  // Mode. placement_: direct reads and zerocopy sends (until switch_to_tcp()).
  bool placement_;
  const bool can_switch_;
  // SO_ZEROCOPY accepted by the socket, and the kernel has not reported copying a send.
  bool zerocopy_ = false;

  // Receive side.
  std::shared_ptr<RxFilter> filter_;
  iscsi::PduParser parser_;
  std::optional<iscsi::PduLimits> pending_limits_;
  std::size_t rx_size_;
  std::unique_ptr<std::byte[]> rx_;
  std::size_t rx_begin_ = 0, rx_end_ = 0;  // unparsed bytes of rx_
  std::error_code rx_error_;               // sticky: the stream is over
  bool receiving_ = false;
  bool mid_pdu_ = false;  // some bytes of the current PDU were consumed
  std::uint64_t pdus_started_ = 0;
  bool dropping_ = false;  // the RxFilter discards the current PDU
  std::vector<iovec> read_iov_;  // the buffers of the read being planned or made
  int receive_low_water_ = 1;    // the socket's SO_RCVLOWAT (placement, see stream_receive.cpp)

  ExpectationTable table_;
  // The current PDU's placement: the iovec array handed to PduParser::place_data, which
  // must stay valid until the PDU is complete.
  std::vector<iovec> placing_;
  std::optional<Tag> placing_tag_;
  bool diverted_ = false;      // forget() abandoned the placement mid-PDU (see divert())
  std::size_t read_direct_ = 0;  // bytes of the current PDU read straight into its buffers

  // Send side.
  iscsi::DigestConfig send_digests_;
  std::deque<std::unique_ptr<SendOp>> queued_;
  std::vector<std::unique_ptr<SendOp>> in_flight_;
  std::vector<std::unique_ptr<SendOp>> spare_ops_;  // recycled, so steady state allocates nothing
  std::vector<boost::asio::const_buffer> gather_;   // the in-flight batch's writev list
  bool writing_ = false;
  std::error_code tx_error_;  // sticky: a PDU may have been cut, the stream is unusable
  // The in-flight batch when it goes out with MSG_ZEROCOPY.
  bool batch_zerocopy_ = false;
  std::size_t batch_size_ = 0, batch_written_ = 0;
  // When the in-flight batch ends with a PDU whose data segment is sent from a file
  // (gather_ then holds only its head: BHS, AHS, header digest): its file bytes sent so far.
  std::size_t file_sent_ = 0;
  std::vector<boost::asio::const_buffer> batch_rest_;  // what of a batch is not written yet
  std::vector<iovec> zerocopy_iov_;                    // the same, for sendmsg(2)
  // Written batches whose pages the kernel may still read: completed once released.
  struct HeldBatch {
    std::uint32_t end = 0;  // ZeroCopyTracker::next() after its last send
    std::vector<std::unique_ptr<SendOp>> ops;
  };
  ZeroCopyTracker zerocopy_ids_;
  std::deque<HeldBatch> held_;
  bool watching_errors_ = false;
  std::vector<ZeroCopyNotice> notices_;  // scratch for reap_zerocopy()
};

}  // namespace uiscsi::offload::detail
