#include "target/backend/raid/member_check.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "offload/owned_fd.h"
#include "target/backend/file_backend.h"
#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/detail/assembly_plan.h"
#include "target/backend/raid/detail_report.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

// Whether a volume holds the file (member_files.h locks members exclusively). A shared
// lock taken and dropped at once disturbs nobody.
bool held_by_a_volume(const std::filesystem::path& path) {
  offload::OwnedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return fd && ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

// Opens read-only with the block size the superblock names, and reads the superblock.
// A superblock being rewritten by a running volume can read torn: one more try then.
detail::MemberView view_of(const std::filesystem::path& path) {
  detail::MemberView v;
  v.name = path.string();
  std::error_code ec;
  auto file = FileBackend::open({.path = path, .block_size = 512, .read_only = true}, ec);
  if (!file) {
    v.read_error = ec;
    return v;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    v.read_error = detail::read_superblock(*file, v.sb);
    if (v.read_error != raid_errc::bad_superblock) break;
  }
  v.geometry = file->geometry();
  if (!v.read_error && v.sb.block_size != v.geometry.block_size) {
    v.geometry.block_count = v.geometry.block_count * v.geometry.block_size / v.sb.block_size;
    v.geometry.block_size = v.sb.block_size;
  }
  return v;
}

std::string why_unusable(const detail::MemberView& v) {
  const std::error_code& e = v.read_error;
  if (e == raid_errc::not_a_member)
    return v.name + " has no uiscsi RAID superblock (create the volume with `uiscsi-raid create`)";
  if (e == std::errc::no_such_file_or_directory)
    return v.name + " does not exist (to run the volume degraded without it, leave it out of members)";
  if (e == std::errc::invalid_argument) return v.name + " is neither a regular file nor a block device";
  return v.name + ": " + e.message();
}

}  // namespace

MemberCheck check_member_files(const std::vector<std::filesystem::path>& paths, bool force) {
  MemberCheck out;
  std::vector<detail::MemberView> views;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    views.push_back(view_of(paths[i]));
    if (views.back().read_error) {
      out.findings.push_back({true, i, why_unusable(views.back())});
    } else if (held_by_a_volume(paths[i])) {
      out.in_use = true;
    }
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code ec;
      if (std::filesystem::equivalent(paths[i], paths[j], ec)) {
        out.findings.push_back({true, i, paths[i].string() + " is the same file as " + paths[j].string()});
        views[i].read_error = raid_errc::duplicate_member;  // judged once, here
        break;
      }
    }
  }

  // Findings about unreadable members are already made; the plan judges the others.
  std::vector<detail::MemberView> readable;
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (views[i].read_error) continue;
    readable.push_back(views[i]);
    index.push_back(i);
  }
  if (readable.empty()) return out;
  const detail::AssemblyPlan plan = detail::plan_assembly(readable, force);
  for (const auto& note : plan.notes) {
    // A running volume is dirty and may be degraded on purpose; its own state is not news.
    if (out.in_use && note.fatal == raid_errc::dirty_degraded) continue;
    MemberFinding f{static_cast<bool>(note.fatal), std::nullopt, note.text};
    if (note.member != detail::PlanNote::kVolume) f.member = index[note.member];
    out.findings.push_back(std::move(f));
  }
  // The plan got as far as the freshest superblock when it has a configuration.
  const detail::VolumeConfig& c = plan.config;
  if (c.raid_devices != 0) {
    const Layout layout(c.level, c.raid_devices, c.chunk_blocks, c.rows);
    out.volume = VolumeSummary{c.uuid, c.level, c.raid_devices, c.block_size,
                               std::uint64_t{c.chunk_blocks} * c.block_size, layout.capacity_blocks()};
  }
  return out;
}

std::string describe(const VolumeSummary& volume) {
  return std::string(level_name(volume.level)) + ", " + std::to_string(volume.raid_devices) + " members, " +
         format_size(volume.chunk_bytes) + " chunks";
}

}  // namespace uiscsi::target::raid
