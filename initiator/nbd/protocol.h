// Wire constants of the NBD protocol (doc/proto.md of the NBD reference implementation),
// named as the specification names them, and the big-endian ("network byte order") field
// helpers the handshake and the transmission phase share. No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace uiscsi::initiator::nbd {

// Handshake.
inline constexpr std::uint64_t NBDMAGIC = 0x4e42444d41474943ull;  // "NBDMAGIC"
inline constexpr std::uint64_t IHAVEOPT = 0x49484156454f5054ull;  // "IHAVEOPT"
inline constexpr std::uint64_t NBD_REP_MAGIC = 0x3e889045565a9ull;

inline constexpr std::uint16_t NBD_FLAG_FIXED_NEWSTYLE = 1u << 0;
inline constexpr std::uint16_t NBD_FLAG_NO_ZEROES = 1u << 1;
inline constexpr std::uint32_t NBD_FLAG_C_FIXED_NEWSTYLE = 1u << 0;
inline constexpr std::uint32_t NBD_FLAG_C_NO_ZEROES = 1u << 1;

// Transmission flags.
inline constexpr std::uint16_t NBD_FLAG_HAS_FLAGS = 1u << 0;
inline constexpr std::uint16_t NBD_FLAG_READ_ONLY = 1u << 1;
inline constexpr std::uint16_t NBD_FLAG_SEND_FLUSH = 1u << 2;
inline constexpr std::uint16_t NBD_FLAG_SEND_FUA = 1u << 3;
inline constexpr std::uint16_t NBD_FLAG_ROTATIONAL = 1u << 4;
inline constexpr std::uint16_t NBD_FLAG_SEND_TRIM = 1u << 5;
inline constexpr std::uint16_t NBD_FLAG_SEND_WRITE_ZEROES = 1u << 6;
inline constexpr std::uint16_t NBD_FLAG_SEND_DF = 1u << 7;
inline constexpr std::uint16_t NBD_FLAG_CAN_MULTI_CONN = 1u << 8;
inline constexpr std::uint16_t NBD_FLAG_SEND_FAST_ZERO = 1u << 11;

// Options.
inline constexpr std::uint32_t NBD_OPT_EXPORT_NAME = 1;
inline constexpr std::uint32_t NBD_OPT_ABORT = 2;
inline constexpr std::uint32_t NBD_OPT_LIST = 3;
inline constexpr std::uint32_t NBD_OPT_STARTTLS = 5;
inline constexpr std::uint32_t NBD_OPT_INFO = 6;
inline constexpr std::uint32_t NBD_OPT_GO = 7;
inline constexpr std::uint32_t NBD_OPT_STRUCTURED_REPLY = 8;
inline constexpr std::uint32_t NBD_OPT_LIST_META_CONTEXT = 9;
inline constexpr std::uint32_t NBD_OPT_SET_META_CONTEXT = 10;

// Option replies; errors have bit 31 set.
inline constexpr std::uint32_t NBD_REP_ACK = 1;
inline constexpr std::uint32_t NBD_REP_SERVER = 2;
inline constexpr std::uint32_t NBD_REP_INFO = 3;
inline constexpr std::uint32_t NBD_REP_META_CONTEXT = 4;
inline constexpr std::uint32_t NBD_REP_ERR_UNSUP = 0x80000001u;
inline constexpr std::uint32_t NBD_REP_ERR_POLICY = 0x80000002u;
inline constexpr std::uint32_t NBD_REP_ERR_INVALID = 0x80000003u;
inline constexpr std::uint32_t NBD_REP_ERR_TLS_REQD = 0x80000005u;
inline constexpr std::uint32_t NBD_REP_ERR_UNKNOWN = 0x80000006u;
inline constexpr std::uint32_t NBD_REP_ERR_SHUTDOWN = 0x80000007u;
inline constexpr std::uint32_t NBD_REP_ERR_TOO_BIG = 0x80000009u;

inline constexpr std::uint16_t NBD_INFO_EXPORT = 0;
inline constexpr std::uint16_t NBD_INFO_NAME = 1;
inline constexpr std::uint16_t NBD_INFO_DESCRIPTION = 2;
inline constexpr std::uint16_t NBD_INFO_BLOCK_SIZE = 3;

