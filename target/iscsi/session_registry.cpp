#include "target/iscsi/session_registry.h"

#include "target/iscsi/error.h"

namespace uiscsi::target::iscsit {
namespace {

bool same_nexus(const SessionIdentity& a, const SessionIdentity& b) noexcept {
  return a.type == b.type && a.isid == b.isid && a.initiator_name == b.initiator_name &&
         a.target_name == b.target_name && a.tpgt == b.tpgt;
}

}  // namespace

std::shared_ptr<Session> SessionRegistry::create(SessionIdentity identity, iscsi::SessionParams params,
                                                 std::shared_ptr<TargetRuntime> target, std::uint32_t first_cmd_sn,
                                                 std::uint32_t depth) {
  std::vector<std::shared_ptr<Session>> replaced;
  std::uint16_t tsih = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (same_nexus(it->second->identity(), identity)) {
        replaced.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    for (std::uint32_t tries = 0; tries < 65535 && tsih == 0; ++tries) {
      const std::uint16_t candidate = next_tsih_;
      next_tsih_ = next_tsih_ == 65535 ? 1 : static_cast<std::uint16_t>(next_tsih_ + 1);
      if (!sessions_.contains(candidate)) tsih = candidate;
    }
  }
  for (const auto& old : replaced) old->end(make_error_code(errc::reinstated));
  if (tsih == 0) return nullptr;
  auto session = std::make_shared<Session>(std::move(identity), tsih, std::move(params), std::move(target),
                                           first_cmd_sn, depth);
  std::lock_guard lock(mutex_);
  sessions_.emplace(tsih, session);
  return session;
}

std::shared_ptr<Session> SessionRegistry::find(std::uint16_t tsih) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(tsih);
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Session>> SessionRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> out;
  for (const auto& [tsih, session] : sessions_) out.push_back(session);
  return out;
}

void SessionRegistry::remove(const Session& session) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(session.tsih());
  if (it != sessions_.end() && it->second.get() == &session) sessions_.erase(it);
}

}  // namespace uiscsi::target::iscsit
