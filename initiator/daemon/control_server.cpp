#include "initiator/daemon/control_server.h"

namespace uiscsi::initiator::daemon {

std::unique_ptr<ControlServer> open_control_server(boost::asio::io_context& io, const std::filesystem::path& path,
                                                   Handler handler, std::string& error) {
  auto answer = [handler = std::move(handler)](std::string line) -> boost::asio::awaitable<std::string> {
    std::string why;
    auto request = decode_request(line, why);
    Response response = Response::failure(7, "bad request: " + why);
    if (request) response = co_await handler(std::move(*request));
    co_return encode_response(response);
  };
  return ControlServer::open(io, path, std::move(answer),
                             {kMaxLineBytes, encode_response(Response::failure(7, "request line too long")),
                              "a running uiscsid (use --socket PATH)"},
                             error);
}

}  // namespace uiscsi::initiator::daemon
