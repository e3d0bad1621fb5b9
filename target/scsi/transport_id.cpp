#include "target/scsi/detail/transport_id.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "target/scsi/detail/bytes.h"

namespace uiscsi::target::scsi::detail {
namespace {

constexpr std::uint8_t kProtocolIscsi = 0x5;
constexpr std::uint8_t kFormatName = 0x00;      // format code 00b
constexpr std::uint8_t kFormatNameIsid = 0x40;  // format code 01b
constexpr std::string_view kSeparator = ",i,0x";
constexpr std::size_t kIsidDigits = 12;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_isid(std::string_view s) {
  return s.size() == kIsidDigits && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

InitiatorPort parse_initiator_port(std::string_view port) {
  // The separator is searched from the right: it cannot occur inside an iSCSI name
  // (RFC 3722 excludes ','), but being strict costs nothing.
  const auto pos = port.rfind(kSeparator);
  if (pos == std::string_view::npos) return {std::string(port), {}};
  return {std::string(port.substr(0, pos)), lower(port.substr(pos + kSeparator.size()))};
}

std::vector<std::byte> encode_transport_id(const InitiatorPort& port) {
  std::string text = port.name;
  if (!port.isid.empty()) text += std::string(kSeparator) + port.isid;
  // SPC-4 7.6.4.6: NUL-terminated, padded to a multiple of 4, ADDITIONAL LENGTH >= 20.
  std::size_t body = text.size() + 1;
  body = std::max<std::size_t>((body + 3) & ~std::size_t{3}, 20);
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>((port.isid.empty() ? kFormatName : kFormatNameIsid) | kProtocolIscsi)).u8(0);
  w.be16(static_cast<std::uint16_t>(body));
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  w.bytes({p, text.size()}).zeroes(body - text.size());
  return std::move(w.data());
}

std::size_t decode_transport_id(std::span<const std::byte> data, InitiatorPort& out) {
  if (data.size() < 4) return 0;
  const std::uint8_t b0 = get_u8(data, 0);
  if ((b0 & 0x0f) != kProtocolIscsi) return 0;
  const std::uint8_t format = b0 & 0xc0;
  if (format != kFormatName && format != kFormatNameIsid) return 0;
  const std::size_t body = get_be16(data, 2);
  if (body < 4 || body % 4 != 0 || data.size() < 4 + body) return 0;
  const auto* text = reinterpret_cast<const char*>(data.data() + 4);
  const std::size_t len = ::strnlen(text, body);
  if (len == 0 || len == body) return 0;  // empty, or no NUL terminator
  const std::string_view s(text, len);
  if (format == kFormatName) {
    if (s.find(kSeparator) != std::string_view::npos) return 0;
    out = {std::string(s), {}};
  } else {
    out = parse_initiator_port(s);
    if (out.name.empty() || !is_isid(out.isid)) return 0;
  }
  return 4 + body;
}

}  // namespace uiscsi::target::scsi::detail
