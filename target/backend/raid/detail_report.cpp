#include "target/backend/raid/detail_report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

namespace uiscsi::target::raid {
namespace {

// One "      Label : value" line, labels right-aligned like mdadm's.
void field(std::ostringstream& out, const char* label, const std::string& value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%16s : ", label);
  out << buf << value << '\n';
}

std::string short_size(std::uint64_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + "M";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + "K";
  return std::to_string(bytes);
}

std::string percent(std::uint64_t done, std::uint64_t total) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total));
  return buf;
}

}  // namespace

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < kUnits.size()) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[unit]);
  return buf;
}

std::string member_state_text(const MemberStatus& m) {
  if (!m.present) {
    if (m.state == DeviceState::spare) return "spare (missing)";
    return m.state == DeviceState::faulty ? "faulty (missing)" : "missing";
  }
  switch (m.state) {
    case DeviceState::in_sync: return "active sync";
    case DeviceState::rebuilding: return "spare rebuilding";
    case DeviceState::faulty: return "faulty";
    case DeviceState::spare: return "spare";
    case DeviceState::empty: break;
  }
  return "removed";
}

std::string volume_state_text(const VolumeStatus& st) {
  std::string s = st.clean ? "clean" : "active";
  if (st.degraded) s += ", degraded";
  if (std::any_of(st.members.begin(), st.members.end(),
                  [](const MemberStatus& m) { return m.present && m.state == DeviceState::rebuilding; }))
    s += ", recovering";
  if (st.failed) s += ", FAILED";
  return s;
}

std::string format_detail(const VolumeStatus& st) {
  std::ostringstream out;
  const std::uint64_t capacity = st.capacity_blocks * st.block_size;
  field(out, "UUID", st.uuid.to_string());
  field(out, "Raid Level", std::string(level_name(st.level)));
  field(out, "Array Size", std::to_string(capacity / 1024) + " KiB (" + format_size(capacity) + ")");
  field(out, "Used Dev Size", std::to_string(st.member_data_bytes / 1024) + " KiB (" + format_size(st.member_data_bytes) + ")");
  if (st.level != Level::raid1) field(out, "Chunk Size", short_size(st.chunk_bytes));
  field(out, "Block Size", std::to_string(st.block_size));
  field(out, "Raid Devices", std::to_string(st.raid_devices));
  field(out, "Total Devices", std::to_string(std::count_if(st.members.begin(), st.members.end(),
                                                          [](const MemberStatus& m) { return m.present; })));
  field(out, "State", volume_state_text(st));
  field(out, "Events", std::to_string(st.events));

  std::uint64_t rebuilt = st.rebuild.rows_total;
  bool rebuilding = false;
  for (const auto& m : st.members) {
    if (m.present && m.state == DeviceState::rebuilding) {
      rebuilding = true;
      rebuilt = std::min(rebuilt, m.rebuilt_rows);
    }
  }
  if (rebuilding) field(out, "Rebuild Status", percent(rebuilt, st.rebuild.rows_total) + " complete");
  if (st.bitmap_bits > 0)
    field(out, "Intent Bitmap",
          std::to_string(st.bitmap_bits) + (st.bitmap_bits == 1 ? " region of " : " regions of ") +
              short_size(st.bitmap_region_bytes) + ", " +
              std::to_string(st.bitmap_dirty) + " dirty");

  out << "\n    Number   RaidDevice   State               Device\n";
  for (const auto& m : st.members) {
    char line[160];
    const std::string role = m.role == kNoRole || m.state == DeviceState::spare ? "-" : std::to_string(m.role);
    std::snprintf(line, sizeof line, "    %6u   %10s   %-18s  ", m.device_number, role.c_str(), member_state_text(m).c_str());
    out << line << (m.present ? m.name : m.uuid.to_string()) << '\n';
  }
  if (!st.log.empty()) {
    out << "\n    Recent events:\n";
    for (const auto& l : st.log) out << "      " << l << '\n';
  }
  return out.str();
}

}  // namespace uiscsi::target::raid
