// The transmission phase on the wire (doc/proto.md "Transmission"): the 28-byte request
// header, and the simple and structured replies. No I/O; server.cpp reads and writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace uiscsi::initiator::nbd {

// C: magic (32), command flags (16), type (16), handle (64), offset (64), length (32).
struct Request {
  std::uint16_t flags = 0;
  std::uint16_t type = 0;
  std::uint64_t handle = 0;  // the client's "cookie", echoed in every reply
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
};

// nullopt when the magic is wrong (the stream cannot be trusted any more).
std::optional<Request> parse_request(std::span<const std::byte> header);  // kRequestSize bytes
std::vector<std::byte> encode_request(const Request& request);             // for tests

// S: magic, error, handle. A READ's data follows it.
void simple_reply(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t error);
// S: magic, flags, type, handle, payload length; the payload follows.
void structured_header(std::vector<std::byte>& out, std::uint16_t flags, std::uint16_t type, std::uint64_t handle,
                       std::uint32_t length);
// NBD_REPLY_TYPE_ERROR with DONE: error, message length (16), message.
void structured_error(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t error,
                      std::string_view message);

// One base:allocation extent.
struct Extent {
  std::uint32_t length = 0;
  std::uint32_t flags = 0;  // NBD_STATE_*
};
// NBD_REPLY_TYPE_BLOCK_STATUS with DONE: context id, then (length, flags) per extent.
void block_status_reply(std::vector<std::byte>& out, std::uint64_t handle, std::uint32_t context_id,
                        std::span<const Extent> extents);

}  // namespace uiscsi::initiator::nbd
