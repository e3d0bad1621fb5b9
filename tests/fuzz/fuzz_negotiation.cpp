// libFuzzer target: arbitrary key=value text received by a target-side and an
// initiator-side Negotiator (iscsi/negotiation.h), through several exchanges.
//
// Input: one byte of settings, then texts separated by 0xff bytes (0xff never occurs in
// the keys we know); each text starts with a byte that picks the stage (0 security,
// 1 operational, 2 the reserved code, 3 Full Feature Phase). The target's reply to each
// text is also fed to the initiator. Besides "no crash, no leak, bounded memory", it
// checks that whatever a negotiator sends is valid text, and that a successful result
// keeps the RFC's rules between keys.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_require.h"
#include "iscsi/negotiation.h"
#include "iscsi/text.h"

using namespace uiscsi::iscsi;

namespace {

NegotiatorConfig make_config(Role role, std::uint8_t flags) {
  NegotiatorConfig c;
  c.role = role;
  c.session_type = (flags & 1) ? SessionType::discovery : SessionType::normal;
  if (flags & 2) c.existing_session = SessionParams{};
  c.local.rdma_extensions = (flags & 4) != 0;
  if (flags & 8) c.local.auth_methods = {AuthMethod::chap, AuthMethod::none};
  if (flags & 16) c.local.header_digests = {DigestType::crc32c, DigestType::none};
  if (flags & 32) c.local.task_reporting = {TaskReporting::fast_abort, TaskReporting::rfc3720};
  c.local.max_burst_length = (flags & 64) ? 16384 : 1048576;
  c.max_pairs = (flags & 128) ? 8 : 1024;
  c.local.initiator_name = "iqn.2024-01.org.example:fuzz-initiator";
  c.local.target_name = "iqn.2024-01.org.example:fuzz-target";
  c.local.target_alias = "fuzz";
  c.local.target_portal_group_tag = 1;
  return c;
}

void require_valid_text(const TextPairs& pairs) {
  std::vector<std::byte> wire;
  require(!serialize_text(pairs, wire));
}

void check_result(const Negotiator& n) {
  NegotiatedParams p;
  if (n.result(p)) return;
  const SessionParams& s = p.session;
  require(s.first_burst_length <= s.max_burst_length);
  require(s.max_burst_length >= 512 && s.max_burst_length <= 16777215);
  require(s.max_connections >= 1);
  if (s.session_type == SessionType::discovery) require(s.max_connections == 1);
  if (s.error_recovery_level != ErrorRecoveryLevel::session && s.data_sequence_in_order) {
    require(s.max_outstanding_r2t == 1);
  }
  if (s.rdma_extensions) require(p.connection.header_digest == DigestType::none);
  require(p.connection.max_send_data_segment_length >= 512);
}

// Feeds one received text, then lets the negotiator add its own offers.
std::error_code step(Negotiator& n, const TextPairs& in, LoginStage stage, Exchange& ex) {
  const std::error_code ec = n.receive(in, stage, ex);
  if (ec) {
    require(ex.reply.empty() && ex.auth.empty() && ex.application.empty());
    return ec;
  }
  require(!n.offer(stage, ex.reply));
  require_valid_text(ex.reply);
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Negotiator target(make_config(Role::target, data[0]));
  Negotiator initiator(make_config(Role::initiator, data[0]));
  // A well-formed start: the initiator's first Login Request reaches the target; the
  // fuzzed texts then arrive at whatever state that left.
  Exchange start;
  require(!initiator.offer(LoginStage::security_negotiation, start.reply));
  require_valid_text(start.reply);
  Exchange reply;
  (void)step(target, start.reply, LoginStage::security_negotiation, reply);

  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty()) {
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != 0xff) ++end;
    const std::span<const std::uint8_t> chunk = rest.first(end);
    rest = rest.subspan(end == rest.size() ? end : end + 1);
    if (chunk.empty()) continue;

    const auto stage = static_cast<LoginStage>(chunk[0] & 3);
    TextPairs pairs;
    if (parse_text(std::as_bytes(chunk.subspan(1)), pairs)) continue;

    Exchange at_target;
    if (!step(target, pairs, stage, at_target)) {
      Exchange at_initiator;
      (void)step(initiator, at_target.reply, stage, at_initiator);
    }
    Exchange direct;
    (void)step(initiator, pairs, stage, direct);
  }
  check_result(target);
  check_result(initiator);
  return 0;
}
