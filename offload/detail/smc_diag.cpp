#include "offload/detail/smc_diag.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "offload/owned_fd.h"

namespace uiscsi::offload::detail {
namespace {

template <typename T>
T load(std::span<const std::byte> bytes, std::size_t at) noexcept {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

std::error_code bad_message() { return std::make_error_code(std::errc::bad_message); }

// The attributes after an smc_diag_msg, looking for SMC_DIAG_FALLBACK.
bool parse_attributes(std::span<const std::byte> attrs, SmcDiagEntry& entry) {
  while (attrs.size() >= sizeof(rtattr)) {
    const auto attr = load<rtattr>(attrs, 0);
    if (attr.rta_len < sizeof(rtattr) || attr.rta_len > attrs.size()) return false;
    if (attr.rta_type == SMC_DIAG_FALLBACK && attr.rta_len >= RTA_LENGTH(sizeof(smc_diag_fallback))) {
      const auto fallback = load<smc_diag_fallback>(attrs, RTA_LENGTH(0));
      entry.has_fallback = true;
      entry.fallback_reason = fallback.reason;
      entry.peer_diagnosis = fallback.peer_diagnosis;
    }
    const std::size_t step = RTA_ALIGN(attr.rta_len);
    if (step >= attrs.size()) break;
    attrs = attrs.subspan(step);
  }
  return true;
}

}  // namespace

std::vector<std::byte> build_smc_diag_request(std::uint32_t seq) {
  struct {
    nlmsghdr header;
    smc_diag_req request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  // The kernel answers only dumps (smc_diag_handler_dump).
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = seq;
  message.request.diag_family = AF_SMC;
  message.request.diag_ext = 1 << (SMC_DIAG_FALLBACK - 1);
  std::vector<std::byte> out(sizeof message);
  std::memcpy(out.data(), &message, sizeof message);
  return out;
}

SmcDiagParse parse_smc_diag_reply(std::span<const std::byte> datagram, std::uint32_t seq,
                                  std::vector<SmcDiagEntry>& out) {
  SmcDiagParse result;
  while (datagram.size() >= sizeof(nlmsghdr)) {
    const auto header = load<nlmsghdr>(datagram, 0);
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > datagram.size()) {
      result.ec = bad_message();
      return result;
    }
    const auto body = datagram.subspan(NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    if (header.nlmsg_seq == seq) {
      if (header.nlmsg_type == NLMSG_DONE) {
        result.done = true;
        return result;
      }
      if (header.nlmsg_type == NLMSG_ERROR) {
        if (body.size() < sizeof(nlmsgerr)) {
          result.ec = bad_message();
        } else {
          const int error = load<nlmsgerr>(body, 0).error;  // negative errno; 0 is an ACK
          if (error != 0) result.ec = {-error, std::system_category()};
        }
        return result;
      }
      if (header.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
        if (body.size() < sizeof(smc_diag_msg)) {
          result.ec = bad_message();
          return result;
        }
        const auto msg = load<smc_diag_msg>(body, 0);
        SmcDiagEntry entry;
        entry.inode = msg.diag_inode;
        entry.mode = msg.diag_mode;
        entry.state = msg.diag_state;
        const std::size_t attrs_at = NLMSG_ALIGN(sizeof(smc_diag_msg));
        if (attrs_at < body.size() && !parse_attributes(body.subspan(attrs_at), entry)) {
          result.ec = bad_message();
          return result;
        }
        out.push_back(entry);
      }
    }
    const std::size_t step = NLMSG_ALIGN(header.nlmsg_len);
    if (step >= datagram.size()) break;
    datagram = datagram.subspan(step);
  }
  return result;
}

std::optional<SmcDiagEntry> query_smc_diag(int fd, std::error_code& ec) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ec = {errno, std::system_category()};
    return std::nullopt;
  }
  OwnedFd netlink(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!netlink) {
    ec = {errno, std::system_category()};
    return std::nullopt;
  }
  // A dump of a busy host's SMC sockets takes milliseconds; never hang a connection on it.
  const timeval patience{.tv_sec = 1, .tv_usec = 0};
  (void)::setsockopt(netlink.get(), SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);

  constexpr std::uint32_t kSeq = 1;
  const std::vector<std::byte> request = build_smc_diag_request(kSeq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    ec = {errno, std::system_category()};
    return std::nullopt;
  }
  std::vector<std::byte> buffer(65536);  // above the kernel's dump datagrams (32 KiB, min_dump_alloc)
  std::vector<SmcDiagEntry> entries;
  std::optional<SmcDiagEntry> found;
  for (;;) {
    const ssize_t n = ::recv(netlink.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      ec = errno == EAGAIN || errno == EWOULDBLOCK ? std::make_error_code(std::errc::timed_out)
                                                   : std::error_code(errno, std::system_category());
      return std::nullopt;
    }
    entries.clear();
    const SmcDiagParse r = parse_smc_diag_reply({buffer.data(), static_cast<std::size_t>(n)}, kSeq, entries);
    for (const SmcDiagEntry& e : entries) {
      if (e.inode == st.st_ino) found = e;
    }
    if (r.ec) {
      ec = r.ec;
      return std::nullopt;
    }
    if (r.done) break;
  }
  if (!found) ec = std::make_error_code(std::errc::no_such_file_or_directory);
  return found;
}

}  // namespace uiscsi::offload::detail
