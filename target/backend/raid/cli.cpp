#include "target/backend/raid/cli.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/detail_report.h"
#include "target/backend/raid/member_files.h"
#include "target/backend/raid/progress_display.h"
#include "target/backend/raid/raid_backend.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

bool open_all(const std::vector<std::string>& paths, std::uint64_t create_size, std::uint32_t block_size,
              std::vector<MemberDevice>& out, std::ostream& err) {
  for (const auto& p : paths) {
    std::error_code ec;
    auto b = open_member_file(p, create_size, block_size, ec);
    if (!b) {
      err << "uiscsi-raid: " << p << ": " << ec.message() << '\n';
      return false;
    }
    out.push_back({p, std::move(b)});
  }
  return true;
}

RuntimeOptions offline_runtime(const CliCommand& cmd) {
  RuntimeOptions r;
  r.auto_rebuild = false;  // rebuilds run only where the command shows their progress
  r.bitmap_sweep_interval = std::chrono::milliseconds(0);
  r.rebuild_mb_per_s = cmd.rate_mb_per_s;
  r.force = cmd.action == CliAction::assemble && cmd.force;
  return r;
}

std::unique_ptr<RaidBackend> assemble_files(const CliCommand& cmd, const std::vector<std::string>& paths,
                                            std::ostream& out, std::ostream& err) {
  std::vector<std::string> messages;
  std::error_code ec;
  auto v = assemble_member_files({paths.begin(), paths.end()}, offline_runtime(cmd), messages, ec);
  for (const auto& m : messages) (v ? out : err) << "uiscsi-raid: " << m << '\n';
  if (!v) err << "uiscsi-raid: cannot assemble: " << ec.message() << '\n';
  return v;
}

bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

// MEMBER as a device number: a number, a present member's path, or a member file whose
// superblock names a device of this volume (a stale or failed member left out).
std::optional<std::uint32_t> resolve_member(RaidBackend& v, const std::string& member) {
  const VolumeStatus st = v.status();
  if (!member.empty() && member.find_first_not_of("0123456789") == std::string::npos) {
    const auto n = static_cast<std::uint32_t>(std::stoul(member));
    for (const auto& m : st.members)
      if (m.device_number == n) return n;
    return std::nullopt;
  }
  for (const auto& m : st.members)
    if (m.present && same_file(m.name, member)) return m.device_number;
  std::error_code ec;
  auto file = open_member_file(member, 0, 512, ec);
  Superblock sb;
  if (file && !detail::read_superblock(*file, sb) && sb.volume_uuid == st.uuid) {
    for (const auto& m : st.members)
      if (m.uuid == sb.device_uuid) return m.device_number;
  }
  return std::nullopt;
}

// Closes the volume (marking it clean) and prints its state.
int finish(RaidBackend& v, std::ostream& out, std::ostream& err, bool detail, int code = kCliOk) {
  if (auto ec = v.close()) {
    err << "uiscsi-raid: closing the volume: " << ec.message() << '\n';
    code = kCliFailure;
  }
  const VolumeStatus st = v.status();
  if (detail) {
    out << format_detail(st);
  } else {
    std::size_t present = 0;
    for (const auto& m : st.members) present += m.present && m.state == DeviceState::in_sync ? 1 : 0;
    out << level_name(st.level) << ' ' << st.uuid.to_string() << ": " << volume_state_text(st) << ", " << present
        << '/' << st.raid_devices << " in sync, " << format_size(st.capacity_blocks * st.block_size) << '\n';
  }
  return code;
}

