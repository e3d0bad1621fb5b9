#include "target/config/toml_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "offload/socket_address.h"
#include "target/config/detail/readers.h"
#include "target/config/detail/toml_reader.h"
#include "target/config/embedded_default.h"
#include "target/config/iscsi_name.h"
#include "target/config/portal_text.h"

namespace uiscsi::target::config {
namespace {

using detail::Findings;
using detail::position_of;
using detail::SecretRegistry;
using detail::TableReader;

// A portal is a string "ADDR:PORT" or an inline table {address, port, offload}.
std::optional<iscsit::Portal> read_portal(const toml::node& node, const std::string& key_path,
                                          offload::Policy group_policy, Findings& findings) {
  if (const auto* text = node.as_string()) {
    std::string error;
    auto portal = parse_portal(text->get(), error);
    if (!portal) {
      findings.error(position_of(node.source()), key_path + ": " + error);
      return std::nullopt;
    }
    portal->offload = group_policy;
    return portal;
  }
  const auto* table = node.as_table();
  if (!table) {
    findings.error(position_of(node.source()),
                   key_path + ": expected \"ADDR:PORT\" or {address = ..., port = ...}, found " +
                       std::string(detail::type_name(node)));
    return std::nullopt;
  }
  TableReader reader(*table, key_path, findings);
  iscsit::Portal portal;
  portal.offload = group_policy;
  const auto address = reader.string("address");
  const auto port = reader.integer("port", 0, 65535);
  if (port) portal.port = static_cast<std::uint16_t>(*port);
  if (auto policy = detail::read_policy(reader, "offload")) portal.offload = *policy;
  reader.finish();
  if (!address) {
    if (!table->contains("address")) findings.error(reader.position(), key_path + ".address is missing");
    return std::nullopt;
  }
  if (!offload::SocketAddress::ip(*address, portal.port)) {
    findings.error(reader.position("address"),
                   key_path + ".address: '" + *address + "' is not a numeric IPv4 or IPv6 address");
    return std::nullopt;
  }
  portal.address = *address;
  return portal;
}

std::vector<iscsit::Portal> read_portals(TableReader& table, offload::Policy policy) {
  std::vector<iscsit::Portal> portals;
  const toml::array* list = table.array("portals");
  if (!list) return portals;
  if (list->empty()) table.findings().error(table.position("portals"), table.key_path("portals") + " is empty");
  for (const toml::node& element : *list) {
    if (auto portal = read_portal(element, table.key_path("portals"), policy, table.findings())) {
      portals.push_back(std::move(*portal));
    }
  }
  return portals;
}

class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) {}

  iscsit::Config load(const toml::table& root) {
    TableReader top(root, "", findings_);
    iscsit::Config config;
    if (auto v = top.integer("login_timeout", 1, 3600)) config.login_timeout = std::chrono::seconds(*v);
    if (const toml::table* discovery = top.table("discovery")) {
      TableReader reader(*discovery, "discovery", findings_);
      config.discovery = read_discovery(reader);
      reader.finish();
    }
    detail::for_each_table(top, "target", [&](TableReader& target) {
      config.targets.push_back(read_target(target));
    });
    top.finish();
    if (!root.contains("target")) {
      findings_.error({}, "no [[target]] is defined; the daemon would serve nothing");
    }
    secrets_.check(findings_);
    return config;
  }

  Findings& findings() noexcept { return findings_; }

 private:
  iscsit::DiscoveryConfig read_discovery(TableReader& discovery) {
    iscsit::DiscoveryConfig out;
    if (auto v = discovery.boolean("enabled")) out.enabled = *v;
    if (const toml::table* chap = discovery.table("chap")) {
      TableReader reader(*chap, "discovery.chap", findings_);
      out.chap = detail::read_chap(reader, secrets_);
      reader.finish();
    }
    if (const toml::table* nop = discovery.table("nop")) {
      TableReader reader(*nop, "discovery.nop", findings_);
      out.nop = detail::read_nop(reader);
      reader.finish();
    }
    return out;
  }

