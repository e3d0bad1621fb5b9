// Which data path a connection asks for and which one it really uses.
//
// Path names a data path (see ARCHITECTURE.md): `tcp`, `placement`, `smc`, `iser`.
// Policy is what configuration asks for: one path by name, or `auto` for the best one this
// host and build can really use. PathInfo is what a connection reports: the request, the
// path in use and, when they differ, why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::offload {

enum class Path : std::uint8_t { tcp, placement, smc, iser };

enum class Policy : std::uint8_t { auto_, tcp, placement, smc, iser };

struct PathInfo {
  Policy requested = Policy::tcp;
  Path in_use = Path::tcp;
  // Empty when the requested path is in use. Otherwise one clause per path passed over,
  // "name: reason", joined by "; " (e.g. "placement: not built; smc: not built"), or
  // "switched to tcp: REASON" after Transport::switch_to_tcp(). For smc it also says why
  // the kernel fell back to TCP inside the AF_SMC socket, e.g. "smc: kernel fell back to
  // TCP: no SMC device found (0x03030000)".
  std::string fallback_reason;
  // How a path that has several ways of carrying the connection carries this one; empty
  // for the others. smc: the kernel's mode as SMC_DIAG reports it, "SMC-R", "SMC-D" or
  // "TCP" (fell back), or "unknown" when SMC_DIAG could not say (fallback_reason says why).
  // placement: how large payloads are sent, kZeroCopyMode or "sendmsg: WHY" (kNoZeroCopy*).
  std::string mode = {};
};

// PathInfo::mode of a placement connection.
inline constexpr std::string_view kZeroCopyMode = "MSG_ZEROCOPY";
inline constexpr std::string_view kNoZeroCopyRefused = "sendmsg: the socket refused SO_ZEROCOPY";
inline constexpr std::string_view kNoZeroCopyCopied =
    "sendmsg: zerocopy off, the kernel copied MSG_ZEROCOPY sends (loopback, or no scatter-gather)";

std::string_view name(Path path) noexcept;
std::string_view name(Policy policy) noexcept;  // "auto" for Policy::auto_
std::optional<Path> path_from_name(std::string_view name) noexcept;
// Accepts the path names and "auto"; case-sensitive, like the config file keys.
std::optional<Policy> policy_from_name(std::string_view name) noexcept;
// The path an explicit policy names; nullopt for Policy::auto_.
std::optional<Path> explicit_path(Policy policy) noexcept;

}  // namespace uiscsi::offload
