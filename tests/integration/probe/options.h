// The command line of uiscsi-probe: `uiscsi-probe COMMAND [--name value | --flag]...`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probe/client.h"

namespace uiscsi::probe {

struct Options {
  std::string command;
  std::vector<std::string> operands;
  std::map<std::string, std::string> values;  // --name value (a flag has the value "")

  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = {}) const;
  std::uint64_t number(const std::string& name, std::uint64_t fallback) const;
};

// nullopt with `error` set for a malformed command line. Flags (no value) are the names in
// `flags`; every other option takes the next argument.
std::optional<Options> parse_options(int argc, char** argv, std::string& error);

// The login options the common flags describe:
//   --target IQN --initiator IQN --chap-user U --chap-secret S --mutual-user U
//   --mutual-secret S --reflect-challenge --chap-algorithms 7,5 --header-digest
//   --data-digest --verbose
LoginOptions login_options(const Options& options);

// Connects to --portal and logs in; on failure prints why to stderr and returns null.
std::unique_ptr<Client> connect_and_login(const Options& options);

}  // namespace uiscsi::probe
