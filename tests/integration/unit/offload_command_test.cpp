// `ctl offload --conn ID tcp` through the dispatcher, with a fake switch.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "offload/error.h"
#include "target/control/offload_command.h"
#include "target/control/render.h"
#include "target/iscsi/error.h"

using namespace uiscsi;
using namespace uiscsi::target::control;

namespace {

struct FakeSwitch {
  std::vector<std::uint64_t> calls;
  std::string reason;
  std::error_code answer;
};

Request offload_request(boost::json::object args) { return {"offload", std::move(args)}; }

boost::json::object args(const char* conn, std::initializer_list<const char*> operands) {
  boost::json::object out;
  if (conn) out["conn"] = conn;
  boost::json::array list;
  for (const char* o : operands) list.emplace_back(o);
  if (operands.size() > 0) out["operands"] = std::move(list);
  return out;
}

}  // namespace

TEST_CASE("offload --conn ID tcp switches that connection", "[control][offload]") {
  FakeSwitch fake;
  Dispatcher dispatcher;
  add_offload_command(dispatcher, [&](std::uint64_t id, std::string_view reason) {
    fake.calls.push_back(id);
    fake.reason = reason;
    return fake.answer;
  });
  const auto ok = dispatcher.handle(offload_request(args("7", {"tcp"})));
  REQUIRE(ok.ok);
  CHECK(render_text(ok.result) == "connection 7 now uses tcp\n");
  CHECK(fake.calls == std::vector<std::uint64_t>{7});
  CHECK(fake.reason.find("ctl offload") != std::string::npos);

  SECTION("the switch's error is the answer") {
    fake.answer = target::iscsit::make_error_code(target::iscsit::errc::no_such_connection);
    const auto r = dispatcher.handle(offload_request(args("99", {"tcp"})));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "connection 99: no such connection");
    fake.answer = make_error_code(offload::errc::not_supported);
    CHECK_FALSE(dispatcher.handle(offload_request(args("7", {"tcp"}))).ok);
  }
  SECTION("bad requests never reach the switch") {
    fake.calls.clear();
    for (const auto& bad : {args(nullptr, {"tcp"}), args("x7", {"tcp"}), args("0", {"tcp"}), args("-1", {"tcp"}),
                            args("7", {}), args("7", {"tcp", "tcp"}), args("7", {"rdma"})}) {
      const auto r = dispatcher.handle(offload_request(bad));
      CHECK_FALSE(r.ok);
      CHECK_FALSE(r.error.empty());
    }
    // A real path other than tcp: explained, not attempted.
    const auto r = dispatcher.handle(offload_request(args("7", {"placement"})));
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("only be moved to tcp") != std::string::npos);
    CHECK(fake.calls.empty());
    // An option the command does not have.
    auto extra = args("7", {"tcp"});
    extra["force"] = true;
    CHECK_FALSE(dispatcher.handle(offload_request(extra)).ok);
    CHECK(fake.calls.empty());
  }
}