// Runs pending rebuilds to the end, showing progress.
std::error_code rebuild_with_progress(RaidBackend& v, std::ostream& out, bool terminal) {
  v.start_rebuild();
  std::atomic<bool> done{false};
  std::error_code ec;
  std::thread waiter([&] {
    ec = v.wait_for_rebuild();
    done = true;
  });
  ProgressDisplay bar(out, terminal, "rebuild");
  while (!done) {
    const RebuildProgress p = v.rebuild_progress();
    if (p.active) bar.update(p.rows_done, p.rows_total, p.mb_per_s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  waiter.join();
  if (!ec) {
    const RebuildProgress p = v.rebuild_progress();
    bar.update(p.rows_done, p.rows_total, 0);
  }
  bar.finish();
  return ec;
}

bool rebuild_pending(const RaidBackend& v) {
  for (const auto& m : v.status().members)
    if (m.present && m.state == DeviceState::rebuilding) return true;
  return false;
}

int run_create(const CliCommand& cmd, std::ostream& out, std::ostream& err) {
  std::vector<MemberDevice> members;
  std::vector<std::string> all = cmd.files;
  all.insert(all.end(), cmd.spares.begin(), cmd.spares.end());
  if (!open_all(all, cmd.size_bytes, cmd.block_size, members, err)) return kCliFailure;
  CreateOptions o;
  o.level = cmd.level;
  o.raid_devices = cmd.raid_devices;
  o.chunk_bytes = cmd.chunk_bytes;
  o.bitmap_region_bytes = cmd.bitmap_region_bytes;
  o.zero_members = cmd.zero;
  std::error_code ec;
  auto v = RaidBackend::create(std::move(members), o, offline_runtime(cmd), ec);
  if (!v) {
    err << "uiscsi-raid: cannot create: " << ec.message() << '\n';
    return kCliFailure;
  }
  return finish(*v, out, err, true);
}

int run_member_command(const CliCommand& cmd, std::ostream& out, std::ostream& err) {
  std::vector<std::string> paths = cmd.files;
  // fail: the member must be assembled to be failed.
  if (cmd.action == CliAction::fail && std::filesystem::exists(cmd.member) &&
      std::none_of(paths.begin(), paths.end(), [&](const std::string& p) { return same_file(p, cmd.member); }))
    paths.push_back(cmd.member);
  auto v = assemble_files(cmd, paths, out, err);
  if (!v) return kCliFailure;
  const auto device = resolve_member(*v, cmd.member);
  if (!device) {
    err << "uiscsi-raid: " << cmd.member << ": not a member of this volume\n";
    return finish(*v, out, err, false, kCliFailure);
  }
  const std::error_code ec = cmd.action == CliAction::fail ? v->fail_member(*device) : v->remove_member(*device);
  if (ec) {
    err << "uiscsi-raid: " << cmd.member << ": " << ec.message() << '\n';
    return finish(*v, out, err, false, kCliFailure);
  }
  out << "uiscsi-raid: " << cmd.member << (cmd.action == CliAction::fail ? " marked faulty\n" : " removed\n");
  return finish(*v, out, err, true);
}

int run_add(const CliCommand& cmd, std::ostream& out, std::ostream& err, bool terminal) {
  auto v = assemble_files(cmd, cmd.files, out, err);
  if (!v) return kCliFailure;
  std::error_code ec;
  auto backend = open_member_file(cmd.member, cmd.size_bytes, v->geometry().block_size, ec);
  if (!backend) {
    err << "uiscsi-raid: " << cmd.member << ": " << ec.message() << '\n';
    return finish(*v, out, err, false, kCliFailure);
  }
  if ((ec = v->add_member({cmd.member, std::move(backend)}, cmd.force))) {
    err << "uiscsi-raid: cannot add " << cmd.member << ": " << ec.message() << '\n';
    return finish(*v, out, err, false, kCliFailure);
  }
  out << "uiscsi-raid: added " << cmd.member << '\n';
  if (rebuild_pending(*v)) {
    if ((ec = rebuild_with_progress(*v, out, terminal))) {
      err << "uiscsi-raid: rebuild failed: " << ec.message() << '\n';
      return finish(*v, out, err, true, kCliFailure);
    }
  }
  return finish(*v, out, err, true);
}

int run_rebuild(const CliCommand& cmd, std::ostream& out, std::ostream& err, bool terminal) {
  auto v = assemble_files(cmd, cmd.files, out, err);
  if (!v) return kCliFailure;
  if (!rebuild_pending(*v)) {
    out << "uiscsi-raid: nothing to rebuild\n";
    return finish(*v, out, err, false);
  }
  if (auto ec = rebuild_with_progress(*v, out, terminal)) {
    err << "uiscsi-raid: rebuild failed: " << ec.message() << '\n';
    return finish(*v, out, err, true, kCliFailure);
  }
  return finish(*v, out, err, true);
}

int run_scrub(const CliCommand& cmd, std::ostream& out, std::ostream& err, bool terminal) {
  auto v = assemble_files(cmd, cmd.files, out, err);
  if (!v) return kCliFailure;
  ScrubReport report;
  ProgressDisplay bar(out, terminal, cmd.repair ? "repair" : "check");
  const auto ec = v->scrub(cmd.repair, report, [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total, 0); });
  bar.finish();
  if (ec) {
    err << "uiscsi-raid: scrub: " << ec.message() << '\n';
    return finish(*v, out, err, false, kCliFailure);
  }
  out << "scrub: " << report.rows_checked << " rows checked, " << report.mismatched_rows << " mismatched";
  if (!report.first_mismatches.empty()) {
    out << " (rows";
    for (auto r : report.first_mismatches) out << ' ' << r;
    if (report.first_mismatches.size() < report.mismatched_rows) out << " ...";
    out << ')';
  }
  out << ", " << report.repaired_rows << " repaired\n";
  const bool left = report.mismatched_rows > report.repaired_rows;
  return finish(*v, out, err, false, left ? kCliMismatches : kCliOk);
}

}  // namespace

int run_cli(const CliCommand& cmd, std::ostream& out, std::ostream& err, bool terminal) {
  switch (cmd.action) {
    case CliAction::help: out << cli_usage(); return kCliOk;
    case CliAction::create: return run_create(cmd, out, err);
    case CliAction::assemble: {
      auto v = assemble_files(cmd, cmd.files, out, err);
      return v ? finish(*v, out, err, cmd.detail) : kCliFailure;
    }
    case CliAction::fail:
    case CliAction::remove: return run_member_command(cmd, out, err);
    case CliAction::add: return run_add(cmd, out, err, terminal);
    case CliAction::rebuild: return run_rebuild(cmd, out, err, terminal);
    case CliAction::scrub: return run_scrub(cmd, out, err, terminal);
  }
  return kCliUsage;
}

}  // namespace uiscsi::target::raid
