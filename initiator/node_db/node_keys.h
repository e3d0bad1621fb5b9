// The keys of node and discovery records: their names (open-iscsi's, so that records and
// `-o update -n NAME -v VALUE` commands carry over), default values and what each accepts.
//
// uiscsi adds one key of its own, node.conn[0].offload = auto|tcp|placement|smc|iser: the
// data path the connections of the node ask for (ARCHITECTURE.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "initiator/node_db/record.h"
#include "initiator/portal.h"

namespace uiscsi::initiator::node_db {

// open-iscsi's "unknown" portal group tag, for records made with `-o new`.
inline constexpr std::int32_t kTpgtUnknown = -1;

// A complete node record with every key at its default, in open-iscsi's order.
Record default_node_record(std::string_view target_name, const Portal& portal, std::int32_t tpgt);
// A complete SendTargets discovery record (st_config) for `portal`.
Record default_discovery_record(const Portal& portal);

// Sets `name` to `value` after checking both: "" on success, else why not (an unknown key,
// a key that names the record and cannot change, or a value outside what the key accepts).
std::string update_node_value(Record& record, std::string_view name, std::string_view value);
std::string update_discovery_value(Record& record, std::string_view name, std::string_view value);

// Fills in keys a record lacks (a record written by an older version or by hand) with their
// defaults, keeping every value it has.
void complete_node_record(Record& record);
void complete_discovery_record(Record& record);

// Whether the key holds a secret that `-o show` prints as "********" unless asked not to.
bool is_secret_key(std::string_view name) noexcept;

}  // namespace uiscsi::initiator::node_db
