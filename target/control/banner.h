// What uiscsi-target prints when it has started: every target with its LUNs and portals,
// then how to connect with open-iscsi and libiscsi, then where the control socket is.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "offload/socket_address.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::control {

struct BannerFacts {
  std::string_view version;
  // Server::listening(): the real ports of portals configured with port 0.
  std::vector<offload::SocketAddress> listening;
  // Backing files that did not exist before start (created sparse by the backend).
  std::vector<std::filesystem::path> created_files;
  std::filesystem::path control_socket;
};

std::string banner(const iscsit::Config& config, const BannerFacts& facts);

// A portal as the server really listens on it: port 0 replaced by the port the kernel gave
// the matching listener, "ADDR:PORT" / "[V6]:PORT".
std::string effective_portal(const iscsit::Portal& portal,
                             const std::vector<offload::SocketAddress>& listening);

}  // namespace uiscsi::target::control
