// From a node record (or a discovery record) to what a session is opened with: the
// SessionConfig of initiator/config.h and the data path of the connector. This is where
// the open-iscsi keys get their meaning:
//
//   node.session.auth.authmethod = CHAP       CHAP with username/password; mutual CHAP when
//   ..username_in / ..password_in              username_in and password_in are set too
//   node.session.auth.chap_algs                CHAP_A offered, in order (MD5,SHA1,SHA256,SHA3-256)
//   node.conn[0].iscsi.HeaderDigest/DataDigest None, CRC32C, or both in order of preference
//   node.session.timeo.replacement_timeout     Timeouts::replacement (seconds)
//   node.conn[0].timeo.login_timeout           Timeouts::login
//   node.conn[0].timeo.noop_out_*              Timeouts::nop_interval / nop_timeout
//   node.session.err_timeo.abort_timeout       Timeouts::task_management
//   node.conn[0].offload                       the data path (offload::Policy)
//   iface.initiatorname                        overrides the daemon's initiator name
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "initiator/config.h"
#include "initiator/node_db/record.h"
#include "offload/path.h"

namespace uiscsi::initiator::node_db {

struct SessionSettings {
  SessionConfig config;
  offload::Policy policy = offload::Policy::tcp;
};

struct SettingsResult {
  std::optional<SessionSettings> settings;  // nullopt: `error` names the key and why
  std::string error;
};

// A normal session to the node of `record`.
SettingsResult node_session_settings(const Record& record, std::string_view initiator_name);
// A discovery session to the portal of a st_config `record`.
SettingsResult discovery_session_settings(const Record& record, std::string_view initiator_name);

}  // namespace uiscsi::initiator::node_db
