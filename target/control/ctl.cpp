// `uiscsi-target ctl`: see daemon.h.
#include <ostream>

#include "target/control/control_client.h"
#include "target/control/daemon.h"
#include "target/control/render.h"

namespace uiscsi::target::control {

int run_ctl(const CommandLine& command_line, std::ostream& out, std::ostream& err) {
  std::string error;
  const auto response = call(command_line.socket_path(), command_line.request, error);
  if (!response) {
    err << "uiscsi-target ctl: " << error << '\n';
    return kExitFailure;
  }
  if (!response->ok) {
    err << "uiscsi-target ctl " << command_line.request.command << ": " << response->error << '\n';
    return kExitFailure;
  }
  out << (command_line.json ? render_json(response->result) : render_text(response->result));
  return kExitOk;
}

}  // namespace uiscsi::target::control