  iscsit::TargetNode read_target(TableReader& target) {
    iscsit::TargetNode node;
    if (const auto name = target.string("name")) {
      node.name = normalize_iscsi_name(*name);
      if (const auto problem = iscsi_name_problem(node.name)) {
        findings_.error(target.position("name"), "target.name '" + *name + "': " + *problem);
      } else if (const auto [it, fresh] = target_names_.emplace(node.name, target.position("name").line);
                 !fresh) {
        findings_.error(target.position("name"), "target.name: '" + node.name +
                                                     "' is already defined at line " +
                                                     std::to_string(it->second));
      }
    } else if (!target.table().contains("name")) {
      findings_.error(target.position(), "target.name is missing");
    }
    const std::string label = node.name.empty() ? std::string("this target") : node.name;
    if (auto alias = target.string("alias")) node.alias = *alias;
    if (auto policy = detail::read_policy(target, "offload")) node.offload = *policy;

    read_portal_groups(target, node, label);
    read_luns(target, node, label);
    read_acl(target, node);
    if (const toml::table* chap = target.table("chap")) {
      TableReader reader(*chap, "target.chap", findings_);
      node.chap = detail::read_chap(reader, secrets_);
      reader.finish();
    }
    if (const toml::table* limits = target.table("limits")) {
      TableReader reader(*limits, "target.limits", findings_);
      node.limits = detail::read_limits(reader);
      reader.finish();
    }
    if (const toml::table* nop = target.table("nop")) {
      TableReader reader(*nop, "target.nop", findings_);
      node.nop = detail::read_nop(reader);
      reader.finish();
    }
    return node;
  }

  void read_portal_groups(TableReader& target, iscsit::TargetNode& node, const std::string& label) {
    const bool shorthand = target.table().contains("portals");
    if (shorthand && target.table().contains("portal_group")) {
      findings_.error(target.position("portals"),
                      "target.portals and [[target.portal_group]] cannot be combined; "
                      "put these portals in a portal group");
    }
    if (shorthand) {
      node.portal_groups.push_back({1, read_portals(target, offload::Policy::auto_)});
    }
    std::map<std::uint16_t, std::uint32_t> tags;  // TPGT -> line
    detail::for_each_table(target, "portal_group", [&](TableReader& group) {
      iscsit::PortalGroup out;
      if (auto tag = group.integer("tag", 0, 65535)) {
        out.tag = static_cast<std::uint16_t>(*tag);
      } else if (!group.table().contains("tag")) {
        findings_.error(group.position(), "target.portal_group.tag is missing");
      }
      if (const auto [it, fresh] = tags.emplace(out.tag, group.position("tag").line); !fresh) {
        findings_.error(group.position("tag"), "target.portal_group.tag " + std::to_string(out.tag) +
                                                   " is already used at line " + std::to_string(it->second));
      }
      const auto policy = detail::read_policy(group, "offload").value_or(offload::Policy::auto_);
      out.portals = read_portals(group, policy);
      if (!group.table().contains("portals")) {
        findings_.error(group.position(), "target.portal_group.portals is missing");
      }
      node.portal_groups.push_back(std::move(out));
    });

    std::map<std::string, std::uint16_t> seen;  // "addr:port" -> TPGT
    std::size_t count = 0;
    for (const auto& group : node.portal_groups) {
      for (const auto& portal : group.portals) {
        ++count;
        const auto [it, fresh] = seen.emplace(format_portal(portal), group.tag);
        if (!fresh) {
          findings_.error(target.position(), "target " + label + ": portal " + it->first +
                                                 " appears twice (a portal belongs to one portal group)");
        }
      }
    }
    // Empty lists are reported where they are; this is about a target that names none.
    if (count == 0 && !shorthand && !target.table().contains("portal_group") &&
        options_.listen.empty()) {
      findings_.error(target.position(), "target " + label +
                                             " has no portal: add portals = [\"127.0.0.1:3260\"] "
                                             "or start the daemon with --listen");
    }
  }

