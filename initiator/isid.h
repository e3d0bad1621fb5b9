// The Initiator Session ID (RFC 7143 11.12.5, 10.1.1 of RFC 3721): 6 bytes that, with the
// initiator name, name the session on the target side (the I_T nexus). Session
// reinstatement reuses the ISID of the failed session (RFC 7143 6.3.5).
//
// Layout: T|A (1 byte: T = the 2-bit format), B (2), C (1), D (2). The formats are 00b OUI,
// 01b IANA enterprise number, 10b Random, 11b reserved. OUI and EN need a registered number,
// which we do not have, so we generate "Random": first byte 0x80 (T = 10b, A = 0), B and C
// random, D a qualifier. A configured ISID of any format is used as given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "iscsi/pdu_login.h"

namespace uiscsi::initiator {

// T = 10b "Random" (RFC 7143 11.12.5): B and C from a random source, D = `qualifier`. Two
// sessions of one initiator to one target must have different ISIDs; the random part makes
// a clash between independent processes unlikely, the qualifier lets one process count.
iscsi::Isid make_random_isid(std::uint16_t qualifier = 0);

// "80a1b2c30001": twelve lower-case hex digits in wire order, as iscsiadm shows an ISID.
std::string format_isid(const iscsi::Isid& isid);
// The reverse; nullopt unless exactly twelve hex digits.
std::optional<iscsi::Isid> parse_isid(std::string_view text);

}  // namespace uiscsi::initiator
