#include "probe/options.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

namespace uiscsi::probe {
namespace {

const std::set<std::string> kFlags = {"reflect-challenge", "header-digest", "data-digest", "fua", "verbose"};

}  // namespace

std::string Options::get(const std::string& name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

std::uint64_t Options::number(const std::string& name, std::uint64_t fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : std::strtoull(it->second.c_str(), nullptr, 0);
}

std::optional<Options> parse_options(int argc, char** argv, std::string& error) {
  if (argc < 2) {
    error = "usage: uiscsi-probe COMMAND [--portal HOST:PORT] [--target IQN] [OPTIONS]";
    return std::nullopt;
  }
  Options options;
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.starts_with("--")) {
      options.operands.push_back(arg);
      continue;
    }
    const std::string name = arg.substr(2);
    if (kFlags.count(name)) {
      options.values[name] = "";
    } else if (i + 1 < argc) {
      options.values[name] = argv[++i];
    } else {
      error = arg + " needs a value";
      return std::nullopt;
    }
  }
  return options;
}

LoginOptions login_options(const Options& options) {
  LoginOptions login;
  login.target_name = options.get("target");
  login.initiator_name = options.get("initiator", login.initiator_name);
  if (options.has("chap-user")) {
    login.chap = iscsi::ChapCredentials::from_text(options.get("chap-user"), options.get("chap-secret"));
  }
  if (options.has("mutual-user")) {
    login.mutual = iscsi::ChapCredentials::from_text(options.get("mutual-user"), options.get("mutual-secret"));
  }
  if (options.has("chap-algorithms")) {
    // CHAP_A numbers, in order of preference: "7,5".
    login.algorithms.clear();
    std::string list = options.get("chap-algorithms");
    for (std::size_t at = 0; at <= list.size();) {
      const auto comma = std::min(list.find(',', at), list.size());
      if (const auto a = iscsi::chap_algorithm_from_number(std::strtoull(list.c_str() + at, nullptr, 10))) {
        login.algorithms.push_back(*a);
      }
      at = comma + 1;
    }
  }
  login.reflect_challenge = options.has("reflect-challenge");
  login.header_digest = options.has("header-digest");
  login.data_digest = options.has("data-digest");
  login.verbose = options.has("verbose");
  return login;
}

std::unique_ptr<Client> connect_and_login(const Options& options) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_portal(options.get("portal"), host, port)) {
    std::cerr << "uiscsi-probe: --portal HOST:PORT is required\n";
    return nullptr;
  }
  std::string error;
  auto client = Client::connect(host, port, error);
  if (!client) {
    std::cerr << "uiscsi-probe: " << error << '\n';
    return nullptr;
  }
  const LoginResult result = client->login(login_options(options));
  if (!result.logged_in) {
    std::cerr << "uiscsi-probe: login failed: " << result.error << '\n';
    return nullptr;
  }
  return client;
}

}  // namespace uiscsi::probe
