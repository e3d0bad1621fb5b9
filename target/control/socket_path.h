// Where the control socket of uiscsi-target lives unless `--ctl PATH` says otherwise.
#pragma once

#include <filesystem>

namespace uiscsi::target::control {

// As root: /run/uiscsi/uiscsi-target.sock (the system-wide runtime directory). Otherwise
// $XDG_RUNTIME_DIR/uiscsi-target.sock when that variable names a directory, else
// `data_directory`/uiscsi-target.sock. The daemon and `uiscsi-target ctl` both use this,
// so with the same options they meet.
std::filesystem::path default_socket_path(const std::filesystem::path& data_directory);

}  // namespace uiscsi::target::control
