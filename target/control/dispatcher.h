// The table of control commands: name -> handler. A new command (e.g. `offload` to move a
// connection to another data path) is one add() call; `uiscsi-target ctl` needs no change,
// because results describe their own presentation (see protocol.h).
//
// Threading: handle() runs handlers on the caller's thread (the daemon's control
// io_context); handlers must be safe to call there (Server's snapshots are thread-safe).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "target/control/protocol.h"

namespace uiscsi::target::control {

// What a handler returns: a result, or an error sentence for the caller.
struct Outcome {
  boost::json::value result;
  std::string error;  // non-empty: the request failed

  static Outcome failure(std::string why) { return {nullptr, std::move(why)}; }
};

struct Command {
  std::string name;
  std::string usage;    // "connections", "offload --conn ID PATH"
  std::string summary;  // one line, for `ctl help`
  // Option names the command accepts (without "--"); any other is refused before the
  // handler runs, so a typo never passes silently.
  std::vector<std::string> options;
  std::function<Outcome(const boost::json::object& args)> run;
};

class Dispatcher {
 public:
  // Comes with `help`, which lists the commands (its handler refers to this object, hence
  // neither copyable nor movable).
  Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Replaces a command of the same name.
  void add(Command command);

  // One request line in, one response line out ('\n' included). Never throws for bad
  // input: malformed requests, unknown commands and unknown options get an error response.
  std::string handle(std::string_view request_line) const;
  Response handle(const Request& request) const;

  const std::vector<Command>& commands() const noexcept { return commands_; }

 private:
  Outcome help() const;

  std::vector<Command> commands_;
};

}  // namespace uiscsi::target::control
