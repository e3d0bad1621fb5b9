#include "target/control/socket_path.h"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace uiscsi::target::control {

std::filesystem::path default_socket_path(const std::filesystem::path& data_directory) {
  constexpr const char* kName = "uiscsi-target.sock";
  if (::geteuid() == 0) return std::filesystem::path("/run/uiscsi") / kName;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
    std::error_code ec;
    if (std::filesystem::is_directory(runtime, ec)) return std::filesystem::path(runtime) / kName;
  }
  return data_directory / kName;
}

}  // namespace uiscsi::target::control
