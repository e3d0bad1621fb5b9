// NBD transmission-phase encoding (initiator/nbd/transmission.h).
#include "initiator/nbd/transmission.h"

#include "initiator/nbd/protocol.h"

namespace uiscsi::initiator::nbd {

std::optional<Request> parse_request(std::span<const std::byte> h) {
  if (h.size() < kRequestSize || load32(h) != NBD_REQUEST_MAGIC) return std::nullopt;
  Request r;
  r.flags = load16(h.subspan(4));
  r.type = load16(h.subspan(6));
  r.handle = load64(h.subspan(8));
  r.offset = load64(h.subspan(16));
  r.length = load32(h.subspan(24));
  return r;
}

std::vector<std::byte> encode_request(const Request& r) {
  std::vector<std::byte> out;
  put32(out, NBD_REQUEST_MAGIC);
  put16(out, r.flags);
  put16(out, r.type);
  put64(out, r.handle);
  put64(out, r.offset);
  put32(out, r.length);
  return out;
}

void simple_reply(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t error) {
  put32(out, NBD_SIMPLE_REPLY_MAGIC);
  put32(out, error);
  put64(out, handle);
}

void structured_header(std::vector<std::byte>& out, std::uint16_t flags, std::uint16_t type, std::uint64_t handle,
                       std::uint32_t length) {
  put32(out, NBD_STRUCTURED_REPLY_MAGIC);
  put16(out, flags);
  put16(out, type);
  put64(out, handle);
  put32(out, length);
}

void structured_error(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t error,
                      std::string_view message) {
  if (message.size() > kMaxString) message = message.substr(0, kMaxString);
  structured_header(out, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR, handle,
                    static_cast<std::uint32_t>(6 + message.size()));
  put32(out, error);
  put16(out, static_cast<std::uint16_t>(message.size()));
  const auto bytes = std::as_bytes(std::span(message.data(), message.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void block_status_reply(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t context_id,
                        std::span<const Extent> extents) {
  structured_header(out, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, handle,
                    static_cast<std::uint32_t>(4 + 8 * extents.size()));
  put32(out, context_id);
  for (const Extent& e : extents) {
    put32(out, e.length);
    put32(out, e.flags);
  }
}

}  // namespace uiscsi::initiator::nbd
