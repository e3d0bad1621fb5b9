#include "target/control/dispatcher.h"

#include <algorithm>
#include <exception>

namespace uiscsi::target::control {

Dispatcher::Dispatcher() {
  add({"help", "help", "list the control commands", {}, [this](const boost::json::object&) { return help(); }});
}

void Dispatcher::add(Command command) {
  const auto it = std::find_if(commands_.begin(), commands_.end(),
                               [&](const Command& c) { return c.name == command.name; });
  if (it != commands_.end()) *it = std::move(command);
  else commands_.push_back(std::move(command));
}

Response Dispatcher::handle(const Request& request) const {
  const auto it = std::find_if(commands_.begin(), commands_.end(),
                               [&](const Command& c) { return c.name == request.command; });
  if (it == commands_.end()) {
    return {false, nullptr, "unknown command '" + request.command + "' (try 'help')"};
  }
  for (const auto& [name, value] : request.args) {
    if (std::find(it->options.begin(), it->options.end(), std::string_view(name)) == it->options.end()) {
      return {false, nullptr, "'" + request.command + "' has no option --" + std::string(name) +
                                  " (usage: " + it->usage + ")"};
    }
  }
  Outcome outcome;
  try {
    outcome = it->run(request.args);
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down through its control socket.
    return {false, nullptr, "'" + request.command + "' failed: " + e.what()};
  }
  if (!outcome.error.empty()) return {false, nullptr, std::move(outcome.error)};
  return {true, std::move(outcome.result), {}};
}

std::string Dispatcher::handle(std::string_view request_line) const {
  std::string error;
  const auto request = decode_request(request_line, error);
  if (!request) return encode_response({false, nullptr, "bad request: " + error});
  return encode_response(handle(*request));
}

Outcome Dispatcher::help() const {
  boost::json::array items;
  for (const Command& command : commands_) {
    items.push_back(boost::json::object{{"usage", command.usage}, {"summary", command.summary}});
  }
  const Column columns[] = {{"COMMAND", "/usage"}, {"WHAT IT DOES", "/summary"}};
  return {make_table(columns, std::move(items)), {}};
}

}  // namespace uiscsi::target::control
