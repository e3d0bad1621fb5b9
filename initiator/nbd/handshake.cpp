// The NBD fixed newstyle handshake (initiator/nbd/handshake.h).
#include "initiator/nbd/handshake.h"

#include <algorithm>
#include <utility>

#include "initiator/nbd/protocol.h"

namespace uiscsi::initiator::nbd {

namespace {

// Option data larger than this is skipped unread (NBD_REP_ERR_TOO_BIG): the largest valid
// option, NBD_OPT_SET_META_CONTEXT with a few queries, is far smaller.
constexpr std::size_t kMaxOptionData = 64u << 10;
constexpr std::size_t kOptionHeader = 16;  // IHAVEOPT, option, length

void reply(std::vector<std::byte>& out, std::uint32_t option, std::uint32_t type,
           std::span<const std::byte> data = {}) {
  put64(out, NBD_REP_MAGIC);
  put32(out, option);
  put32(out, type);
  put32(out, static_cast<std::uint32_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
}

void reply_text(std::vector<std::byte>& out, std::uint32_t option, std::uint32_t type, std::string_view text) {
  reply(out, option, type, std::as_bytes(std::span(text.data(), text.size())));
}

void append(std::vector<std::byte>& out, std::string_view text) {
  const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A reader of option data that remembers whether it ran past the end.
struct Fields {
  std::span<const std::byte> data;
  bool bad = false;

  std::uint64_t number(std::size_t size) {
    if (data.size() < size) {
      bad = true;
      return 0;
    }
    const std::uint64_t v = load_be(data, size);
    data = data.subspan(size);
    return v;
  }
  std::string string(std::uint64_t size) {
    if (size > kMaxString || data.size() < size) {
      bad = true;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(data.data()), size);
    data = data.subspan(size);
    return s;
  }
  // A string after its 32-bit length.
  std::string string32() { return string(number(4)); }
  bool complete() const noexcept { return !bad && data.empty(); }
};

}  // namespace

Handshake::Handshake(const ExportCatalog& catalog, bool tls_available)
    : catalog_(catalog), tls_available_(tls_available) {}

std::vector<std::byte> Handshake::greeting() {
  std::vector<std::byte> out;
  put64(out, NBDMAGIC);
  put64(out, IHAVEOPT);
  put16(out, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
  return out;
}

std::uint16_t Handshake::transmission_flags() const noexcept {
  std::uint16_t flags = chosen_ ? chosen_->flags : 0;
  flags |= NBD_FLAG_HAS_FLAGS;
  if (structured_) flags |= NBD_FLAG_SEND_DF;
  return flags;
}

Handshake::Status Handshake::fail(std::string why) {
  error_ = std::move(why);
  stage_ = Stage::done;
  return Status::error;
}

Handshake::Result Handshake::put(std::span<const std::byte> in, std::vector<std::byte>& out) {
  Result r;
  auto take = [&](std::size_t want) {  // fills buffer_ up to `want` bytes; true when full
    const std::size_t n = std::min(want - buffer_.size(), in.size() - r.consumed);
    buffer_.insert(buffer_.end(), in.begin() + static_cast<std::ptrdiff_t>(r.consumed),
                   in.begin() + static_cast<std::ptrdiff_t>(r.consumed + n));
    r.consumed += n;
    return buffer_.size() == want;
  };
  while (stage_ != Stage::done) {
    switch (stage_) {
      case Stage::client_flags: {
        if (!take(4)) return r;
        const std::uint32_t flags = load32(buffer_);
        buffer_.clear();
        if (flags & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
          r.status = fail("the client set unknown handshake flags");
          return r;
        }
        // Only fixed newstyle is served; a client without the bit gets the same replies.
        no_zeroes_ = (flags & NBD_FLAG_C_NO_ZEROES) != 0;
        stage_ = Stage::option_header;
        break;
      }
      case Stage::option_header: {
        if (!take(kOptionHeader)) return r;
        const std::uint64_t magic = load64(buffer_);
        option_ = load32(std::span(buffer_).subspan(8));
        option_length_ = load32(std::span(buffer_).subspan(12));
        buffer_.clear();
        if (magic != IHAVEOPT) {
          r.status = fail("an option without the IHAVEOPT magic");
          return r;
        }
        if (option_length_ > kMaxOptionData) {
          // EXPORT_NAME cannot be answered with an error: its name is too long to exist.
          if (option_ == NBD_OPT_EXPORT_NAME) {
            r.status = fail("NBD_OPT_EXPORT_NAME with a name longer than any export's");
            return r;
          }
          skip_left_ = option_length_;
          stage_ = Stage::skipping;
        } else {
          stage_ = Stage::option_data;
        }
        break;
      }
      case Stage::skipping: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_left_, in.size() - r.consumed));
        r.consumed += n;
        skip_left_ -= n;
        if (skip_left_ != 0) return r;
        reply_text(out, option_, NBD_REP_ERR_TOO_BIG, "option data too large");
        stage_ = Stage::option_header;
        break;
      }
      case Stage::option_data: {
        if (!take(option_length_)) return r;
        const std::vector<std::byte> data = std::move(buffer_);
        buffer_.clear();
        stage_ = Stage::option_header;
        const Status s = option(option_, data, out);
        if (s != Status::need_more) {
          // After STARTTLS the negotiation goes on (over TLS); everything else ends it.
          if (s != Status::start_tls) stage_ = Stage::done;
          r.status = s;
          return r;
        }
        break;
      }
      case Stage::done:
        break;
    }
  }
  r.status = Status::error;
  return r;
}

Handshake::Status Handshake::option(std::uint32_t code, std::span<const std::byte> data, std::vector<std::byte>& out) {
  // FORCEDTLS: nothing but STARTTLS and ABORT before TLS is up.
  if (tls_available_ && !tls_ && code != NBD_OPT_STARTTLS && code != NBD_OPT_ABORT) {
    if (code == NBD_OPT_EXPORT_NAME) return fail("NBD_OPT_EXPORT_NAME before TLS on a server that requires TLS");
    reply_text(out, code, NBD_REP_ERR_TLS_REQD, "this server requires TLS (NBD_OPT_STARTTLS)");
    return Status::need_more;
  }
  switch (code) {
    case NBD_OPT_EXPORT_NAME: {
      const std::string name(reinterpret_cast<const char*>(data.data()), data.size());
      auto e = catalog_.find(name);
      if (!e) return fail("NBD_OPT_EXPORT_NAME of an unknown export \"" + name + "\"");
      chosen_ = std::move(e);
      if (meta_export_ != chosen_->name) base_allocation_ = false;
      put64(out, chosen_->size);
      put16(out, transmission_flags());
      if (!no_zeroes_) out.resize(out.size() + 124);
      return Status::transmission;
    }
    case NBD_OPT_ABORT:
      reply(out, code, NBD_REP_ACK);
      return Status::closed;
    case NBD_OPT_LIST: {
      if (!data.empty()) {
        reply_text(out, code, NBD_REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
        return Status::need_more;
      }
      for (const ExportDescription& e : catalog_.list()) {
        std::vector<std::byte> d;
        put32(d, static_cast<std::uint32_t>(e.name.size()));
        append(d, e.name);
        append(d, e.description);
        reply(out, code, NBD_REP_SERVER, d);
      }
      reply(out, code, NBD_REP_ACK);
      return Status::need_more;
    }
    case NBD_OPT_STARTTLS:
      if (!data.empty()) {
        reply_text(out, code, NBD_REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
      } else if (!tls_available_) {
        reply_text(out, code, NBD_REP_ERR_UNSUP, "this server has no TLS configured");
      } else if (tls_) {
        reply_text(out, code, NBD_REP_ERR_INVALID, "TLS is already running");
      } else {
        reply(out, code, NBD_REP_ACK);
        return Status::start_tls;
      }
      return Status::need_more;
    case NBD_OPT_INFO:
    case NBD_OPT_GO:
      return info_or_go(code, data, out);
    case NBD_OPT_STRUCTURED_REPLY:
      if (!data.empty()) {
        reply_text(out, code, NBD_REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
      } else if (structured_) {
        reply_text(out, code, NBD_REP_ERR_INVALID, "structured replies are already negotiated");
      } else {
        structured_ = true;
        reply(out, code, NBD_REP_ACK);
      }
      return Status::need_more;
    case NBD_OPT_LIST_META_CONTEXT:
    case NBD_OPT_SET_META_CONTEXT:
      return meta_context(code, data, out);
    default:
      reply_text(out, code, NBD_REP_ERR_UNSUP, "unknown option");
      return Status::need_more;
  }
}

// NBD_OPT_INFO / NBD_OPT_GO data: name length (32), name, number of requests (16), the
// requested NBD_INFO_* types (16 each).
Handshake::Status Handshake::info_or_go(std::uint32_t code, std::span<const std::byte> data,
                                        std::vector<std::byte>& out) {
  Fields f{data};
  const std::string name = f.string32();
  const std::uint64_t count = f.number(2);
  std::vector<std::uint16_t> requests;
  for (std::uint64_t i = 0; i < count && !f.bad; ++i) requests.push_back(static_cast<std::uint16_t>(f.number(2)));
  if (!f.complete()) {
    reply_text(out, code, NBD_REP_ERR_INVALID, "malformed NBD_OPT_INFO / NBD_OPT_GO data");
    return Status::need_more;
  }
  auto e = catalog_.find(name);
  if (!e) {
    reply_text(out, code, NBD_REP_ERR_UNKNOWN, "no export named \"" + name + "\"");
    return Status::need_more;
  }
  auto wanted = [&](std::uint16_t type) { return std::find(requests.begin(), requests.end(), type) != requests.end(); };
  const std::optional<ExportDescription> before = std::exchange(chosen_, std::move(e));
  const ExportDescription& x = *chosen_;
  std::vector<std::byte> d;
  put16(d, NBD_INFO_EXPORT);
  put64(d, x.size);
  put16(d, transmission_flags());
  reply(out, code, NBD_REP_INFO, d);
  if (wanted(NBD_INFO_NAME)) {
    d.clear();
    put16(d, NBD_INFO_NAME);
    append(d, x.name);
    reply(out, code, NBD_REP_INFO, d);
  }
  if (wanted(NBD_INFO_DESCRIPTION) && !x.description.empty()) {
    d.clear();
    put16(d, NBD_INFO_DESCRIPTION);
    append(d, x.description);
    reply(out, code, NBD_REP_INFO, d);
  }
  // Sent whether asked for or not: the device cannot take requests below its logical block.
  d.clear();
  put16(d, NBD_INFO_BLOCK_SIZE);
  put32(d, x.minimum_block);
  put32(d, x.preferred_block);
  put32(d, x.maximum_block);
  reply(out, code, NBD_REP_INFO, d);
  reply(out, code, NBD_REP_ACK);
  if (code == NBD_OPT_INFO) {
    chosen_ = before;
    return Status::need_more;
  }
  // Contexts chosen for another export do not carry over (doc/proto.md, SET_META_CONTEXT).
  if (meta_export_ != x.name) base_allocation_ = false;
  return Status::transmission;
}

// NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT data: export name length (32),
// name, number of queries (32), then each query's length (32) and text.
Handshake::Status Handshake::meta_context(std::uint32_t code, std::span<const std::byte> data,
                                          std::vector<std::byte>& out) {
  if (!structured_) {
    reply_text(out, code, NBD_REP_ERR_INVALID, "metadata contexts need structured replies first");
    return Status::need_more;
  }
  Fields f{data};
  const std::string name = f.string32();
  const std::uint64_t count = f.number(4);
  std::vector<std::string> queries;
  for (std::uint64_t i = 0; i < count && !f.bad; ++i) queries.push_back(f.string32());
  if (!f.complete()) {
    reply_text(out, code, NBD_REP_ERR_INVALID, "malformed metadata context query");
    return Status::need_more;
  }
  if (!catalog_.find(name)) {
    reply_text(out, code, NBD_REP_ERR_UNKNOWN, "no export named \"" + name + "\"");
    return Status::need_more;
  }
  bool selected = false;
  if (code == NBD_OPT_LIST_META_CONTEXT) {
    // No query lists everything; "base:" lists every context of that namespace.
    selected = queries.empty() || std::any_of(queries.begin(), queries.end(), [](const std::string& q) {
                 return q == "base:" || q == kBaseAllocation;
               });
  } else {
    selected = std::find(queries.begin(), queries.end(), kBaseAllocation) != queries.end();
    base_allocation_ = selected;
    meta_export_ = name;
  }
  if (selected) {
    std::vector<std::byte> d;
    put32(d, code == NBD_OPT_SET_META_CONTEXT ? kBaseAllocationId : 0);
    append(d, kBaseAllocation);
    reply(out, code, NBD_REP_META_CONTEXT, d);
  }
  reply(out, code, NBD_REP_ACK);
  return Status::need_more;
}

}  // namespace uiscsi::initiator::nbd
