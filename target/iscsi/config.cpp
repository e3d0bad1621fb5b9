#include "target/iscsi/config.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "iscsi/keys.h"
#include "offload/socket_address.h"

namespace uiscsi::target::iscsit {
namespace {

bool all_hex(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool known_chap_algorithm(std::uint8_t a) noexcept { return a >= 5 && a <= 8; }

void check_chap(const ChapConfig& chap, const std::string& where, std::vector<std::string>& out) {
  if (!chap.initiator && !chap.mutual) return;
  if (chap.mutual && !chap.initiator) {
    out.push_back(where + ": mutual CHAP needs the initiator's CHAP credentials too");
  }
  for (const auto* c : {&chap.initiator, &chap.mutual}) {
    if (!*c) continue;
    if ((*c)->username.empty()) out.push_back(where + ": CHAP username is empty");
    // RFC 7143 9.2.1: fewer than 96 random bits needs IPsec, which we do not do.
    if ((*c)->secret.size() < 12) out.push_back(where + ": CHAP secret is shorter than 12 bytes");
  }
  if (chap.initiator && chap.mutual && chap.initiator->secret == chap.mutual->secret) {
    out.push_back(where + ": the mutual CHAP secret must differ from the initiator's (RFC 7143 9.2.1)");
  }
  if (chap.algorithms.empty()) out.push_back(where + ": no CHAP algorithm allowed");
  for (std::uint8_t a : chap.algorithms) {
    if (!known_chap_algorithm(a)) {
      out.push_back(where + ": unknown CHAP_A value " + std::to_string(a) + " (5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256)");
    }
  }
}

void check_range(std::uint64_t value, std::uint64_t min, std::uint64_t max, std::string_view key,
                 const std::string& where, std::vector<std::string>& out) {
  if (value < min || value > max) {
    out.push_back(where + ": " + std::string(key) + "=" + std::to_string(value) + " is outside " +
                  std::to_string(min) + ".." + std::to_string(max));
  }
}

void check_limits(const NegotiationLimits& l, const std::string& where, std::vector<std::string>& out) {
  check_range(l.max_recv_data_segment_length, 512, 16777215, "MaxRecvDataSegmentLength", where, out);
  check_range(l.max_burst_length, 512, 16777215, "MaxBurstLength", where, out);
  check_range(l.first_burst_length, 512, 16777215, "FirstBurstLength", where, out);
  check_range(l.max_outstanding_r2t, 1, 65535, "MaxOutstandingR2T", where, out);
  check_range(l.max_connections, 1, 65535, "MaxConnections", where, out);
  check_range(l.default_time2wait, 0, 3600, "DefaultTime2Wait", where, out);
  check_range(l.default_time2retain, 0, 3600, "DefaultTime2Retain", where, out);
  // RFC 7143 13.14: FirstBurstLength MUST NOT exceed MaxBurstLength.
  if (l.first_burst_length > l.max_burst_length) {
    out.push_back(where + ": FirstBurstLength is above MaxBurstLength (RFC 7143 13.14)");
  }
  if (l.header_digests.empty() || l.data_digests.empty()) {
    out.push_back(where + ": the HeaderDigest and DataDigest lists must not be empty");
  }
}

void check_nop(const NopConfig& nop, const std::string& where, std::vector<std::string>& out) {
  if (nop.interval.count() < 0 || nop.timeout.count() < 0) {
    out.push_back(where + ": NOP-In interval and timeout must not be negative");
  } else if (nop.interval.count() > 0 && nop.timeout.count() == 0) {
    out.push_back(where + ": NOP-In pings need a timeout above 0");
  }
}

void check_target(const TargetNode& t, std::vector<std::string>& out) {
  const std::string where = "target " + t.name;
  if (!valid_iscsi_name(t.name)) out.push_back(where + ": not an iqn./eui./naa. iSCSI name");
  if (t.portal_groups.empty()) out.push_back(where + ": no portal group");
  std::set<std::uint16_t> tags;
  for (const PortalGroup& g : t.portal_groups) {
    if (!tags.insert(g.tag).second) out.push_back(where + ": duplicate TPGT " + std::to_string(g.tag));
    if (g.portals.empty()) out.push_back(where + ": portal group " + std::to_string(g.tag) + " has no portal");
    for (const Portal& p : g.portals) {
      if (!offload::SocketAddress::ip(p.address, p.port)) {
        out.push_back(where + ": portal address '" + p.address + "' is not a numeric IPv4/IPv6 address");
      }
    }
  }
  // A portal in two groups of one target would make the TPGT of a connection ambiguous.
  std::set<std::pair<std::string, std::uint16_t>> portals;
  for (const PortalGroup& g : t.portal_groups) {
    for (const Portal& p : g.portals) {
      if (!portals.insert({p.address, p.port}).second) {
        out.push_back(where + ": portal " + p.address + ":" + std::to_string(p.port) + " is in two portal groups");
      }
    }
  }
  std::set<std::uint16_t> luns;
  for (const Lun& l : t.luns) {
    if (l.number > 16383) out.push_back(where + ": LUN " + std::to_string(l.number) + " is above 16383");
    if (!luns.insert(l.number).second) out.push_back(where + ": duplicate LUN " + std::to_string(l.number));
  }
  for (const std::string& name : t.allowed_initiators) {
    if (!valid_iscsi_name(name)) out.push_back(where + ": allowed initiator '" + name + "' is not an iSCSI name");
  }
  check_chap(t.chap, where, out);
  check_limits(t.limits, where, out);
  check_nop(t.nop, where, out);
}

}  // namespace

std::vector<std::string> validate(const Config& config) {
  std::vector<std::string> out;
  std::set<std::string> names;
  for (const TargetNode& t : config.targets) {
    if (!names.insert(t.name).second) out.push_back("target " + t.name + ": defined twice");
    check_target(t, out);
  }
  check_chap(config.discovery.chap, "discovery", out);
  check_nop(config.discovery.nop, "discovery", out);
  if (config.login_timeout.count() <= 0) out.push_back("login timeout must be above 0");
  return out;
}

// RFC 7143 4.2.7.2 (iqn.), 4.2.7.3 (eui.), 4.2.7.4 (naa.); names are compared after
// stringprep normalisation, so an iqn. name has no upper-case letters.
bool valid_iscsi_name(std::string_view name) noexcept {
  if (name.size() > iscsi::kMaxIscsiNameLength) return false;
  if (name.starts_with("eui.")) return name.size() == 4 + 16 && all_hex(name.substr(4));
  if (name.starts_with("naa.")) {
    const auto hex = name.substr(4);
    return (hex.size() == 16 || hex.size() == 32) && all_hex(hex);
  }
  if (!name.starts_with("iqn.")) return false;
  // iqn.yyyy-mm.reversed.domain[:anything]
  const std::string_view rest = name.substr(4);
  if (rest.size() < 9 || rest[4] != '-' || rest[7] != '.') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  }
  return std::all_of(rest.begin() + 8, rest.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::islower(u) || std::isdigit(u) || c == '-' || c == '.' || c == ':';
  });
}

