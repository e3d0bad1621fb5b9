// Portal addresses as people write them, on the command line (`--listen`) and in the
// configuration file: "ADDR:PORT", "[V6ADDR]:PORT", or "ADDR" / "[V6ADDR]" / "V6ADDR" alone
// for the iSCSI well-known port 3260 (RFC 7143 13.19's TargetAddress form, minus the name
// resolution: addresses are numeric so that what the daemon binds is exactly what was
// written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "target/iscsi/config.h"

namespace uiscsi::target::config {

inline constexpr std::uint16_t kIscsiPort = 3260;  // IANA well-known port for iSCSI

// The portal `text` names, with offload policy `auto`; nullopt with `error` set (a sentence
// naming what is wrong) otherwise. Port 0 is allowed: the kernel picks a free port.
std::optional<iscsit::Portal> parse_portal(std::string_view text, std::string& error);

// "127.0.0.1:3260" or "[::1]:3260": the form parse_portal() reads back.
std::string format_portal(const iscsit::Portal& portal);

}  // namespace uiscsi::target::config
