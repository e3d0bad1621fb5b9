// uiscsi-probe login: the outcome of one login, compared with --expect.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "probe/commands.h"

namespace uiscsi::probe {

int run_login(const Options& options) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_portal(options.get("portal"), host, port)) {
    std::cerr << "uiscsi-probe: --portal HOST:PORT is required\n";
    return 2;
  }
  std::string error;
  auto client = Client::connect(host, port, error);
  if (!client) {
    std::cout << "connect failed: " << error << '\n';
    return 1;
  }
  const LoginResult result = client->login(login_options(options));
  std::string outcome;
  if (result.logged_in) {
    outcome = "ok";
    std::cout << "logged in\n";
    if (!client->logout()) std::cout << "logout failed\n";
  } else if (result.status_class != 0) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x%02x", result.status_class, result.status_detail);
    outcome = code;
    std::cout << result.error << '\n';
  } else if (result.closed) {
    outcome = "closed";
    std::cout << "closed: " << result.error << '\n';
  } else {
    outcome = "error";
    std::cout << "error: " << result.error << '\n';
  }
  // --expect takes a comma-separated list of acceptable outcomes.
  std::istringstream expected(options.get("expect", "ok"));
  for (std::string one; std::getline(expected, one, ',');) {
    if (one == outcome) return 0;
  }
  std::cout << "expected " << options.get("expect", "ok") << ", got " << outcome << '\n';
  return 1;
}

}  // namespace uiscsi::probe