bool same_lun(const Lun& a, const Lun& b) {
  const BackendConfig& x = a.backend;
  const BackendConfig& y = b.backend;
  const scsi::LuConfig& u = a.unit;
  const scsi::LuConfig& v = b.unit;
  return a.number == b.number && x.kind == y.kind && x.path == y.path && x.size_bytes == y.size_bytes &&
         x.block_size == y.block_size && x.read_only == y.read_only && x.raid == y.raid && u.vendor == v.vendor &&
         u.product == v.product && u.revision == v.revision && u.serial == v.serial &&
         u.ieee_company_id == v.ieee_company_id && u.pr_state_file == v.pr_state_file &&
         u.write_protect == v.write_protect && u.max_transfer_bytes == v.max_transfer_bytes &&
         u.max_unmap_blocks == v.max_unmap_blocks && u.max_unmap_descriptors == v.max_unmap_descriptors &&
         u.max_write_same_blocks == v.max_write_same_blocks &&
         u.max_compare_and_write_blocks == v.max_compare_and_write_blocks;
}

bool initiator_allowed(const TargetNode& target, std::string_view initiator_name) noexcept {
  if (target.allowed_initiators.empty()) return true;
  return std::find(target.allowed_initiators.begin(), target.allowed_initiators.end(), initiator_name) !=
         target.allowed_initiators.end();
}

}  // namespace uiscsi::target::iscsit
