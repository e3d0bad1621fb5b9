#include "bench/nbd_export.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "offload/owned_fd.h"

namespace uiscsi::bench {
namespace {

bool accepts(const std::string& path) {
  offload::OwnedFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof a.sun_path) return false;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  // The server sees a client that leaves before the handshake: both servers handle it.
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace

std::optional<NbdExport> start_nbd_export(const std::string& name, std::vector<std::string> argv, const IscsiUrl& url,
                                          const std::string& dir, std::string& error) {
  const std::string socket = dir + "/" + name + ".sock";
  const std::string log = dir + "/" + name + ".log";
  argv.insert(argv.end(), {"-k", socket, url.to_string()});
  auto process = ChildProcess::start(argv, ChildProcess::Output::to_file, log, error);
  if (!process) return std::nullopt;
  for (int i = 0; i < 200; ++i) {
    if (!process->running()) break;
    if (accepts(socket)) return NbdExport{name, std::move(*process), socket};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream in(log);
  error = name + " did not serve " + socket + ": " +
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()).substr(0, 2000);
  return std::nullopt;
}

}  // namespace uiscsi::bench
