// Engine selection and the public entry points of crc/crc32c.h.
#include "crc/crc32c.h"

#include <array>
#include <utility>

#include "crc/detail/crc32c_engines.h"

namespace uiscsi::crc {
namespace {

using Update = std::uint32_t (*)(std::uint32_t, const std::byte*, std::size_t) noexcept;

// sse42_update needs both; Nehalem, the first SSE4.2 CPU, has no PCLMULQDQ.
bool cpu_has_sse42_pclmul() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
  }();
  return has;
}

Update update_of(Engine engine) noexcept {
  switch (engine) {
    case Engine::slice8: return detail::slice8_update;
    case Engine::sse42: return detail::sse42_update;
    case Engine::isal: return detail::isal_update;
  }
  return detail::slice8_update;
}

// Chosen on first use (thread-safe static initialisation), so every later call is a
// single indirect call.
Update best_update() noexcept {
  static const Update update = update_of(best_engine());
  return update;
}

// The public values are finished CRCs; the engines work on the raw register.
std::uint32_t run(Update update, std::span<const std::byte> data, std::uint32_t prev) noexcept {
  return ~update(~prev, data.data(), data.size());
}

std::uint32_t run(Update update, std::span<const iovec> data, std::uint32_t prev) noexcept {
  std::uint32_t reg = ~prev;
  for (const iovec& v : data) reg = update(reg, static_cast<const std::byte*>(v.iov_base), v.iov_len);
  return ~reg;
}

constexpr std::array<std::pair<Engine, std::string_view>, 3> kNames{{
    {Engine::slice8, "slice8"},
    {Engine::sse42, "sse42"},
    {Engine::isal, "isal"},
}};

}  // namespace

bool available(Engine engine) noexcept {
  switch (engine) {
    case Engine::slice8:
    case Engine::isal: return true;  // ISA-L has a portable fallback of its own
    case Engine::sse42: return cpu_has_sse42_pclmul();
  }
  return false;
}

Engine best_engine() noexcept {
  // ISA-L dispatches to its fastest kernel for this CPU (PCLMULQDQ or VPCLMULQDQ folding,
  // faster than our 3-way crc32). Without SSE4.2 its fallback is a byte-at-a-time table,
  // which slicing-by-8 beats.
  return cpu_has_sse42_pclmul() ? Engine::isal : Engine::slice8;
}

std::string_view name(Engine engine) noexcept {
  for (const auto& [e, n] : kNames)
    if (e == engine) return n;
  return "unknown";
}

std::optional<Engine> engine_from_name(std::string_view name) noexcept {
  for (const auto& [e, n] : kNames)
    if (n == name) return e;
  return std::nullopt;
}

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t prev) noexcept {
  return run(best_update(), data, prev);
}

std::uint32_t crc32c(std::span<const iovec> data, std::uint32_t prev) noexcept {
  return run(best_update(), data, prev);
}

std::uint32_t crc32c(Engine engine, std::span<const std::byte> data, std::uint32_t prev) noexcept {
  return run(update_of(engine), data, prev);
}

std::uint32_t crc32c(Engine engine, std::span<const iovec> data, std::uint32_t prev) noexcept {
  return run(update_of(engine), data, prev);
}

}  // namespace uiscsi::crc
