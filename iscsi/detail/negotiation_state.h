// The per-key state behind Negotiator (iscsi/negotiation.h), shared by the exchange logic
// (negotiation.cpp) and the building of the results (negotiation_result.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/keys.h"
#include "iscsi/negotiation.h"

namespace uiscsi::iscsi {
namespace detail {

enum class SlotState : std::uint8_t {
  open,            // not negotiated yet
  offered,         // we proposed; the answer is outstanding
  reply_optional,  // we proposed and our value alone fixed the outcome (AND/No, OR/Yes)
  settled,         // negotiated
};

struct Slot {
  SlotState state = SlotState::open;
  bool peer_declared = false;
  bool we_declared = false;
  // The negotiated outcome, or the peer's declaration; the default until then.
  KeyValue value;
};

// What one receive() produces before it is handed to the caller.
struct Pending {
  std::vector<std::optional<std::string>> answers;  // per received pair
  TextPairs auth;
  TextPairs application;
};

}  // namespace detail

struct Negotiator::State {
  NegotiatorConfig config;
  std::array<detail::LocalValue, kKeyCount> local;
  std::array<detail::Slot, kKeyCount> slots;
  std::vector<std::string> unknown_keys;  // answered NotUnderstood during this login
  std::error_code failed;

  explicit State(NegotiatorConfig c);

  detail::Slot& slot(KeyId id) noexcept { return slots[static_cast<std::size_t>(id)]; }
  const detail::Slot& slot(KeyId id) const noexcept { return slots[static_cast<std::size_t>(id)]; }
  const detail::LocalValue& ours(KeyId id) const noexcept {
    return local[static_cast<std::size_t>(id)];
  }
  Role peer_role() const noexcept {
    return config.role == Role::initiator ? Role::target : Role::initiator;
  }
  std::error_code fail(std::error_code ec) noexcept {
    failed = ec;
    return ec;
  }

  // The value a key has now, or will have if our pending offer goes through unchanged.
  std::uint64_t current_number(KeyId id) const noexcept {
    const detail::Slot& s = slot(id);
    return s.state == detail::SlotState::offered ? ours(id).number : s.value.number;
  }
  bool current_bool(KeyId id) const noexcept { return current_number(id) != 0; }

  // RFC 7143 13 "Use: LO" and "Irrelevant when", RFC 7145 6.
  bool relevant(const KeyInfo& key) const noexcept {
    if (key.leading_only && config.existing_session) return false;
    if (key.irrelevant_in_discovery && config.session_type == SessionType::discovery) return false;
    const bool rdma = current_bool(KeyId::RDMAExtensions);
    if (key.irrelevant_without_rdma && !rdma) return false;
    if (key.irrelevant_with_rdma && rdma) return false;
    if (key.needs_unsolicited_data && current_bool(KeyId::InitialR2T) &&
        !current_bool(KeyId::ImmediateData)) {
      return false;
    }
    return true;
  }

  std::error_code receive(std::span<const TextPair> pairs, LoginStage stage, Exchange& out);
  std::error_code offer(LoginStage stage, TextPairs& out);
  std::error_code result(NegotiatedParams& out) const;

  std::error_code check_duplicates(std::span<const TextPair> pairs, LoginStage stage) const;
  std::error_code handle(const TextPair& pair, const KeyInfo* key, LoginStage stage,
                         std::optional<std::string>& answer, detail::Pending& pending);
  std::error_code handle_unknown(const TextPair& pair, LoginStage stage,
                                 std::optional<std::string>& answer);
  std::error_code handle_declaration(const TextPair& pair, const KeyInfo& key);
  std::error_code handle_negotiated(const TextPair& pair, const KeyInfo& key,
                                    std::optional<std::string>& answer);
  std::optional<TextPair> plan_offer(const KeyInfo& key, LoginStage stage);
  std::error_code check_results() const;
  void fill_session(SessionParams& out) const;
  void fill_identity(SessionParams& out) const;
  void fill_connection(bool rdma, ConnectionParams& out) const;
};

}  // namespace uiscsi::iscsi
