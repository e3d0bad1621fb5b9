// The pieces of the configuration schema, one reader per section (see toml_loader.h for
// the schema). Each takes a TableReader over its table, reports problems into the reader's
// Findings, and returns what it could read: on an error the caller still gets a value
// (defaults where the input was bad) so that one run reports every problem.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offload/path.h"
#include "target/config/detail/toml_reader.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::config::detail {

// Every CHAP secret of the file and which way it authenticates, because RFC 7143 9.2.1
// forbids a secret that authenticates initiators to also authenticate a target, anywhere.
class SecretRegistry {
 public:
  void add(std::string secret, bool authenticates_initiator, SourcePosition where,
           std::string key_path);
  // One error per target-authenticating (mutual) secret that also authenticates initiators.
  void check(Findings& findings) const;

 private:
  struct Use {
    std::string secret;
    bool authenticates_initiator;
    SourcePosition where;
    std::string key_path;
  };
  std::vector<Use> uses_;
};

// [target.chap] / [discovery.chap] with its [*.mutual] table.
iscsit::ChapConfig read_chap(TableReader& chap, SecretRegistry& secrets);

// [target.limits]: the RFC 7143 key names. Checks FirstBurstLength <= MaxBurstLength.
iscsit::NegotiationLimits read_limits(TableReader& limits);

// [target.nop] / [discovery.nop]: interval and timeout in seconds.
iscsit::NopConfig read_nop(TableReader& nop);

// One [[target.lun]]. Relative paths are taken from `base_directory`. nullopt when the LUN
// is unusable (no number, unknown backend kind, ...); the errors are reported.
std::optional<iscsit::Lun> read_lun(TableReader& lun, const std::filesystem::path& base_directory);

// A path from the file: absolute as given, relative ones taken from `base`.
std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& path);

// The raid keys of a [[target.lun]] with backend = "raid" (members, rebuild_rate, force)
// into `backend`, with its members' superblocks checked; false when the LUN is unusable.
bool read_raid_members(TableReader& lun, const std::filesystem::path& base_directory, BackendConfig& backend);

// An offload policy name ("auto", "tcp", "placement", "smc", "iser") under `key`.
std::optional<offload::Policy> read_policy(TableReader& table, std::string_view key);

// Calls fn(TableReader&) for each table of the array of tables `key` ([[key]] or
// key = [{...}, ...]), then finish()es it. Reports a plain table ("[key]" instead of
// "[[key]]") and elements that are not tables.
template <class Fn>
void for_each_table(TableReader& parent, std::string_view key, Fn&& fn) {
  const toml::node* node = parent.node(key);
  if (!node) return;
  const auto* array = node->as_array();
  if (!array) {
    parent.findings().error(position_of(node->source()),
                            parent.key_path(key) + ": expected an array of tables ([[" +
                                parent.key_path(key) + "]]), found " +
                                std::string(type_name(*node)));
    return;
  }
  for (const toml::node& element : *array) {
    const auto* table = element.as_table();
    if (!table) {
      parent.findings().error(position_of(element.source()),
                              parent.key_path(key) + ": expected a table, found " +
                                  std::string(type_name(element)));
      continue;
    }
    TableReader reader(*table, parent.key_path(key), parent.findings());
    fn(reader);
    reader.finish();
  }
}

}  // namespace uiscsi::target::config::detail
