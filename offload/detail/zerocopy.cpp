#include "offload/detail/zerocopy.h"

#include <time.h>  // struct timespec, which <linux/errqueue.h> uses
#include <linux/errqueue.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace uiscsi::offload::detail {

std::size_t ZeroCopyTracker::release(std::uint32_t lo, std::uint32_t hi) {
  std::size_t released = 0;
  // Walk the outstanding numbers (few), not the range (which a bad notice could make huge);
  // unsigned differences make the test correct across the 2^32 wrap.
  for (std::size_t i = 0; i < done_.size(); ++i) {
    const std::uint32_t id = base_ + static_cast<std::uint32_t>(i);
    if (!done_[i] && id - lo <= hi - lo) {
      done_[i] = true;
      ++released;
    }
  }
  while (!done_.empty() && done_.front()) {
    done_.pop_front();
    ++base_;
  }
  return released;
}

bool ZeroCopyTracker::released_before(std::uint32_t end) const noexcept {
  // Outstanding numbers span [base_, next_); `end` lies in [base_, next_] as a former next().
  return end - base_ == 0 || end - base_ > next_ - base_;
}

bool enable_zerocopy(int fd) noexcept {
  const int on = 1;
  return ::setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &on, sizeof on) == 0;
}

std::optional<ZeroCopyNotice> parse_zerocopy_notice(const msghdr& msg) noexcept {
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    const bool recverr = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                         (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
    if (!recverr || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
    sock_extended_err err;
    std::memcpy(&err, CMSG_DATA(c), sizeof err);  // CMSG_DATA need not be aligned for it
    if (err.ee_origin != SO_EE_ORIGIN_ZEROCOPY || err.ee_errno != 0) continue;
    return ZeroCopyNotice{err.ee_info, err.ee_data, (err.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) != 0};
  }
  return std::nullopt;
}

std::error_code drain_zerocopy_notices(int fd, std::vector<ZeroCopyNotice>& out) {
  for (;;) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(sock_extended_err) + sizeof(sockaddr_in6))];
    msghdr msg{};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
      return {errno, std::system_category()};
    }
    if (auto notice = parse_zerocopy_notice(msg)) out.push_back(*notice);
  }
}

}  // namespace uiscsi::offload::detail
