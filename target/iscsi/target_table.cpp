#include "target/iscsi/target_table.h"

#include <algorithm>
#include <cstdio>

#include "target/backend/factory.h"

namespace uiscsi::target::iscsit {

std::string default_serial(std::string_view target_name, std::uint16_t lun) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : target_name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%016llx%04x", static_cast<unsigned long long>(hash), static_cast<unsigned>(lun));
  return text;
}

TargetRuntime::TargetRuntime(std::shared_ptr<const TargetNode> config, std::unique_ptr<scsi::Target> scsi)
    : config_(std::move(config)), scsi_(std::move(scsi)) {}

std::error_code TargetRuntime::add_lun(scsi::Target& target, const TargetNode& config, const Lun& lun) {
  std::error_code ec;
  std::unique_ptr<Backend> backend = make_backend(lun.backend, ec);
  if (!backend) return ec;
  scsi::LuConfig unit = lun.unit;
  if (unit.serial.empty()) unit.serial = default_serial(config.name, lun.number);
  if (unit.pr_state_file.empty()) unit.pr_state_file = pr_state_file_for(lun.backend);
  return target.add_lun(lun.number, std::move(backend), std::move(unit));
}

std::shared_ptr<TargetRuntime> TargetRuntime::create(const TargetNode& config, scsi::AbortTasksHandler abort_tasks,
                                                     std::string& error) {
  scsi::TargetConfig sc;
  sc.name = config.name;
  sc.relative_target_ports.clear();
  for (std::size_t i = 0; i < config.portal_groups.size(); ++i) {
    sc.relative_target_ports.push_back(static_cast<std::uint16_t>(i + 1));
  }
  if (sc.relative_target_ports.empty()) sc.relative_target_ports.push_back(1);
  sc.abort_tasks = std::move(abort_tasks);
  auto scsi = std::make_unique<scsi::Target>(std::move(sc));
  for (const Lun& lun : config.luns) {
    if (auto ec = add_lun(*scsi, config, lun)) {
      error = "target " + config.name + " LUN " + std::to_string(lun.number) + ": " + ec.message();
      return nullptr;
    }
  }
  return std::shared_ptr<TargetRuntime>(
      new TargetRuntime(std::make_shared<const TargetNode>(config), std::move(scsi)));
}

void TargetRuntime::update(const TargetNode& config, std::vector<std::string>& errors) {
  std::lock_guard lock(update_mutex_);
  const std::shared_ptr<const TargetNode> old = config_.load();
  // What really runs afterwards: a LUN that fails keeps its old description, so the next
  // apply() compares against the truth.
  TargetNode applied = config;
  applied.luns.clear();
  const auto find = [](const std::vector<Lun>& luns, std::uint16_t number) {
    return std::find_if(luns.begin(), luns.end(), [&](const Lun& l) { return l.number == number; });
  };
  const auto report = [&](const Lun& lun, const char* what, const std::error_code& ec) {
    errors.push_back("target " + config.name + " LUN " + std::to_string(lun.number) + ": cannot " + what + ": " +
                     ec.message());
  };
  for (const Lun& was : old->luns) {
    if (find(config.luns, was.number) != config.luns.end()) continue;
    if (auto ec = scsi_->remove_lun(was.number)) {
      report(was, "remove", ec);
      applied.luns.push_back(was);
    }
  }
  for (const Lun& lun : config.luns) {
    const auto was = find(old->luns, lun.number);
    if (was != old->luns.end() && same_lun(*was, lun)) {
      applied.luns.push_back(lun);
      continue;
    }
    if (was != old->luns.end()) {
      if (auto ec = scsi_->remove_lun(lun.number)) {
        report(lun, "replace", ec);
        applied.luns.push_back(*was);
        continue;
      }
    }
    if (auto ec = add_lun(*scsi_, config, lun)) {
      report(lun, "add", ec);
      continue;
    }
    applied.luns.push_back(lun);
  }
  config_.store(std::make_shared<const TargetNode>(std::move(applied)));
}

std::uint16_t TargetRuntime::relative_port_of(std::uint16_t tpgt) const {
  const auto config = config_.load();
  for (std::size_t i = 0; i < config->portal_groups.size(); ++i) {
    if (config->portal_groups[i].tag == tpgt) return static_cast<std::uint16_t>(i + 1);
  }
  return 1;
}

void TargetRuntime::flush_all() {
  for (std::uint16_t lun : scsi_->luns()) {
    if (auto unit = scsi_->find(lun)) (void)unit->backend().flush();
  }
}

std::shared_ptr<TargetRuntime> TargetTable::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto it = targets_.find(name);
  return it == targets_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<TargetRuntime>> TargetTable::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<TargetRuntime>> out;
  out.reserve(targets_.size());
  for (const auto& [name, target] : targets_) out.push_back(target);
  return out;
}

void TargetTable::put(std::shared_ptr<TargetRuntime> target) {
  const std::string name = target->config()->name;
  std::lock_guard lock(mutex_);
  targets_[name] = std::move(target);
}

std::shared_ptr<TargetRuntime> TargetTable::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  const auto it = targets_.find(name);
  if (it == targets_.end()) return nullptr;
  auto out = std::move(it->second);
  targets_.erase(it);
  return out;
}

}  // namespace uiscsi::target::iscsit
