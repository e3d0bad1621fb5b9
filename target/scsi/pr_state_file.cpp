// The APTPL state file (SPC-4 5.12.5: reservations that persist through power loss).
//
// Format, one record per line, whitespace-separated (iSCSI names contain no whitespace,
// RFC 3722):
//   uiscsi-pr-state 1
//   generation <PRgeneration>
//   registrant <id> <key, hex> <relative target port id> <all_tg_pt 0|1> <isid or -> <name>
//   reservation <type> <holder id>
//   end
// The trailing "end" makes a truncated file detectable even though the file is replaced
// atomically.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <sstream>
#include <string>

#include "offload/owned_fd.h"
#include "target/scsi/detail/pr_state.h"
#include "target/scsi/error.h"

namespace uiscsi::target::scsi::detail {
namespace {

constexpr std::string_view kMagic = "uiscsi-pr-state";
constexpr int kVersion = 1;

std::error_code last_error() { return {errno, std::system_category()}; }

std::error_code write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::error_code read_all(const std::filesystem::path& path, std::string& text) {
  offload::OwnedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return last_error();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (n == 0) return {};
    text.append(buf, static_cast<std::size_t>(n));
  }
}

std::string serialize(const PrState& state) {
  std::ostringstream out;
  out << kMagic << ' ' << kVersion << '\n' << "generation " << state.generation << '\n';
  for (const Registrant& r : state.registrants) {
    out << "registrant " << r.id << ' ' << std::hex << r.key << std::dec << ' ' << r.relative_target_port_id << ' '
        << (r.all_target_ports ? 1 : 0) << ' ' << (r.initiator.isid.empty() ? "-" : r.initiator.isid) << ' '
        << r.initiator.name << '\n';
  }
  if (state.reservation) {
    out << "reservation " << static_cast<unsigned>(state.reservation->type) << ' ' << state.reservation->holder << '\n';
  }
  out << "end\n";
  return out.str();
}

}  // namespace

std::error_code save_pr_state(const std::filesystem::path& path, const PrState& state) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  offload::OwnedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return last_error();
  if (auto ec = write_all(fd.get(), serialize(state))) return ec;
  if (::fsync(fd.get()) != 0) return last_error();
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return last_error();
  // The rename is durable only once the directory entry is.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  offload::OwnedFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return last_error();
  if (::fsync(dir_fd.get()) != 0) return last_error();
  return {};
}

std::error_code load_pr_state(const std::filesystem::path& path, PrState& state) {
  std::string text;
  if (auto ec = read_all(path, text)) return ec;
  std::istringstream in(text);
  PrState loaded;
  loaded.aptpl = true;
  std::string line;
  bool header = false;
  bool end = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (!header) {
      int version = 0;
      if (tag != kMagic || !(fields >> version) || version != kVersion) return target_errc::corrupt_pr_state;
      header = true;
    } else if (end) {
      return target_errc::corrupt_pr_state;  // nothing may follow "end"
    } else if (tag == "generation") {
      if (!(fields >> loaded.generation)) return target_errc::corrupt_pr_state;
    } else if (tag == "registrant") {
      Registrant r;
      int all = 0;
      std::string isid;
      if (!(fields >> r.id >> std::hex >> r.key >> std::dec >> r.relative_target_port_id >> all >> isid >>
            r.initiator.name) ||
          (all != 0 && all != 1) || r.id == 0) {
        return target_errc::corrupt_pr_state;
      }
      r.all_target_ports = all == 1;
      if (isid != "-") r.initiator.isid = isid;
      loaded.next_id = std::max(loaded.next_id, r.id + 1);
      loaded.registrants.push_back(std::move(r));
    } else if (tag == "reservation") {
      unsigned type = 0;
      PrReservation res;
      if (!(fields >> type >> res.holder) || type > 0xff || !valid_pr_type(static_cast<std::uint8_t>(type))) {
        return target_errc::corrupt_pr_state;
      }
      res.type = static_cast<PrType>(type);
      loaded.reservation = res;
    } else if (tag == "end") {
      end = true;
    } else {
      return target_errc::corrupt_pr_state;
    }
  }
  if (!end) return target_errc::corrupt_pr_state;
  // A single-holder reservation must name an existing registrant.
  if (loaded.reservation && !all_registrants(loaded.reservation->type) &&
      loaded.find_id(loaded.reservation->holder) == nullptr) {
    return target_errc::corrupt_pr_state;
  }
  state = std::move(loaded);
  return {};
}

}  // namespace uiscsi::target::scsi::detail
