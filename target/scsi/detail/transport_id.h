// iSCSI initiator port names and their TransportID form (SPC-4 7.6.4.6), as persistent
// reservations identify initiators (READ FULL STATUS, SPEC_I_PT, REGISTER AND MOVE).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uiscsi::target::scsi::detail {

struct InitiatorPort {
  std::string name;  // iSCSI name of the initiator
  // ISID as 12 lowercase hex digits; empty means "every port of that initiator"
  // (TransportID format 00b).
  std::string isid;

  friend bool operator==(const InitiatorPort&, const InitiatorPort&) = default;
  // Does this (possibly ISID-less) identity cover `port`?
  bool covers(const InitiatorPort& port) const noexcept { return name == port.name && (isid.empty() || isid == port.isid); }
};

// Splits "<name>,i,0x<isid>" (RFC 7143 13.5.1 / SPC-4 7.6.4.6). A string without the
// ",i,0x" separator is taken as a bare name.
InitiatorPort parse_initiator_port(std::string_view port);

// TransportID with protocol identifier 5h (iSCSI): format 01b (name,i,0xISID) when isid is
// set, else format 00b (name only). NUL-terminated and padded to a multiple of 4 bytes.
std::vector<std::byte> encode_transport_id(const InitiatorPort& port);

// Decodes one TransportID at the start of `data`. Returns its length in bytes, or 0 if it
// is not a well-formed iSCSI TransportID (wrong protocol or format, bad length, missing NUL
// terminator, bad ISID).
std::size_t decode_transport_id(std::span<const std::byte> data, InitiatorPort& out);

}  // namespace uiscsi::target::scsi::detail
