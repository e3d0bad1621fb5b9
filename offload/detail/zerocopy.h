// MSG_ZEROCOPY bookkeeping for one socket (Linux, Documentation/networking/msg_zerocopy.rst).
//
// With SO_ZEROCOPY on, send(2) with MSG_ZEROCOPY pins the caller's pages instead of copying
// them, and the kernel reads them until the data has been sent and acknowledged. It numbers
// every successful zerocopy send call on the socket, from 0 on (32 bits, wrapping; a call
// that fails gets no number), and later queues notifications on the socket's error queue,
// each releasing a range [lo, hi] of those numbers, in any order. The pages of a call may be
// reused only once its number is released.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <system_error>
#include <vector>

namespace uiscsi::offload::detail {

// Which zerocopy sends the kernel still holds.
class ZeroCopyTracker {
 public:
  // `first`: the number the next send gets; 0 for a socket that has made no zerocopy send.
  explicit ZeroCopyTracker(std::uint32_t first = 0) noexcept : base_(first), next_(first) {}

  // The number the next successful zerocopy send gets.
  std::uint32_t next() const noexcept { return next_; }
  // Records a successful zerocopy send (it got number next()).
  void issue() { done_.push_back(false); ++next_; }
  // Marks [lo, hi] (inclusive, modulo 2^32) released. Numbers not outstanding are ignored,
  // never guessed at. Returns how many outstanding sends this released.
  std::size_t release(std::uint32_t lo, std::uint32_t hi);
  // Whether every send numbered before `end` (a former next()) has been released.
  bool released_before(std::uint32_t end) const noexcept;
  std::size_t outstanding() const noexcept { return done_.size(); }

 private:
  std::uint32_t base_;  // the oldest outstanding number (== next_ when none)
  std::uint32_t next_;
  std::deque<bool> done_;   // done_[i]: number base_ + i was released
};

// One notification from the error queue.
struct ZeroCopyNotice {
  std::uint32_t lo = 0, hi = 0;
  bool copied = false;  // SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied the data after all
};

// Turns SO_ZEROCOPY on; false when the socket refuses it (not TCP, or an old kernel).
bool enable_zerocopy(int fd) noexcept;

// The zerocopy notification in one message read with MSG_ERRQUEUE (IP_RECVERR or
// IPV6_RECVERR control message of origin SO_EE_ORIGIN_ZEROCOPY), or nullopt if it holds
// none (another kind of queued error).
std::optional<ZeroCopyNotice> parse_zerocopy_notice(const msghdr& msg) noexcept;

// Reads every message queued on `fd`'s error queue without blocking and appends the
// zerocopy notifications to `out`. Returns the read error, if it is not "queue empty".
std::error_code drain_zerocopy_notices(int fd, std::vector<ZeroCopyNotice>& out);

}  // namespace uiscsi::offload::detail
