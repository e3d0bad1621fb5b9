#include "initiator/node_db/node_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace uiscsi::initiator::node_db {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kNodeFile = "default";
constexpr std::string_view kDiscoveryFile = "st_config";

template <typename T>
std::optional<T> parse_int(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string errno_text() { return std::strerror(errno); }

// Writes `text` to `path` atomically: a temporary file beside it, fsync, rename, fsync of
// the directory.
bool write_file_atomically(const fs::path& path, const std::string& text, std::string& error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    error = "cannot create " + path.parent_path().string() + ": " + ec.message();
    return false;
  }
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + temporary.string() + ": " + errno_text();
    return false;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write " + temporary.string() + ": " + errno_text();
      ::close(fd);
      ::unlink(temporary.c_str());
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    error = "cannot write " + temporary.string() + ": " + errno_text();
    ::unlink(temporary.c_str());
    return false;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot replace " + path.string() + ": " + errno_text();
    ::unlink(temporary.c_str());
    return false;
  }
  if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

std::optional<Record> read_record(const fs::path& path, std::string& error) {
  error.clear();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path.string() + ": " + errno_text();
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  ParsedRecord parsed = parse_record(text.str());
  if (!parsed.record) error = path.string() + ": " + parsed.error;
  return std::move(parsed.record);
}

}  // namespace

bool valid_target_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 223 && name != "." && name != ".." &&
         name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::string portal_directory_name(const Portal& portal, std::int32_t tpgt) {
  return portal.host + "," + std::to_string(portal.port) + "," + std::to_string(tpgt);
}

std::optional<PortalDirectory> parse_portal_directory_name(std::string_view name) {
  // Split from the right: an IPv6 address has colons but never commas.
  const auto second = name.rfind(',');
  if (second == std::string_view::npos || second == 0) return std::nullopt;
  const auto first = name.rfind(',', second - 1);
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  const auto port = parse_int<std::uint16_t>(name.substr(first + 1, second - first - 1));
  const auto tpgt = parse_int<std::int32_t>(name.substr(second + 1));
  const std::string_view host = name.substr(0, first);
  if (!port || *port == 0 || !tpgt || *tpgt < -1 || *tpgt > 65535 || !valid_target_name(host)) return std::nullopt;
  return PortalDirectory{Portal{std::string(host), *port}, *tpgt};
}

NodeDb::NodeDb(fs::path root) : root_(std::move(root)) {}

fs::path NodeDb::node_directory(const NodeKey& key) const {
  return root_ / "nodes" / key.target / portal_directory_name(key.portal, key.tpgt);
}

fs::path NodeDb::discovery_directory(const Portal& portal) const {
  return root_ / "send_targets" / (portal.host + "," + std::to_string(portal.port));
}

std::vector<NodeKey> NodeDb::list_nodes(std::vector<std::string>& problems) const {
  std::vector<NodeKey> keys;
  std::error_code ec;
  const fs::path nodes = root_ / "nodes";
  if (!fs::exists(nodes, ec)) return keys;
  for (const auto& target : fs::directory_iterator(nodes, ec)) {
    if (!target.is_directory()) continue;
    const std::string name = target.path().filename().string();
    for (const auto& portal : fs::directory_iterator(target.path(), ec)) {
      const auto parsed = parse_portal_directory_name(portal.path().filename().string());
      if (!portal.is_directory() || !parsed) {
        problems.push_back(portal.path().string() + " is not a node directory (ADDRESS,PORT,TPGT)");
        continue;
      }
      keys.push_back(NodeKey{name, parsed->portal, parsed->tpgt});
    }
  }
  if (ec) problems.push_back("cannot list " + nodes.string() + ": " + ec.message());
  std::sort(keys.begin(), keys.end(), [](const NodeKey& a, const NodeKey& b) {
    return std::tie(a.target, a.portal.host, a.portal.port, a.tpgt) <
           std::tie(b.target, b.portal.host, b.portal.port, b.tpgt);
  });
  return keys;
}

std::optional<Record> NodeDb::read_node(const NodeKey& key, std::string& error) const {
  if (!valid_target_name(key.target)) {
    error = "invalid target name \"" + key.target + "\"";
    return std::nullopt;
  }
  return read_record(node_directory(key) / kNodeFile, error);
}

