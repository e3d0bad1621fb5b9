#include "target/control/control_server.h"

#include "target/control/dispatcher.h"
#include "target/control/protocol.h"

namespace uiscsi::target::control {

std::unique_ptr<ControlServer> open_control_server(boost::asio::io_context& io, const std::filesystem::path& path,
                                                   const Dispatcher& dispatcher, std::string& error) {
  auto answer = [&dispatcher](std::string line) -> boost::asio::awaitable<std::string> {
    co_return dispatcher.handle(line);
  };
  return ControlServer::open(io, path, answer,
                             {kMaxLineBytes, encode_response({false, nullptr, "request line too long"}),
                              "a running uiscsi-target (use --ctl PATH)"},
                             error);
}

}  // namespace uiscsi::target::control
