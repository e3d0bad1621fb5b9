// The SCSI side of the fake target: a small thin-provisioned disk in memory that answers
// the commands the initiator's block API sends (SBC-3 / SPC-4 subset), built from the
// iscsi/ encoders and decoders. Test code only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace uiscsi::initiator::test {

struct FakeDiskConfig {
  std::uint32_t block_size = 512;
  std::uint64_t blocks = 8192;
  bool thin = true;                       // LBPME, UNMAP, WRITE SAME with UNMAP, GET LBA STATUS
  std::uint32_t max_transfer_blocks = 0;  // Block Limits MAXIMUM TRANSFER LENGTH (0: none)
  std::uint32_t max_write_same_blocks = 0;
  bool write_same = true;                 // false: WRITE SAME is an unknown opcode
  bool read_capacity_16 = true;           // false: SERVICE ACTION IN (16) is unknown
};

struct ScsiOutcome {
  std::uint8_t status = 0;
  std::vector<std::byte> sense_segment;  // SenseLength + sense (RFC 7143 11.4.7.2), if any
  std::vector<std::byte> data_in;        // what the command returns, before EDTL is applied
};

// Which commands it saw, for the tests to check what the initiator chose to send.
struct FakeDiskCounters {
  std::uint64_t read_10 = 0, read_16 = 0, write_10 = 0, write_16 = 0, fua_writes = 0;
  std::uint64_t write_same = 0, write_same_unmap = 0, unmap = 0, synchronize_cache = 0;
  std::uint64_t get_lba_status = 0;
  std::uint32_t largest_transfer_blocks = 0;
};

class FakeDisk {
 public:
  explicit FakeDisk(FakeDiskConfig config);

  // `lun` is a LUN number; only LUN 1 exists (REPORT LUNS says so).
  ScsiOutcome execute(std::uint16_t lun, std::span<const std::byte> cdb, std::span<const std::byte> data_out);

  std::vector<std::byte>& data() noexcept { return data_; }
  bool mapped(std::uint64_t lba) const { return mapped_[lba]; }
  const FakeDiskCounters& counters() const noexcept { return counters_; }
  const FakeDiskConfig& config() const noexcept { return config_; }

 private:
  ScsiOutcome read_write(std::span<const std::byte> cdb, std::span<const std::byte> data_out);
  ScsiOutcome inquiry(std::span<const std::byte> cdb);
  ScsiOutcome service_action_in(std::span<const std::byte> cdb);
  ScsiOutcome unmap(std::span<const std::byte> data_out);

  FakeDiskConfig config_;
  std::vector<std::byte> data_;
  std::vector<bool> mapped_;
  FakeDiskCounters counters_;
};

}  // namespace uiscsi::initiator::test
