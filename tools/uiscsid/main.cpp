// uiscsid: the initiator daemon (initiator/daemon/daemon.h).
#include <iostream>
#include <string_view>
#include <vector>

#include "initiator/daemon/daemon.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  return uiscsi::initiator::daemon::run_uiscsid(args, UISCSI_VERSION, std::cout, std::cerr);
}
