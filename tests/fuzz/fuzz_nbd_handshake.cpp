// libFuzzer target for the NBD handshake (initiator/nbd/handshake.h) and the request
// header parser (initiator/nbd/transmission.h), both free of I/O and Boost.
//
// Input: byte 0 sets the piece size the rest is fed in (1 + byte0 % 64 bytes at a time), the
// rest is what a client sends after the greeting. Bit 7 of byte 0 makes the server require
// TLS (a STARTTLS is then taken as a completed TLS handshake).
//
// Checked: no crash or sanitizer report; put() never claims more bytes than it was given;
// the server's output is always a sequence of well-formed option replies (magic, lengths
// that add up), except after the export was chosen with NBD_OPT_EXPORT_NAME, where the
// export's size and flags end it; once the handshake ended, nothing more is consumed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "initiator/nbd/handshake.h"
#include "initiator/nbd/protocol.h"
#include "initiator/nbd/transmission.h"

using namespace uiscsi::initiator::nbd;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

class Catalog final : public ExportCatalog {
 public:
  std::optional<ExportDescription> find(std::string_view name) const override {
    if (name != "" && name != "disk") return std::nullopt;
    ExportDescription e;
    e.name = "disk";
    e.size = 1u << 30;
    e.flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH;
    return e;
  }
  std::vector<ExportDescription> list() const override { return {*find("disk")}; }
};

// Walks the option replies in `out`; returns the bytes left over after them.
std::size_t option_replies(std::span<const std::byte> out) {
  while (out.size() >= 20 && load64(out) == NBD_REP_MAGIC) {
    const std::uint32_t n = load32(out.subspan(16));
    require(out.size() >= 20 + std::size_t{n});
    out = out.subspan(20 + n);
  }
  return out.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  Catalog catalog;
  const bool tls = (data[0] & 0x80) != 0;
  Handshake hs(catalog, tls);
  std::vector<std::byte> out;
  std::size_t at = 0;
  Handshake::Status status = Handshake::Status::need_more;
  while (at < in.size() && status == Handshake::Status::need_more) {
    const std::size_t n = std::min(piece, in.size() - at);
    const auto r = hs.put(in.subspan(at, n), out);
    require(r.consumed <= n);
    at += r.consumed;
    status = r.status;
    if (status == Handshake::Status::start_tls) {  // as if the TLS handshake succeeded
      require(tls);
      hs.tls_started();
      status = Handshake::Status::need_more;
      continue;
    }
    if (status == Handshake::Status::need_more) require(r.consumed == n);
  }
  const std::size_t rest = option_replies(out);
  if (status == Handshake::Status::transmission && rest != 0) {
    // NBD_OPT_EXPORT_NAME: size (64), flags (16) and maybe 124 zeroes end the output.
    require(rest == 10 || rest == 134);
  } else {
    require(rest == 0);
  }
  if (status != Handshake::Status::need_more) {
    std::vector<std::byte> more;
    require(hs.put(in.subspan(at), more).consumed == 0);
  }
  if (status == Handshake::Status::transmission) {
    require(hs.chosen().name == "disk");
    // What follows is transmission: parse it as request headers.
    for (std::size_t i = at; i + kRequestSize <= in.size(); i += kRequestSize) {
      const auto req = parse_request(in.subspan(i, kRequestSize));
      if (!req) break;
      require(encode_request(*req) == std::vector<std::byte>(in.begin() + static_cast<std::ptrdiff_t>(i),
                                                           in.begin() + static_cast<std::ptrdiff_t>(i + kRequestSize)));
    }
  }
  return 0;
}