// Transmission.
inline constexpr std::uint32_t NBD_REQUEST_MAGIC = 0x25609513u;
inline constexpr std::uint32_t NBD_SIMPLE_REPLY_MAGIC = 0x67446698u;
inline constexpr std::uint32_t NBD_STRUCTURED_REPLY_MAGIC = 0x668e33efu;
inline constexpr std::size_t kRequestSize = 28;
inline constexpr std::size_t kSimpleReplySize = 16;
inline constexpr std::size_t kStructuredReplySize = 20;

inline constexpr std::uint16_t NBD_CMD_READ = 0;
inline constexpr std::uint16_t NBD_CMD_WRITE = 1;
inline constexpr std::uint16_t NBD_CMD_DISC = 2;
inline constexpr std::uint16_t NBD_CMD_FLUSH = 3;
inline constexpr std::uint16_t NBD_CMD_TRIM = 4;
inline constexpr std::uint16_t NBD_CMD_WRITE_ZEROES = 6;
inline constexpr std::uint16_t NBD_CMD_BLOCK_STATUS = 7;

inline constexpr std::uint16_t NBD_CMD_FLAG_FUA = 1u << 0;
inline constexpr std::uint16_t NBD_CMD_FLAG_NO_HOLE = 1u << 1;
inline constexpr std::uint16_t NBD_CMD_FLAG_DF = 1u << 2;
inline constexpr std::uint16_t NBD_CMD_FLAG_REQ_ONE = 1u << 3;
inline constexpr std::uint16_t NBD_CMD_FLAG_FAST_ZERO = 1u << 4;

inline constexpr std::uint16_t NBD_REPLY_FLAG_DONE = 1u << 0;
inline constexpr std::uint16_t NBD_REPLY_TYPE_NONE = 0;
inline constexpr std::uint16_t NBD_REPLY_TYPE_OFFSET_DATA = 1;
inline constexpr std::uint16_t NBD_REPLY_TYPE_BLOCK_STATUS = 5;
inline constexpr std::uint16_t NBD_REPLY_TYPE_ERROR = 0x8001;

// base:allocation (the only metadata context this server offers).
inline constexpr std::uint32_t NBD_STATE_HOLE = 1u << 0;
inline constexpr std::uint32_t NBD_STATE_ZERO = 1u << 1;
inline constexpr char kBaseAllocation[] = "base:allocation";
inline constexpr std::uint32_t kBaseAllocationId = 1;

// NBD error values (the spec fixes them; they equal Linux's errno numbers).
inline constexpr std::uint32_t NBD_EPERM = 1;
inline constexpr std::uint32_t NBD_EIO = 5;
inline constexpr std::uint32_t NBD_ENOMEM = 12;
inline constexpr std::uint32_t NBD_EINVAL = 22;
inline constexpr std::uint32_t NBD_ENOSPC = 28;
inline constexpr std::uint32_t NBD_EOVERFLOW = 75;
inline constexpr std::uint32_t NBD_ENOTSUP = 95;
inline constexpr std::uint32_t NBD_ESHUTDOWN = 108;

// "MUST be no longer than 4096 bytes" (strings: export names, queries, messages).
inline constexpr std::size_t kMaxString = 4096;

// Big-endian fields.
inline std::uint64_t load_be(std::span<const std::byte> in, std::size_t size) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}
inline std::uint16_t load16(std::span<const std::byte> in) noexcept { return static_cast<std::uint16_t>(load_be(in, 2)); }
inline std::uint32_t load32(std::span<const std::byte> in) noexcept { return static_cast<std::uint32_t>(load_be(in, 4)); }
inline std::uint64_t load64(std::span<const std::byte> in) noexcept { return load_be(in, 8); }

inline void put_be(std::vector<std::byte>& out, std::uint64_t v, std::size_t size) {
  for (std::size_t i = size; i-- > 0;) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
inline void put16(std::vector<std::byte>& out, std::uint16_t v) { put_be(out, v, 2); }
inline void put32(std::vector<std::byte>& out, std::uint32_t v) { put_be(out, v, 4); }
inline void put64(std::vector<std::byte>& out, std::uint64_t v) { put_be(out, v, 8); }

}  // namespace uiscsi::initiator::nbd
