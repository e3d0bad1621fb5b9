// REPORT TARGET PORT GROUPS (SPC-4 6.36): one target port group, always active/optimized,
// holding every target port of the target (implicit ALUA, TPGS = 01b).
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/target.h"

namespace uiscsi::target::scsi::detail {
namespace {

constexpr std::uint8_t kLengthOnly = 0x0;     // PARAMETER DATA FORMAT 000b
constexpr std::uint8_t kExtendedHeader = 0x1; // 001b
constexpr std::uint8_t kActiveOptimized = 0x0;
constexpr std::uint8_t kPref = 0x80;
constexpr std::uint8_t kAoSupported = 0x01;

}  // namespace

Response handle_report_target_port_groups(Request& req) {
  const auto cdb = req.cdb();
  const std::uint8_t format = get_u8(cdb, 1) >> 5;
  const std::uint32_t allocation_length = get_be32(cdb, 6);
  if (format != kLengthOnly && format != kExtendedHeader) return invalid_field_in_cdb(req, 1, 7);
  const TargetConfig& config = req.lu.target.config();

  ByteWriter w;
  w.be32(0);  // RETURN DATA LENGTH, patched below
  if (format == kExtendedHeader) w.u8(0x10).u8(0).be16(0);  // FORMAT TYPE 001b, no transition time
  w.u8(kPref | kActiveOptimized).u8(kAoSupported).be16(config.target_port_group);
  w.u8(0).u8(0).u8(0).u8(static_cast<std::uint8_t>(config.relative_target_ports.size()));
  for (std::uint16_t port : config.relative_target_ports) w.be16(0).be16(port);
  w.patch_be32(0, static_cast<std::uint32_t>(w.size() - 4));
  return data_in(req, w.data(), allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
