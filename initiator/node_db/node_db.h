// The node database on disk, in open-iscsi's layout (so that an administrator finds what
// /var/lib/iscsi would hold):
//
//   ROOT/nodes/<target-name>/<address>,<port>,<tpgt>/default      a node record
//   ROOT/send_targets/<address>,<port>/st_config                   a discovery record
//   ROOT/send_targets/<address>,<port>/<target>,<address>,<port>,<tpgt>,default
//        -> a symbolic link to the node directory discovered there
//
// Records are written whole to a temporary file and renamed over the old one (after
// fsync), so a crash leaves either the old or the new record, never a torn one. Files are
// made mode 0600 (they hold CHAP secrets).
//
// Threading: none; the daemon uses one NodeDb from its control thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initiator/node_db/record.h"
#include "initiator/portal.h"

namespace uiscsi::initiator::node_db {

// The version written into "# BEGIN RECORD".
inline constexpr std::string_view kRecordVersion = "uiscsi-0.1";

struct NodeKey {
  std::string target;  // node.name
  Portal portal;       // node.conn[0].address / port
  std::int32_t tpgt = -1;

  friend bool operator==(const NodeKey&, const NodeKey&) = default;
};

// Whether `name` can name a directory of the database: not empty, no '/', no NUL, not "."
// or "..", at most 223 bytes (RFC 7143 4.2.7.1: iSCSI names are at most 223 bytes).
bool valid_target_name(std::string_view name) noexcept;

// "<address>,<port>,<tpgt>" and back (nullopt for anything else).
std::string portal_directory_name(const Portal& portal, std::int32_t tpgt);
struct PortalDirectory {
  Portal portal;
  std::int32_t tpgt = -1;
};
std::optional<PortalDirectory> parse_portal_directory_name(std::string_view name);

class NodeDb {
 public:
  explicit NodeDb(std::filesystem::path root);
  const std::filesystem::path& root() const noexcept { return root_; }

  // Every node directory, sorted; entries that are not in the layout are named in
  // `problems` and skipped.
  std::vector<NodeKey> list_nodes(std::vector<std::string>& problems) const;
  // nullopt with `error` empty: no such node; with `error` set: unreadable or malformed.
  std::optional<Record> read_node(const NodeKey& key, std::string& error) const;
  bool write_node(const NodeKey& key, const Record& record, std::string& error) const;
  // Removes the node directory (and the target directory once empty) and every discovery
  // link to it.
  bool delete_node(const NodeKey& key, std::string& error) const;

  std::vector<Portal> list_discovery(std::vector<std::string>& problems) const;
  std::optional<Record> read_discovery(const Portal& portal, std::string& error) const;
  bool write_discovery(const Portal& portal, const Record& record, std::string& error) const;
  bool delete_discovery(const Portal& portal, std::string& error) const;
  // The nodes linked under a discovery portal (those its SendTargets reported).
  std::vector<NodeKey> discovered_nodes(const Portal& portal) const;
  bool link_discovered(const Portal& portal, const NodeKey& key, std::string& error) const;

  std::filesystem::path node_directory(const NodeKey& key) const;
  std::filesystem::path discovery_directory(const Portal& portal) const;

 private:
  std::filesystem::path root_;
};

}  // namespace uiscsi::initiator::node_db
