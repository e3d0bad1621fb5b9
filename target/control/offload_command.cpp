#include "target/control/offload_command.h"

#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "offload/path.h"

namespace uiscsi::target::control {
namespace {

// The fallback reason the connection shows afterwards ("switched to tcp: ...").
constexpr std::string_view kReason = "requested with ctl offload";

std::optional<std::uint64_t> parse_id(const boost::json::value* value) {
  if (!value || !value->is_string()) return std::nullopt;
  const std::string_view text = value->as_string();
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id == 0) return std::nullopt;
  return id;
}

Outcome run_offload(const SwitchToTcp& switch_to_tcp, const boost::json::object& args) {
  const auto id = parse_id(args.if_contains("conn"));
  if (!id) return Outcome::failure("--conn ID: the connection's ID, a number as `ctl connections` shows it");
  const auto* operands = args.if_contains("operands");
  if (!operands || !operands->is_array() || operands->as_array().size() != 1 ||
      !operands->as_array()[0].is_string()) {
    return Outcome::failure("give one data path: offload --conn ID tcp");
  }
  const std::string_view path = operands->as_array()[0].as_string();
  const std::optional<offload::Path> wanted = offload::path_from_name(path);
  if (!wanted) return Outcome::failure("'" + std::string(path) + "' is not a data path (tcp, placement, smc, iser)");
  if (*wanted != offload::Path::tcp) {
    return Outcome::failure("'" + std::string(path) +
                            "': a running connection can only be moved to tcp; the other paths are chosen when "
                            "it connects (the portal's offload setting)");
  }
  if (const std::error_code ec = switch_to_tcp(*id, kReason)) {
    return Outcome::failure("connection " + std::to_string(*id) + ": " + ec.message());
  }
  return {make_message("connection " + std::to_string(*id) + " now uses tcp"), {}};
}

}  // namespace

void add_offload_command(Dispatcher& dispatcher, SwitchToTcp switch_to_tcp) {
  auto shared = std::make_shared<const SwitchToTcp>(std::move(switch_to_tcp));
  dispatcher.add({"offload", "offload --conn ID tcp",
                  "move connection ID back to the plain tcp data path, at run time, losing no I/O",
                  {"conn", "operands"},
                  [shared](const boost::json::object& args) { return run_offload(*shared, args); }});
}

}  // namespace uiscsi::target::control
