#include "iscsi/sense.h"

#include <algorithm>
#include <limits>

#include "iscsi/detail/byte_order.h"
#include "iscsi/scsi_data_error.h"
#include "iscsi/scsi_status.h"

namespace uiscsi::iscsi::scsi {
namespace {

using iscsi::detail::load_be16;
using iscsi::detail::load_be32;
using iscsi::detail::load_be64;
using iscsi::detail::load_u8;
using iscsi::detail::store_be16;
using iscsi::detail::store_be32;
using iscsi::detail::store_be64;
using iscsi::detail::store_u8;

// SPC-4 4.5.1 response codes.
constexpr std::uint8_t kFixedCurrent = 0x70;
constexpr std::uint8_t kFixedDeferred = 0x71;
constexpr std::uint8_t kDescriptorCurrent = 0x72;
constexpr std::uint8_t kDescriptorDeferred = 0x73;

// SPC-4 4.5.2 descriptor types (and SBC-3 4.18.2 for block commands).
constexpr std::uint8_t kInformationDescriptor = 0x00;
constexpr std::uint8_t kCommandSpecificDescriptor = 0x01;
constexpr std::uint8_t kSenseKeySpecificDescriptor = 0x02;
constexpr std::uint8_t kBlockCommandsDescriptor = 0x05;

constexpr std::uint8_t kIli = 0x20;
constexpr std::uint8_t kValid = 0x80;
constexpr std::uint8_t kSksv = 0x80;

constexpr bool fits32(std::uint64_t v) { return v <= std::numeric_limits<std::uint32_t>::max(); }

std::vector<std::byte> encode_fixed(const SenseData& s) {
  std::vector<std::byte> out(kFixedSenseLength);
  std::byte* p = out.data();
  const bool valid = s.information && fits32(*s.information);
  store_u8(p, static_cast<std::uint8_t>((valid ? kValid : 0) | (s.deferred ? kFixedDeferred : kFixedCurrent)));
  store_u8(p + 2, static_cast<std::uint8_t>((s.ili ? kIli : 0) | static_cast<std::uint8_t>(s.code.key)));
  if (valid) store_be32(p + 3, static_cast<std::uint32_t>(*s.information));
  store_u8(p + 7, kFixedSenseLength - 8);
  if (s.command_specific && fits32(*s.command_specific)) {
    store_be32(p + 8, static_cast<std::uint32_t>(*s.command_specific));
  }
  store_u8(p + 12, s.code.additional.asc);
  store_u8(p + 13, s.code.additional.ascq);
  if (s.sense_key_specific) {
    const SenseKeySpecific& sks = *s.sense_key_specific;
    store_u8(p + 15, static_cast<std::uint8_t>(sks[0] | kSksv));
    store_u8(p + 16, sks[1]);
    store_u8(p + 17, sks[2]);
  }
  return out;
}

// Information and command-specific descriptors share one 12-byte layout (SPC-4 4.5.2.2/3).
void append_u64_descriptor(std::vector<std::byte>& out, std::uint8_t type, std::uint64_t value) {
  const std::size_t at = out.size();
  out.resize(at + 12);
  std::byte* p = out.data() + at;
  store_u8(p, type);
  store_u8(p + 1, 0x0a);
  if (type == kInformationDescriptor) store_u8(p + 2, kValid);
  store_be64(p + 4, value);
}

std::vector<std::byte> encode_descriptor(const SenseData& s) {
  std::vector<std::byte> out(8);
  store_u8(out.data(), s.deferred ? kDescriptorDeferred : kDescriptorCurrent);
  store_u8(out.data() + 1, static_cast<std::uint8_t>(s.code.key));
  store_u8(out.data() + 2, s.code.additional.asc);
  store_u8(out.data() + 3, s.code.additional.ascq);
  if (s.information) append_u64_descriptor(out, kInformationDescriptor, *s.information);
  if (s.command_specific) append_u64_descriptor(out, kCommandSpecificDescriptor, *s.command_specific);
  if (s.sense_key_specific) {
    const std::size_t at = out.size();
    out.resize(at + 8);
    std::byte* p = out.data() + at;
    store_u8(p, kSenseKeySpecificDescriptor);
    store_u8(p + 1, 0x06);
    store_u8(p + 4, static_cast<std::uint8_t>((*s.sense_key_specific)[0] | kSksv));
    store_u8(p + 5, (*s.sense_key_specific)[1]);
    store_u8(p + 6, (*s.sense_key_specific)[2]);
  }
  if (s.ili) {
    const std::size_t at = out.size();
    out.resize(at + 4);
    store_u8(out.data() + at, kBlockCommandsDescriptor);
    store_u8(out.data() + at + 1, 0x02);
    store_u8(out.data() + at + 3, kIli);
  }
  // At most 8 + 12 + 12 + 8 + 4 bytes: the additional length always fits its byte.
  store_u8(out.data() + 7, static_cast<std::uint8_t>(out.size() - 8));
  return out;
}

std::error_code parse_fixed(std::span<const std::byte> d, SenseData& out) {
  // The additional sense length may claim more than was transferred (allocation length).
  if (d.size() < 14) return data_errc::truncated;
  const std::size_t end = std::min(d.size(), 8 + std::size_t{load_u8(&d[7])});
  if (end < 14) return data_errc::bad_length;  // too short to hold ASC/ASCQ
  const std::byte* p = d.data();
  out.code.key = static_cast<SenseKey>(load_u8(p + 2) & 0x0f);
  out.ili = (load_u8(p + 2) & kIli) != 0;
  if (load_u8(p) & kValid) out.information = load_be32(p + 3);
  if (const std::uint32_t csi = load_be32(p + 8); csi != 0) out.command_specific = csi;
  out.code.additional = {load_u8(p + 12), load_u8(p + 13)};
  if (end >= 18 && (load_u8(p + 15) & kSksv)) {
    out.sense_key_specific = SenseKeySpecific{load_u8(p + 15), load_u8(p + 16), load_u8(p + 17)};
  }
  return {};
}

std::error_code parse_descriptor(std::span<const std::byte> d, SenseData& out) {
  if (d.size() < 8) return data_errc::truncated;
  const std::byte* p = d.data();
  out.code.key = static_cast<SenseKey>(load_u8(p + 1) & 0x0f);
  out.code.additional = {load_u8(p + 2), load_u8(p + 3)};
  const std::size_t end = std::min(d.size(), 8 + std::size_t{load_u8(p + 7)});
  std::size_t at = 8;
  while (at + 2 <= end) {
    const std::uint8_t type = load_u8(p + at);
    const std::size_t length = 2 + std::size_t{load_u8(p + at + 1)};
    if (at + length > end) break;  // cut by the allocation length: ignore it
    const std::byte* desc = p + at;
    switch (type) {
      case kInformationDescriptor:
      case kCommandSpecificDescriptor:
        if (length < 12) return data_errc::bad_length;
        if (type == kCommandSpecificDescriptor) {
          out.command_specific = load_be64(desc + 4);
        } else if (load_u8(desc + 2) & kValid) {
          out.information = load_be64(desc + 4);
        }
        break;
      case kSenseKeySpecificDescriptor:
        if (length < 8) return data_errc::bad_length;
        if (load_u8(desc + 4) & kSksv) {
          out.sense_key_specific = SenseKeySpecific{load_u8(desc + 4), load_u8(desc + 5), load_u8(desc + 6)};
        }
        break;
      case kBlockCommandsDescriptor:
        if (length < 4) return data_errc::bad_length;
        out.ili = (load_u8(desc + 3) & kIli) != 0;
        break;
      default:
        break;  // FRU, stream commands, vendor...: not ours to interpret
    }
    at += length;
  }
  return {};
}

}  // namespace

std::vector<std::byte> encode_sense(const SenseData& sense, SenseFormat format) {
  return format == SenseFormat::fixed ? encode_fixed(sense) : encode_descriptor(sense);
}

std::error_code parse_sense(std::span<const std::byte> data, SenseData& out, SenseFormat* format) {
  if (data.empty()) return data_errc::truncated;
  SenseData parsed;
  std::error_code ec;
  SenseFormat found;
  switch (load_u8(data.data()) & 0x7f) {
    case kFixedCurrent:
    case kFixedDeferred:
      found = SenseFormat::fixed;
      ec = parse_fixed(data, parsed);
      break;
    case kDescriptorCurrent:
    case kDescriptorDeferred:
      found = SenseFormat::descriptor;
      ec = parse_descriptor(data, parsed);
      break;
    default:
      return data_errc::unexpected_format;  // 7Fh vendor format or garbage
  }
  if (ec) return ec;
  const std::uint8_t code = load_u8(data.data()) & 0x7f;
  parsed.deferred = code == kFixedDeferred || code == kDescriptorDeferred;
  out = parsed;
  if (format) *format = found;
  return {};
}

std::vector<std::byte> encode_sense_segment(std::span<const std::byte> sense_bytes) {
  // Sense data is at most 252 bytes (SPC-4 4.5.1); longer input is cut there, as an
  // allocation length would cut it, which also keeps SenseLength within its 16 bits.
  const std::span<const std::byte> sense = sense_bytes.first(std::min(sense_bytes.size(), kMaxSenseLength));
  std::vector<std::byte> out(2 + sense.size());
  store_be16(out.data(), static_cast<std::uint16_t>(sense.size()));
  std::copy(sense.begin(), sense.end(), out.begin() + 2);
  return out;
}

std::vector<std::byte> encode_sense_segment(const SenseData& sense, SenseFormat format) {
  return encode_sense_segment(encode_sense(sense, format));
}

std::error_code split_sense_segment(std::span<const std::byte> segment, std::span<const std::byte>& sense,
                                    std::span<const std::byte>& response_data) {
  if (segment.empty()) {
    sense = {};
    response_data = {};
    return {};
  }
  if (segment.size() < 2) return data_errc::truncated;
  const std::size_t length = load_be16(segment.data());
  if (2 + length > segment.size()) return data_errc::truncated;
  sense = segment.subspan(2, length);
  response_data = segment.subspan(2 + length);
  return {};
}

std::error_code check_condition_error(std::span<const std::byte> segment) {
  std::span<const std::byte> sense, response_data;
  if (auto ec = split_sense_segment(segment, sense, response_data)) return ec;
  if (sense.empty()) return Status::check_condition;
  SenseData parsed;
  if (auto ec = parse_sense(sense, parsed)) return ec;
  const std::error_code ec = make_error_code(parsed.code);
  return ec ? ec : make_error_code(Status::check_condition);
}

}  // namespace uiscsi::iscsi::scsi
