// The command line of uiscsi-nbd (see help_text()).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initiator/nbd/iscsi_url.h"
#include "iscsi/chap_algorithm.h"
#include "offload/path.h"

namespace uiscsi::tools::nbd {

struct Options {
  initiator::nbd::IscsiUrl url;
  std::string socket;           // -k; the default when neither -k nor -p/-b is given
  std::optional<std::uint16_t> port;  // -p (0: any free port)
  std::string bind = "127.0.0.1";     // -b
  std::string export_name;            // -x
  std::optional<int> kernel_device;   // -c /dev/nbdN: the N
  std::string initiator_name = "iqn.2024-01.org.uiscsi:uiscsi-nbd";
  bool read_only = false;
  offload::Policy path = offload::Policy::tcp;  // --path: the iSCSI connection's data path
  std::string tls_certificate, tls_key;  // --tls-certificate / --tls-key: serve nbds://
  std::chrono::seconds replacement_timeout{120};
  std::chrono::seconds handshake_timeout{10};  // --handshake-timeout; 0: no limit
  std::uint32_t connections = 1;  // --connections: MaxConnections offered (MC/S)
  std::vector<iscsi::ChapAlgorithm> chap_algorithms;  // empty: the library's default
  bool help = false;
};

struct Parsed {
  std::optional<Options> options;
  std::string error;
};

// `environment` looks up LIBISCSI_CHAP_* variables (libiscsi's way to keep secrets off the
// command line); they fill in what the URL leaves out.
Parsed parse_options(const std::vector<std::string_view>& args,
                     std::optional<std::string> (*environment)(const char* name));
std::string help_text();

}  // namespace uiscsi::tools::nbd
