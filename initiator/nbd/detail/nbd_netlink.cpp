// Generic netlink for the kernel's NBD client (nbd_netlink.h), on a raw NETLINK_GENERIC
// socket: resolve the "nbd" family through the controller, then send NBD_CMD_CONNECT or
// NBD_CMD_DISCONNECT and read the answer up to the kernel's acknowledgement.
#include "initiator/nbd/detail/nbd_netlink.h"

#include <linux/genetlink.h>
#include <linux/nbd-netlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace uiscsi::initiator::nbd::detail {

namespace {

class Message {
 public:
  Message(std::uint16_t type, std::uint8_t command, std::uint8_t version) {
    bytes_.resize(NLMSG_HDRLEN + GENL_HDRLEN);
    auto* h = reinterpret_cast<nlmsghdr*>(bytes_.data());
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = 1;
    auto* g = reinterpret_cast<genlmsghdr*>(bytes_.data() + NLMSG_HDRLEN);
    g->cmd = command;
    g->version = version;
  }
  void attr(std::uint16_t type, const void* data, std::size_t size) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + NLA_ALIGN(NLA_HDRLEN + size));
    auto* a = reinterpret_cast<nlattr*>(bytes_.data() + at);
    a->nla_type = type;
    a->nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + size);
    std::memcpy(bytes_.data() + at + NLA_HDRLEN, data, size);
  }
  template <typename T>
  void attr(std::uint16_t type, T value) {
    attr(type, &value, sizeof value);
  }
  std::size_t begin_nested(std::uint16_t type) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + NLA_HDRLEN);
    reinterpret_cast<nlattr*>(bytes_.data() + at)->nla_type = type | NLA_F_NESTED;
    return at;
  }
  void end_nested(std::size_t at) {
    reinterpret_cast<nlattr*>(bytes_.data() + at)->nla_len = static_cast<std::uint16_t>(bytes_.size() - at);
  }
  std::vector<char>& finish() {
    reinterpret_cast<nlmsghdr*>(bytes_.data())->nlmsg_len = static_cast<std::uint32_t>(bytes_.size());
    return bytes_;
  }

 private:
  std::vector<char> bytes_;
};

struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

std::error_code last_error() { return {errno, std::system_category()}; }

// Sends `m` and reads answers until the acknowledgement; `on_attr` sees the attributes of
// every non-error answer.
template <typename OnAttr>
std::error_code exchange(int fd, Message& m, OnAttr on_attr) {
  std::vector<char>& out = m.finish();
  if (::send(fd, out.data(), out.size(), 0) < 0) return last_error();
  std::vector<char> in(16384);
  for (;;) {
    const ssize_t n = ::recv(fd, in.data(), in.size(), 0);
    if (n < 0) return last_error();
    std::size_t left = static_cast<std::size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(in.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        return e->error == 0 ? std::error_code{} : std::error_code{-e->error, std::system_category()};
      }
      if (h->nlmsg_type == NLMSG_DONE) return {};
      const char* p = static_cast<const char*>(NLMSG_DATA(h)) + GENL_HDRLEN;
      std::size_t attrs = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
      while (attrs >= NLA_HDRLEN) {
        const auto* a = reinterpret_cast<const nlattr*>(p);
        if (a->nla_len < NLA_HDRLEN || a->nla_len > attrs) break;
        on_attr(a->nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN, a->nla_len - NLA_HDRLEN);
        const std::size_t step = std::min<std::size_t>(NLA_ALIGN(a->nla_len), attrs);
        p += step;
        attrs -= step;
      }
    }
  }
}

std::error_code open_family(Socket& s, std::uint16_t& family, std::string& why) {
  s.fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (s.fd < 0) {
    why = "netlink socket";
    return last_error();
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    why = "netlink bind";
    return last_error();
  }
  Message m(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
  m.attr(CTRL_ATTR_FAMILY_NAME, NBD_GENL_FAMILY_NAME, sizeof NBD_GENL_FAMILY_NAME);
  family = 0;
  auto ec = exchange(s.fd, m, [&](std::uint16_t type, const char* data, std::size_t size) {
    if (type == CTRL_ATTR_FAMILY_ID && size >= 2) std::memcpy(&family, data, 2);
  });
  if (ec || family == 0) {
    why = "the kernel has no \"nbd\" netlink family (the nbd module is not loaded: modprobe nbd)";
    return ec ? ec : std::make_error_code(std::errc::no_such_device);
  }
  return {};
}

}  // namespace

std::error_code netlink_connect(const KernelConnect& request, std::span<const int> sockets, int& index,
                                std::string& why) {
  Socket s;
  std::uint16_t family = 0;
  if (auto ec = open_family(s, family, why)) return ec;
  Message m(family, NBD_CMD_CONNECT, NBD_GENL_VERSION);
  if (request.index >= 0) m.attr(NBD_ATTR_INDEX, static_cast<std::uint32_t>(request.index));
  m.attr(NBD_ATTR_SIZE_BYTES, request.size);
  m.attr(NBD_ATTR_BLOCK_SIZE_BYTES, request.block_size);
  m.attr(NBD_ATTR_SERVER_FLAGS, request.server_flags);
  if (request.timeout_seconds) m.attr(NBD_ATTR_TIMEOUT, request.timeout_seconds);
  const std::size_t list = m.begin_nested(NBD_ATTR_SOCKETS);
  for (const int fd : sockets) {
    const std::size_t item = m.begin_nested(NBD_SOCK_ITEM);
    m.attr(NBD_SOCK_FD, static_cast<std::uint32_t>(fd));
    m.end_nested(item);
  }
  m.end_nested(list);
  std::uint32_t got = UINT32_MAX;
  auto ec = exchange(s.fd, m, [&](std::uint16_t type, const char* data, std::size_t size) {
    if (type == NBD_ATTR_INDEX && size >= 4) std::memcpy(&got, data, 4);
  });
  if (ec) {
    why = "NBD_CMD_CONNECT refused";
    return ec;
  }
  index = got != UINT32_MAX ? static_cast<int>(got) : request.index;
  return {};
}

std::error_code netlink_disconnect(int index, std::string& why) {
  Socket s;
  std::uint16_t family = 0;
  if (auto ec = open_family(s, family, why)) return ec;
  Message m(family, NBD_CMD_DISCONNECT, NBD_GENL_VERSION);
  m.attr(NBD_ATTR_INDEX, static_cast<std::uint32_t>(index));
  auto ec = exchange(s.fd, m, [](std::uint16_t, const char*, std::size_t) {});
  if (ec) why = "NBD_CMD_DISCONNECT refused";
  return ec;
}

std::error_code netlink_probe(std::string& why) {
  Socket s;
  std::uint16_t family = 0;
  return open_family(s, family, why);
}

}  // namespace uiscsi::initiator::nbd::detail