bool NodeDb::write_node(const NodeKey& key, const Record& record, std::string& error) const {
  if (!valid_target_name(key.target) || !valid_target_name(key.portal.host)) {
    error = "invalid node name \"" + key.target + "\" at \"" + key.portal.host + "\"";
    return false;
  }
  return write_file_atomically(node_directory(key) / kNodeFile, format_record(record, kRecordVersion), error);
}

bool NodeDb::delete_node(const NodeKey& key, std::string& error) const {
  if (!valid_target_name(key.target)) {
    error = "invalid target name \"" + key.target + "\"";
    return false;
  }
  std::error_code ec;
  const fs::path directory = node_directory(key);
  // Discovery links first: a dangling link would name a node that no longer exists.
  std::vector<std::string> ignored;
  for (const Portal& portal : list_discovery(ignored)) {
    for (const auto& entry : fs::directory_iterator(discovery_directory(portal), ec)) {
      if (entry.is_symlink() && fs::weakly_canonical(entry.path(), ec) == fs::weakly_canonical(directory, ec)) {
        fs::remove(entry.path(), ec);
      }
    }
  }
  fs::remove_all(directory, ec);
  if (ec) {
    error = "cannot remove " + directory.string() + ": " + ec.message();
    return false;
  }
  if (fs::is_empty(directory.parent_path(), ec)) fs::remove(directory.parent_path(), ec);
  return true;
}

std::vector<Portal> NodeDb::list_discovery(std::vector<std::string>& problems) const {
  std::vector<Portal> portals;
  std::error_code ec;
  const fs::path root = root_ / "send_targets";
  if (!fs::exists(root, ec)) return portals;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    const auto comma = name.rfind(',');
    const auto port = comma == std::string::npos ? std::nullopt
                                                 : parse_int<std::uint16_t>(std::string_view(name).substr(comma + 1));
    if (!entry.is_directory() || !port || comma == 0) {
      problems.push_back(entry.path().string() + " is not a discovery directory (ADDRESS,PORT)");
      continue;
    }
    portals.push_back(Portal{name.substr(0, comma), *port});
  }
  std::sort(portals.begin(), portals.end(),
            [](const Portal& a, const Portal& b) { return std::tie(a.host, a.port) < std::tie(b.host, b.port); });
  return portals;
}

std::optional<Record> NodeDb::read_discovery(const Portal& portal, std::string& error) const {
  return read_record(discovery_directory(portal) / kDiscoveryFile, error);
}

bool NodeDb::write_discovery(const Portal& portal, const Record& record, std::string& error) const {
  if (!valid_target_name(portal.host)) {
    error = "invalid portal address \"" + portal.host + "\"";
    return false;
  }
  return write_file_atomically(discovery_directory(portal) / kDiscoveryFile, format_record(record, kRecordVersion),
                               error);
}

bool NodeDb::delete_discovery(const Portal& portal, std::string& error) const {
  std::error_code ec;
  fs::remove_all(discovery_directory(portal), ec);
  if (ec) error = "cannot remove " + discovery_directory(portal).string() + ": " + ec.message();
  return !ec;
}

std::vector<NodeKey> NodeDb::discovered_nodes(const Portal& portal) const {
  std::vector<NodeKey> keys;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(discovery_directory(portal), ec)) {
    if (!entry.is_symlink()) continue;
    // The link points at nodes/<target>/<portal directory>.
    const fs::path target = fs::read_symlink(entry.path(), ec);
    if (ec) continue;
    const auto parsed = parse_portal_directory_name(target.filename().string());
    if (parsed) keys.push_back(NodeKey{target.parent_path().filename().string(), parsed->portal, parsed->tpgt});
  }
  return keys;
}

bool NodeDb::link_discovered(const Portal& portal, const NodeKey& key, std::string& error) const {
  std::error_code ec;
  const fs::path link = discovery_directory(portal) /
                        (key.target + "," + portal_directory_name(key.portal, key.tpgt) + ",default");
  fs::remove(link, ec);
  fs::create_directory_symlink(fs::path("../../nodes") / key.target / portal_directory_name(key.portal, key.tpgt),
                               link, ec);
  if (ec) error = "cannot link " + link.string() + ": " + ec.message();
  return !ec;
}

}  // namespace uiscsi::initiator::node_db
