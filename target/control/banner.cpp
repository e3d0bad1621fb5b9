#include "target/control/banner.h"

#include <algorithm>
#include <system_error>

#include "target/config/portal_text.h"
#include "target/backend/raid/member_check.h"
#include "target/config/size_text.h"

namespace uiscsi::target::control {
namespace {

std::string describe_lun(const iscsit::Lun& lun, const BannerFacts& facts) {
  std::string out = "LUN " + std::to_string(lun.number) + ": ";
  std::uint64_t bytes = lun.backend.size_bytes;
  switch (lun.backend.kind) {
    case BackendKind::file: {
      out += "file " + lun.backend.path.string();
      std::error_code ec;
      if (const auto size = std::filesystem::file_size(lun.backend.path, ec); !ec) bytes = size;
      break;
    }
    case BackendKind::ram:
      out += "ram";
      break;
    case BackendKind::raid: {
      const auto check = raid::check_member_files(lun.backend.raid.members, lun.backend.raid.force);
      out += check.volume ? raid::describe(*check.volume) : std::string("raid");
      if (check.volume) bytes = check.volume->capacity_blocks * check.volume->block_size;
      break;
    }
  }
  out += ", " + config::format_size(bytes) + ", " + std::to_string(lun.backend.block_size) +
         "-byte blocks";
  if (lun.backend.read_only) out += ", read-only";
  if (std::find(facts.created_files.begin(), facts.created_files.end(), lun.backend.path) !=
      facts.created_files.end()) {
    out += " (created, sparse)";
  }
  return out;
}

std::string describe_access(const iscsit::TargetNode& target) {
  std::string out = "initiators: ";
  if (target.allowed_initiators.empty()) {
    out += "any";
  } else {
    for (std::size_t i = 0; i < target.allowed_initiators.size(); ++i) {
      out += (i ? ", " : "") + target.allowed_initiators[i];
    }
  }
  out += "; authentication: ";
  if (!target.chap.initiator) out += "none";
  else out += target.chap.mutual ? "mutual CHAP" : "CHAP";
  return out;
}

}  // namespace

std::string effective_portal(const iscsit::Portal& portal,
                             const std::vector<offload::SocketAddress>& listening) {
  if (portal.port == 0) {
    for (const auto& address : listening) {
      if (offload::SocketAddress::ip(portal.address, address.port()) == address) {
        return address.to_string();
      }
    }
  }
  return config::format_portal(portal);
}

std::string banner(const iscsit::Config& config, const BannerFacts& facts) {
  std::string out = "uiscsi-target " + std::string(facts.version) + ": serving " +
                    std::to_string(config.targets.size()) +
                    (config.targets.size() == 1 ? " target\n" : " targets\n");
  std::string first_portal;
  for (const auto& target : config.targets) {
    out += "  " + target.name + (target.alias.empty() ? "" : " (" + target.alias + ")") + "\n";
    for (const auto& lun : target.luns) out += "    " + describe_lun(lun, facts) + "\n";
    for (const auto& group : target.portal_groups) {
      out += "    portal group " + std::to_string(group.tag) + ":";
      for (const auto& portal : group.portals) {
        const std::string where = effective_portal(portal, facts.listening);
        if (first_portal.empty()) first_portal = where;
        out += " " + where;
      }
      out += "\n";
    }
    out += "    " + describe_access(target) + "\n";
  }
  if (!first_portal.empty() && !config.targets.empty()) {
    const auto& name = config.targets.front().name;
    out += "Connect with open-iscsi:\n";
    out += "  iscsiadm -m discovery -t st -p " + first_portal + "\n";
    out += "  iscsiadm -m node -T " + name + " -p " + first_portal + " --login\n";
    out += "or with libiscsi:\n";
    out += "  iscsi-ls -s iscsi://" + first_portal + "\n";
    out += "  iscsi-inq iscsi://" + first_portal + "/" + name + "/" +
           (config.targets.front().luns.empty() ? std::string("0")
                                                 : std::to_string(config.targets.front().luns.front().number)) +
           "\n";
  }
  out += "Status: uiscsi-target ctl connections --socket " + facts.control_socket.string() + "\n";
  return out;
}

}  // namespace uiscsi::target::control
