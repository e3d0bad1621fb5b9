// Capacity and provisioning parameter data (SBC-3): READ CAPACITY (10) and (16) data and the
// GET LBA STATUS descriptors. The target encodes them; the initiator parses them.
//
// Encoders return buffers the caller owns. Parsers copy into the output struct and keep no
// reference to the input; they fail with data_errc (iscsi/scsi_data_error.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi::scsi {

// READ CAPACITY (10) data (SBC-3 5.15.2).
struct ReadCapacity10Data {
  // The last LBA, or 0xffffffff when it does not fit: then use READ CAPACITY (16).
  std::uint32_t returned_lba = 0;
  std::uint32_t block_length = 0;
  friend bool operator==(const ReadCapacity10Data&, const ReadCapacity10Data&) = default;
};

inline constexpr std::size_t kReadCapacity10Length = 8;
std::array<std::byte, kReadCapacity10Length> encode_read_capacity_10(const ReadCapacity10Data& data) noexcept;
std::error_code parse_read_capacity_10(std::span<const std::byte> data, ReadCapacity10Data& out) noexcept;

// The READ CAPACITY (10) answer for a medium of `blocks` logical blocks (SBC-3 5.15.2).
constexpr std::uint32_t read_capacity_10_lba(std::uint64_t blocks) noexcept {
  return blocks == 0 ? 0 : blocks - 1 > 0xfffffffe ? 0xffffffff : static_cast<std::uint32_t>(blocks - 1);
}

// READ CAPACITY (16) data (SBC-3 5.16.2).
struct ReadCapacity16Data {
  std::uint64_t returned_lba = 0;  // the last LBA
  std::uint32_t block_length = 0;
  std::uint8_t p_type = 0;  // protection type - 1, when prot_en
  bool prot_en = false;
  std::uint8_t p_i_exponent = 0;
  // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: 2^n logical blocks per physical block.
  std::uint8_t lbppbe = 0;
  bool lbpme = false;  // logical block provisioning (UNMAP) enabled
  bool lbprz = false;  // unmapped blocks read as zero
  std::uint16_t lowest_aligned_lba = 0;  // 14 bits
  friend bool operator==(const ReadCapacity16Data&, const ReadCapacity16Data&) = default;
};

inline constexpr std::size_t kReadCapacity16Length = 32;
std::array<std::byte, kReadCapacity16Length> encode_read_capacity_16(const ReadCapacity16Data& data) noexcept;
// Needs the first 16 bytes (all defined fields); bytes 16-31 are reserved.
std::error_code parse_read_capacity_16(std::span<const std::byte> data, ReadCapacity16Data& out) noexcept;

// GET LBA STATUS parameter data (SBC-3 5.8.2).
enum class ProvisioningStatus : std::uint8_t { mapped = 0, deallocated = 1, anchored = 2 };

struct LbaStatusDescriptor {
  std::uint64_t lba = 0;
  std::uint32_t blocks = 0;
  ProvisioningStatus status = ProvisioningStatus::mapped;
  friend bool operator==(const LbaStatusDescriptor&, const LbaStatusDescriptor&) = default;
};

std::vector<std::byte> encode_lba_status(std::span<const LbaStatusDescriptor> descriptors);
// Descriptors cut short by the allocation length are left out; the 8-byte header must be
// there. `out` is replaced.
std::error_code parse_lba_status(std::span<const std::byte> data, std::vector<LbaStatusDescriptor>& out);

}  // namespace uiscsi::iscsi::scsi
