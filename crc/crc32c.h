// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the iSCSI header and
// data digest of RFC 7143 §11.1 / RFC 3720 Appendix B.4.
//
// Three engines compute the same function: portable slicing-by-8, the SSE4.2 `crc32`
// instruction (3-way interleaved with a carry-less-multiply combine), and ISA-L's
// `crc32_iscsi`. The default entry points dispatch once, through CPUID, to the fastest
// engine this CPU has; every engine can also be called by name.
//
// Values are *finished* CRCs (pre- and post-inverted), and they chain like zlib's crc32:
//   crc32c(b, crc32c(a)) == crc32c(a ++ b),   crc32c({}) == 0.
// An iovec list is the concatenation of its entries (empty entries are fine).
//
// Ownership: every function only reads the caller's bytes during the call and keeps no
// reference to them. Any alignment and any length are accepted. The free functions are
// thread-safe; a Crc32c object is a plain value (one user at a time).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace uiscsi::crc {

enum class Engine { slice8, sse42, isal };

// Whether this CPU and build can run `engine`.
bool available(Engine engine) noexcept;
// The engine the default entry points use: the fastest available one.
Engine best_engine() noexcept;
std::string_view name(Engine engine) noexcept;
std::optional<Engine> engine_from_name(std::string_view name) noexcept;

// Default engine.
std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t prev = 0) noexcept;
std::uint32_t crc32c(std::span<const iovec> data, std::uint32_t prev = 0) noexcept;

// Named engine. Precondition: available(engine).
std::uint32_t crc32c(Engine engine, std::span<const std::byte> data,
                     std::uint32_t prev = 0) noexcept;
std::uint32_t crc32c(Engine engine, std::span<const iovec> data,
                     std::uint32_t prev = 0) noexcept;

// Incremental form, for data that arrives in pieces (a data segment read in chunks).
class Crc32c {
 public:
  Crc32c() = default;
  void update(std::span<const std::byte> data) noexcept { value_ = crc32c(data, value_); }
  std::uint32_t value() const noexcept { return value_; }
  void reset() noexcept { value_ = 0; }

 private:
  std::uint32_t value_ = 0;
};

}  // namespace uiscsi::crc
