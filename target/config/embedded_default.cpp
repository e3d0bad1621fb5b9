#include "target/config/embedded_default.h"

#include "target/config/portal_text.h"

namespace uiscsi::target::config {

iscsit::Config embedded_default(const std::filesystem::path& data_directory) {
  iscsit::Lun lun;
  lun.number = 0;
  lun.backend.kind = BackendKind::file;
  lun.backend.path = data_directory / kDefaultLunFile;
  lun.backend.size_bytes = kDefaultLunBytes;
  lun.backend.block_size = 512;
  lun.unit.pr_state_file = pr_state_file_for(lun.backend);

  iscsit::TargetNode target;
  target.name = std::string(kDefaultTargetName);
  target.portal_groups.push_back({1, {{"127.0.0.1", kIscsiPort, offload::Policy::auto_}}});
  target.luns.push_back(std::move(lun));

  iscsit::Config config;
  config.targets.push_back(std::move(target));
  return config;
}

void use_portals(iscsit::Config& config, const std::vector<iscsit::Portal>& portals) {
  for (iscsit::TargetNode& target : config.targets) {
    target.portal_groups.assign(1, iscsit::PortalGroup{1, portals});
  }
}

}  // namespace uiscsi::target::config
