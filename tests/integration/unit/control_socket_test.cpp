// The control socket: a real Unix socket between ControlServer and call().
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <random>
#include <thread>

#include "target/control/control_client.h"
#include "target/control/control_server.h"
#include "target/control/dispatcher.h"

using namespace uiscsi::target::control;
namespace asio = boost::asio;

namespace {

// A fresh directory under the system temp directory, removed at the end of the test.
struct TempDir {
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("uiscsi-ctl-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

// Runs an io_context on a thread for the lifetime of the object.
struct Runner {
  Runner() : guard(asio::make_work_guard(io)) {}
  void start() { thread = std::thread([this] { io.run(); }); }
  // Closes `server` on the io_context's thread (as ControlServer requires) and waits until
  // nothing is left to run.
  void finish(ControlServer& server) {
    asio::post(io, [&server] { server.close(); });
    guard.reset();
    thread.join();
  }
  ~Runner() {
    io.stop();
    if (thread.joinable()) thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::thread thread;
};

Dispatcher& echo_dispatcher() {
  static Dispatcher dispatcher;
  static const bool added = [] {
    dispatcher.add({"echo", "echo --text T", "repeat T", {"text"},
                    [](const boost::json::object& args) -> Outcome {
                      const auto* text = args.if_contains("text");
                      if (!text || !text->is_string()) return Outcome::failure("--text is required");
                      return {make_message(text->as_string()), {}};
                    }});
    return true;
  }();
  (void)added;
  return dispatcher;
}

// Leaves a socket file behind with nothing listening, like a daemon killed with SIGKILL.
void leave_stale_socket(const std::filesystem::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
  REQUIRE(std::filesystem::is_socket(path));
}

}  // namespace

TEST_CASE("a request travels to the daemon and back", "[control][socket]") {
  TempDir dir;
  const auto path = dir.path / "run" / "uiscsi-target.sock";  // parent created on demand
  Runner runner;
  std::string error;
  auto server = open_control_server(runner.io, path, echo_dispatcher(), error);
  INFO(error);
  REQUIRE(server);
  runner.start();

  CHECK(std::filesystem::is_socket(path));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(path.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  auto response = call(path, {"echo", {{"text", "hello"}}}, error);
  REQUIRE(response);
  CHECK(response->ok);
  CHECK(response->result.at("message") == "hello");

  response = call(path, {"echo", {}}, error);
  REQUIRE(response);
  CHECK_FALSE(response->ok);
  CHECK(response->error == "--text is required");

  response = call(path, {"help", {}}, error);
  REQUIRE(response);
  CHECK(response->ok);

  runner.finish(*server);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(call(path, {"help", {}}, error));
  CHECK_THAT(error, Catch::Contains("cannot connect"));
}

TEST_CASE("one connection carries several requests, answered in order", "[control][socket]") {
  TempDir dir;
  const auto path = dir.path / "c.sock";
  Runner runner;
  std::string error;
  auto server = open_control_server(runner.io, path, echo_dispatcher(), error);
  REQUIRE(server);
  runner.start();

  asio::io_context io;
  asio::local::stream_protocol::socket client(io);
  client.connect(asio::local::stream_protocol::endpoint(path.string()));
  // Two requests in one write, and a third split across writes.
  const std::string first = encode_request({"echo", {{"text", "1"}}}) + encode_request({"echo", {{"text", "2"}}});
  const std::string third = encode_request({"echo", {{"text", "3"}}});
  asio::write(client, asio::buffer(first));
  asio::write(client, asio::buffer(third.substr(0, 5)));
  asio::write(client, asio::buffer(third.substr(5)));
  std::string buffer;
  for (const char* expected : {"1", "2", "3"}) {
    const auto n = asio::read_until(client, asio::dynamic_buffer(buffer), '\n');
    const auto response = decode_response(buffer.substr(0, n), error);
    buffer.erase(0, n);
    REQUIRE(response);
    CHECK(response->result.at("message") == expected);
  }

  // A request split at every byte boundary: one byte per write.
  const std::string trickle = encode_request({"echo", {{"text", "slow"}}});
  for (const char byte : trickle) asio::write(client, asio::buffer(&byte, 1));
  {
    const auto n = asio::read_until(client, asio::dynamic_buffer(buffer), '\n');
    const auto response = decode_response(buffer.substr(0, n), error);
    buffer.erase(0, n);
    REQUIRE(response);
    CHECK(response->result.at("message") == "slow");
  }

  // A line longer than kMaxLineBytes is answered once, then the connection is dropped.
  asio::local::stream_protocol::socket flooder(io);
  flooder.connect(asio::local::stream_protocol::endpoint(path.string()));
  const std::string flood(kMaxLineBytes + 1, 'x');
  boost::system::error_code ec;
  asio::write(flooder, asio::buffer(flood), ec);
  buffer.clear();
  const auto n = asio::read_until(flooder, asio::dynamic_buffer(buffer), '\n', ec);
  REQUIRE_FALSE(ec);
  const auto response = decode_response(buffer.substr(0, n), error);
  REQUIRE(response);
  CHECK(response->error == "request line too long");

  runner.finish(*server);
}

TEST_CASE("a stale socket file is replaced, a live one is not", "[control][socket]") {
  TempDir dir;
  const auto path = dir.path / "c.sock";
  leave_stale_socket(path);
  Runner runner;
  std::string error;
  auto server = open_control_server(runner.io, path, echo_dispatcher(), error);
  INFO(error);
  REQUIRE(server);
  runner.start();

  asio::io_context other;
  auto second = open_control_server(other, path, echo_dispatcher(), error);
  CHECK_FALSE(second);
  CHECK_THAT(error, Catch::Contains("already in use"));
  // The refused second daemon left the first one's socket alone.
  CHECK(call(path, {"help", {}}, error));

  runner.finish(*server);
}

TEST_CASE("paths that must not be used", "[control][socket]") {
  TempDir dir;
  asio::io_context io;
  std::string error;

  const auto file = dir.path / "regular";
  std::ofstream(file) << "not a socket";
  CHECK_FALSE(open_control_server(io, file, echo_dispatcher(), error));
  CHECK_THAT(error, Catch::Contains("is not a socket"));
  CHECK(std::filesystem::is_regular_file(file));  // untouched

  const auto long_path = dir.path / std::string(120, 'x');
  CHECK_FALSE(open_control_server(io, long_path, echo_dispatcher(), error));
  CHECK_THAT(error, Catch::Contains("longer than"));
}
