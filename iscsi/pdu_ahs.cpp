#include "iscsi/pdu_ahs.h"

#include "iscsi/bhs.h"
#include "iscsi/detail/byte_order.h"
#include "iscsi/pdu_error.h"

namespace uiscsi::iscsi {
namespace {

// AHSLength (2) and AHSType (1) precede the AHS-specific bytes.
constexpr std::size_t kAhsPrefix = 3;

void append_prefix(std::vector<std::byte>& out, std::uint16_t ahs_length, AhsType type) {
  out.push_back(std::byte(ahs_length >> 8));
  out.push_back(std::byte(ahs_length & 0xff));
  out.push_back(std::byte{static_cast<std::uint8_t>(type)});
}

}  // namespace

std::error_code next_ahs(std::span<const std::byte>& rest, AhsSegment& out) noexcept {
  if (rest.size() < kAhsPrefix) return pdu_errc::bad_ahs;
  const std::size_t length = detail::load_be16(rest.data());
  const std::size_t unpadded = kAhsPrefix + length;
  const std::size_t padded = unpadded + padding_length(unpadded);
  if (padded > rest.size()) return pdu_errc::bad_ahs;
  out.type = detail::load_u8(rest.data() + 2);
  out.specific = rest.subspan(kAhsPrefix, length);
  rest = rest.subspan(padded);
  return {};
}

std::error_code validate_ahs(std::span<const std::byte> ahs) noexcept {
  if (ahs.size() % 4 != 0 || ahs.size() > kMaxAhsLength) return pdu_errc::bad_ahs;
  AhsSegment segment;
  while (!ahs.empty()) {
    if (auto ec = next_ahs(ahs, segment)) return ec;
  }
  return {};
}

void append_extended_cdb_ahs(std::vector<std::byte>& out, std::span<const std::byte> extended_cdb) {
  // AHSLength counts the reserved byte plus the extended CDB bytes: CDB length - 15.
  const std::size_t length = 1 + extended_cdb.size();
  append_prefix(out, static_cast<std::uint16_t>(length), AhsType::extended_cdb);
  out.push_back(std::byte{0});  // reserved
  out.insert(out.end(), extended_cdb.begin(), extended_cdb.end());
  out.resize(out.size() + padding_length(kAhsPrefix + length), std::byte{0});
}

void append_bidirectional_read_data_length_ahs(std::vector<std::byte>& out,
                                               std::uint32_t expected_read_length) {
  append_prefix(out, 5, AhsType::bidirectional_read_data_length);
  out.push_back(std::byte{0});  // reserved
  const std::size_t at = out.size();
  out.resize(at + 4);
  detail::store_be32(out.data() + at, expected_read_length);
}

}  // namespace uiscsi::iscsi
