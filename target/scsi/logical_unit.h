// A SCSI logical unit: SPC-4/SBC-3 direct-access block device emulation over a Backend.
//
// execute() runs one command synchronously on the calling thread, including the backend I/O
// (which may block, see target/backend/backend.h). It may be called concurrently from
// several threads for the same LogicalUnit: reads and writes take no lock (COMPARE AND
// WRITE takes a range lock against other writes to the same blocks); the reservation state,
// mode pages and unit attention queues each have their own small lock. Command ordering
// (SAM-5 task attributes: ORDERED, HEAD OF QUEUE) is the caller's job: the logical unit
// executes what it is given, in the order it is given.
//
// LogicalUnits are created and owned by a Target (target/scsi/target.h), which routes
// commands by LUN and forwards nexus and task management events. A LogicalUnit keeps a
// reference to its Target; the Target outlives it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "target/backend/backend.h"
#include "target/scsi/command.h"

namespace uiscsi::target::scsi {

class Target;
namespace detail {
struct LuState;
}

struct LuConfig {
  // Standard INQUIRY identification (SPC-4 6.4.2), ASCII, space-padded on the wire:
  // T10 VENDOR IDENTIFICATION (8), PRODUCT IDENTIFICATION (16), PRODUCT REVISION LEVEL (4).
  std::string vendor = "UISCSI";
  std::string product = "VIRTUAL-DISK";
  std::string revision = "0001";
  // Unit serial number (VPD 80h), printable ASCII. It also seeds the vendor-specific part
  // of the NAA designator (VPD 83h), so it must be unique and stable per logical unit.
  std::string serial;
  // IEEE company identifier (OUI) in the NAA IEEE Registered Extended designator (VPD 83h).
  std::uint32_t ieee_company_id = 0;
  // Where PERSIST THROUGH POWER LOSS state (APTPL, SPC-4 5.12.5) is kept, conventionally
  // beside the backing file. Empty: APTPL is not supported (PTPL_C = 0), and a PERSISTENT
  // RESERVE OUT with APTPL = 1 is rejected.
  std::filesystem::path pr_state_file;
  // Write-protected medium: writes fail with DATA PROTECT, MODE SENSE reports WP.
  bool write_protect = false;
  // Block limits (VPD B0h). Transfers above max_transfer_bytes are rejected with INVALID
  // FIELD IN CDB. 32 MiB covers the 65536-block transfers of 512-byte blocks that
  // conformance suites (libiscsi) issue without looking at the limit.
  std::uint32_t max_transfer_bytes = 32u << 20;
  // MAXIMUM UNMAP LBA COUNT: 2^20, the most libiscsi considers sane for an explicit limit.
  std::uint32_t max_unmap_blocks = 1u << 20;
  std::uint32_t max_unmap_descriptors = 256;           // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT
  std::uint64_t max_write_same_blocks = 0x400000;      // MAXIMUM WRITE SAME LENGTH
  std::uint8_t max_compare_and_write_blocks = 255;     // MAXIMUM COMPARE AND WRITE LENGTH
};

class LogicalUnit {
 public:
  // Use Target::add_lun(). Reads `config.pr_state_file` if it exists; a file that cannot
  // be read or parsed is an error (the reservations it holds must not be silently lost).
  static std::shared_ptr<LogicalUnit> open(const Target& target, std::uint16_t lun,
                                           std::unique_ptr<Backend> backend, LuConfig config,
                                           std::error_code& ec);
  ~LogicalUnit();
  LogicalUnit(const LogicalUnit&) = delete;
  LogicalUnit& operator=(const LogicalUnit&) = delete;

  // Executes one command addressed to this logical unit (see command.h for buffers).
  Response execute(const Command& command);

  // Session events (the Target forwards them to every logical unit).
  // A new I_T nexus: the first of its commands that may report a unit attention gets POWER
  // ON, RESET, OR BUS DEVICE RESET OCCURRED (SAM-5 unit attention conditions), once.
  void nexus_established(const Nexus& nexus);
  // The I_T nexus is gone (session closed or failed): its RESERVE(6) reservation is
  // released and its unit attentions are dropped. PR registrations survive (SPC-4 5.12).
  void nexus_lost(const Nexus& nexus);

  // LOGICAL UNIT RESET (SAM-5 6.3.3) with the unit attention it leaves for every I_T nexus
  // (BUS DEVICE RESET FUNCTION OCCURRED, or POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
  // for a target reset): releases the RESERVE(6) reservation and restores the mode pages
  // to their saved values. Persistent reservations survive. Aborting the tasks in flight
  // is the caller's job.
  enum class ResetKind { logical_unit, target };
  void reset(ResetKind kind);

  // The backend's geometry changed (e.g. the administrator grew the file): reads it again
  // and establishes CAPACITY DATA HAS CHANGED for every I_T nexus.
  void capacity_changed();

  // The target's LUN inventory changed (a LUN was added or removed): establishes REPORTED
  // LUNS DATA HAS CHANGED for every I_T nexus (SPC-4 6.33). Called by Target.
  void lun_inventory_changed();

  std::uint16_t lun() const noexcept;
  Backend& backend() noexcept;
  const LuConfig& config() const noexcept;

 private:
  explicit LogicalUnit(std::unique_ptr<detail::LuState> state);
  std::unique_ptr<detail::LuState> state_;
};

}  // namespace uiscsi::target::scsi
