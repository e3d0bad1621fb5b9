#include "initiator/daemon/control_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace uiscsi::initiator::daemon {
namespace asio = boost::asio;

std::optional<Response> call(const std::filesystem::path& socket_path, const Request& request, std::string& error,
                             CallFailure& failure, std::chrono::seconds timeout) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(socket_path.string()), ec);
  if (ec) {
    failure = CallFailure::not_connected;
    error = "can not connect to uiscsid at " + socket_path.string() + ": " + ec.message() +
            " (is uiscsid running? --socket PATH names another socket)";
    return std::nullopt;
  }
  // A daemon that accepts but never answers must not hang the caller.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  failure = CallFailure::io;
  asio::write(socket, asio::buffer(encode_request(request)), ec);
  if (ec) {
    error = "cannot send to " + socket_path.string() + ": " + ec.message();
    return std::nullopt;
  }
  std::string line;
  const std::size_t length = asio::read_until(socket, asio::dynamic_buffer(line, kMaxLineBytes), '\n', ec);
  if (ec) {
    error = ec == asio::error::would_block || ec == asio::error::try_again
                ? "no answer from uiscsid within " + std::to_string(timeout.count()) + " s"
                : "no answer from uiscsid: " + ec.message();
    return std::nullopt;
  }
  auto response = decode_response(std::string_view(line).substr(0, length), error);
  if (!response) error = "bad answer from uiscsid: " + error;
  else failure = CallFailure::none;
  return response;
}

}  // namespace uiscsi::initiator::daemon