  void read_luns(TableReader& target, iscsit::TargetNode& node, const std::string& label) {
    std::map<std::int64_t, std::uint32_t> numbers;  // LUN -> line
    detail::for_each_table(target, "lun", [&](TableReader& lun) {
      auto out = detail::read_lun(lun, options_.base_directory);
      // Duplicates are judged on the number alone, so a LUN with other problems still
      // claims its number.
      const toml::node* number = lun.table().get("number");
      if (const auto* value = number ? number->as_integer() : nullptr) {
        const auto [it, fresh] = numbers.emplace(value->get(), lun.position("number").line);
        if (!fresh) {
          findings_.error(lun.position("number"), "target.lun.number: LUN " + std::to_string(value->get()) +
                                                      " of " + label + " is already defined at line " +
                                                      std::to_string(it->second));
          return;
        }
      }
      if (out) node.luns.push_back(std::move(*out));
    });
    if (!target.table().contains("lun")) {
      findings_.warning(target.position(), "target " + label +
                                               " has no [[target.lun]]; initiators will see no disk");
    }
  }

  void read_acl(TableReader& target, iscsit::TargetNode& node) {
    const toml::array* list = target.array("allowed_initiators");
    if (!list) return;
    for (const toml::node& element : *list) {
      const auto* text = element.as_string();
      if (!text) {
        findings_.error(position_of(element.source()),
                        "target.allowed_initiators: expected an initiator name, found " +
                            std::string(detail::type_name(element)));
        continue;
      }
      std::string name = normalize_iscsi_name(text->get());
      if (const auto problem = iscsi_name_problem(name)) {
        findings_.error(position_of(element.source()),
                        "target.allowed_initiators: '" + text->get() + "': " + *problem);
      } else if (std::find(node.allowed_initiators.begin(), node.allowed_initiators.end(), name) !=
                 node.allowed_initiators.end()) {
        findings_.warning(position_of(element.source()),
                          "target.allowed_initiators: '" + name + "' is listed twice");
      } else {
        node.allowed_initiators.push_back(std::move(name));
      }
    }
    if (list->empty()) {
      // An empty list reads as "nobody", but the model's empty list means "everybody".
      findings_.error(target.position("allowed_initiators"),
                      "target.allowed_initiators is empty; remove the key to allow every initiator");
    }
  }

  const LoadOptions& options_;
  Findings findings_;
  SecretRegistry secrets_;
  std::map<std::string, std::uint32_t> target_names_;  // name -> line
};

}  // namespace

LoadResult parse_config(std::string_view text, std::string_view source_name,
                        const LoadOptions& options) {
  LoadResult result;
  toml::table root;
  try {
    root = toml::parse(text, std::string(source_name));
  } catch (const toml::parse_error& e) {
    result.diagnostics.push_back(
        {Severity::error, position_of(e.source()), std::string(e.description())});
    return result;
  }
  Loader loader(options);
  iscsit::Config config = loader.load(root);
  if (!options.listen.empty()) use_portals(config, options.listen);
  if (!loader.findings().has_errors()) {
    // The model's own rules, for anything the located checks above do not cover.
    for (std::string& problem : iscsit::validate(config)) {
      loader.findings().error({}, std::move(problem));
    }
  }
  const bool ok = !loader.findings().has_errors();
  result.diagnostics = loader.findings().take();
  if (ok) result.config = std::move(config);
  return result;
}

LoadResult load_config_file(const std::filesystem::path& file, const std::vector<iscsit::Portal>& listen) {
  const auto fail = [](std::string message) {
    LoadResult result;
    result.diagnostics.push_back({Severity::error, {}, std::move(message)});
    return result;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) return fail("is a directory, not a configuration file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(std::string("cannot open: ") + std::strerror(errno));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return fail(std::string("cannot read: ") + std::strerror(errno));

  LoadOptions options;
  options.base_directory = std::filesystem::absolute(file).parent_path();
  options.listen = listen;
  return parse_config(text, file.string(), options);
}

}  // namespace uiscsi::target::config
