// LocalSettings seen key by key: what we offer or declare for each key, and the check that
// our own settings are valid before we negotiate with them.
#pragma once

#include <system_error>

#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/keys.h"
#include "iscsi/negotiation_params.h"

namespace uiscsi::iscsi::detail {

// Our value for `id` in a session of `type`, seen from `role`. Not present for keys our
// side never sends (e.g. TargetAlias for an initiator), optional declarations left empty,
// and keys that are only ever answered (SendTargets, the obsolete marker keys).
LocalValue local_value(const LocalSettings& settings, KeyId id, Role role, SessionType type);

// negotiation_errc::invalid_settings when a value is out of its key's range, a list is
// empty, or a name we must declare is missing or too long.
std::error_code check_settings(const LocalSettings& settings, Role role, SessionType type);

}  // namespace uiscsi::iscsi::detail
