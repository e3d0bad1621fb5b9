// One [[target.lun]]: its number, its backend and its INQUIRY identity.
#include <system_error>

#include "target/config/detail/readers.h"
#include "target/config/size_text.h"

namespace uiscsi::target::config::detail {
namespace {

constexpr std::int64_t kMaxLun = 16383;  // flat LUN addressing (target/scsi/target.h)
constexpr std::uint32_t kMinBlockSize = 512;
constexpr std::uint32_t kMaxBlockSize = 65536;

bool printable_ascii(std::string_view text) noexcept {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// An INQUIRY text field (SPC-4 6.4.2): printable ASCII, at most `width` bytes.
void read_ascii_field(TableReader& lun, std::string_view key, std::size_t width, std::string& out) {
  const auto value = lun.string(key);
  if (!value) return;
  if (value->size() > width || !printable_ascii(*value)) {
    lun.findings().error(lun.position(key), lun.key_path(key) + ": must be printable ASCII of at most " +
                                                std::to_string(width) + " characters");
    return;
  }
  out = *value;
}

// A file backend's file must exist, or be creatable: a size to create it with and an
// existing directory to create it in (the daemon creates no directories for a config file).
void check_file(TableReader& lun, const BackendConfig& backend) {
  std::error_code ec;
  const auto status = std::filesystem::status(backend.path, ec);
  if (std::filesystem::exists(status)) {
    if (std::filesystem::is_directory(status)) {
      lun.findings().error(lun.position("path"),
                           lun.key_path("path") + ": " + backend.path.string() + " is a directory");
    }
    return;
  }
  if (backend.size_bytes == 0) {
    lun.findings().error(lun.position("path"),
                         lun.key_path("path") + ": " + backend.path.string() +
                             " does not exist; give 'size' to have it created (sparse)");
    return;
  }
  if (backend.read_only) {
    lun.findings().error(lun.position("path"), lun.key_path("path") + ": " + backend.path.string() +
                                                   " does not exist and the LUN is read-only");
    return;
  }
  const auto directory = backend.path.parent_path();
  if (!directory.empty() && !std::filesystem::is_directory(directory, ec)) {
    lun.findings().error(lun.position("path"),
                         lun.key_path("path") + ": cannot create " + backend.path.string() +
                             ": directory " + directory.string() + " does not exist");
  }
}

// The storage keys of a file or ram LUN (or of one whose kind is unknown, to report what
// else is wrong): block_size, size, read_only, path.
bool read_file_or_ram(TableReader& lun, const std::filesystem::path& base_directory, iscsit::Lun& out, bool ok) {
  Findings& findings = lun.findings();
  if (auto v = lun.integer("block_size", kMinBlockSize, kMaxBlockSize)) {
    if ((*v & (*v - 1)) != 0) {
      findings.error(lun.position("block_size"),
                     lun.key_path("block_size") + ": " + std::to_string(*v) + " is not a power of two");
      ok = false;
    } else {
      out.backend.block_size = static_cast<std::uint32_t>(*v);
    }
  }
  if (auto v = lun.size("size", 1, UINT64_MAX)) {
    out.backend.size_bytes = *v;
    if (*v % out.backend.block_size != 0) {
      findings.error(lun.position("size"), lun.key_path("size") + ": " + format_size(*v) +
                                               " is not a whole number of " +
                                               std::to_string(out.backend.block_size) + "-byte blocks");
      ok = false;
    }
  }
  if (auto v = lun.boolean("read_only")) {
    // A read-only backend and a write-protected unit go together: WP in MODE SENSE and
    // DATA PROTECT on writes (SBC-3), rather than an I/O error from the file.
    out.backend.read_only = *v;
    out.unit.write_protect = *v;
  }
  const auto path = lun.string("path");
  if (ok) {
    switch (out.backend.kind) {
      case BackendKind::file:
        if (!path) {
          if (!lun.table().contains("path")) {
            findings.error(lun.position(), lun.key_path("path") + " is missing: a file backend needs the file or block device");
          }
          ok = false;
          break;
        }
        out.backend.path = resolve_path(base_directory, *path);
        check_file(lun, out.backend);
        break;
      case BackendKind::ram:
        if (path) {
          findings.error(lun.position("path"), lun.key_path("path") + ": a ram backend has no file");
        }
        if (out.backend.size_bytes == 0) {
          findings.error(lun.position(), lun.key_path("size") + " is missing: a ram backend needs its capacity");
          ok = false;
        }
        break;
      case BackendKind::raid:  // read_raid_members()
        break;
    }
  }

  return ok;
}

}  // namespace

std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

std::optional<iscsit::Lun> read_lun(TableReader& lun, const std::filesystem::path& base_directory) {
  Findings& findings = lun.findings();
  iscsit::Lun out;
  bool ok = true;

  const auto number = lun.integer("number", 0, kMaxLun);
  if (!number) {
    if (!lun.table().contains("number")) findings.error(lun.position(), lun.key_path("number") + " is missing");
    ok = false;
  } else {
    out.number = static_cast<std::uint16_t>(*number);
  }

  const auto kind_name = lun.string("backend");
  if (!kind_name) {
    if (!lun.table().contains("backend")) {
      findings.error(lun.position(), lun.key_path("backend") + " is missing (\"file\", \"ram\" or \"raid\")");
    }
    ok = false;
  } else if (const auto kind = parse_backend_kind(*kind_name)) {
    out.backend.kind = *kind;
  } else {
    findings.error(lun.position("backend"), lun.key_path("backend") + ": unknown backend kind '" +
                                                *kind_name + "'; use \"file\", \"ram\" or \"raid\"");
    ok = false;
  }

  if (out.backend.kind == BackendKind::raid) {
    ok = read_raid_members(lun, base_directory, out.backend) && ok;
  } else {
    ok = read_file_or_ram(lun, base_directory, out, ok);
  }

  read_ascii_field(lun, "vendor", 8, out.unit.vendor);
  read_ascii_field(lun, "product", 16, out.unit.product);
  read_ascii_field(lun, "revision", 4, out.unit.revision);
  if (auto serial = lun.string("serial")) {
    if (serial->empty() || !printable_ascii(*serial)) {
      findings.error(lun.position("serial"), lun.key_path("serial") + ": must be non-empty printable ASCII");
    } else {
      out.unit.serial = *serial;
    }
  }
  // Persistent reservations with APTPL live beside the backing file unless told otherwise
  // (factory.h); an explicit empty string turns APTPL off.
  if (auto pr = lun.string("pr_state_file")) {
    out.unit.pr_state_file = pr->empty() ? std::filesystem::path{} : resolve_path(base_directory, *pr);
  } else {
    out.unit.pr_state_file = pr_state_file_for(out.backend);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace uiscsi::target::config::detail
