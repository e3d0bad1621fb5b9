// The login timeout running out while the connect is still pending, through the real
// connector (offload::connect) to a listener that never answers the SYN: the message is the
// plain "connect to PORTAL timed out" on tcp, and carries what the path reports about the
// stalled connect when the path can tell (smc: the SMC handshake's state from SMC_DIAG;
// this host has no AF_SMC, so the smc path's words come from a tcp factory given the smc
// describe_pending words for the lab's stalled handshake).
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "helpers.h"
#include "initiator/connector.h"
#include "initiator/error.h"
#include "initiator/session.h"
#include "offload/detail/smc_pending.h"
#include "offload/full_listener.h"
#include "offload/tcp_transport.h"

namespace uiscsi::initiator {
namespace {

namespace asio = boost::asio;

SessionConfig config_for(const offload::SocketAddress& portal) {
  SessionConfig config;
  config.initiator_name = "iqn.2024-01.org.uiscsi:unit-test";
  config.target_name = "iqn.2024-01.org.uiscsi:never";
  config.portal = {"127.0.0.1", portal.port()};
  config.timeouts.login = std::chrono::milliseconds{200};
  return config;
}

}  // namespace

TEST_CASE("connect timeout: a tcp connect that never completes says only that it timed out", "[login][connect_timeout]") {
  const offload::test::FullListener full;
  asio::io_context io;
  const SessionConfig config = config_for(full.address());
  const SessionOpen o = test::run(io, Session::open(io, config, make_connector(io, offload::Registry::with_builtin_paths())));
  CHECK_FALSE(o.session);
  CHECK(o.ec == errc::login_timeout);
  CHECK(o.error == "connect to " + config.portal.to_string() + " timed out");
  test::drain(io);
}

TEST_CASE("connect timeout: the message says what the path reports about the stalled connect", "[login][connect_timeout]") {
  const offload::test::FullListener full;
  offload::TransportFactory tcp = offload::tcp_factory();
  int asked = 0;
  tcp.describe_pending = [&asked](int) {
    ++asked;
    offload::detail::SmcDiagEntry stalled;  // the kernel lab's Soft-RoCE stall
    stalled.state = 2;                      // SMC_INIT
    stalled.mode = static_cast<std::uint8_t>(offload::detail::SmcMode::smcr);
    return offload::detail::describe_pending_smc_connect(stalled, {});
  };
  offload::Registry registry;
  registry.add(tcp);
  asio::io_context io;
  const SessionConfig config = config_for(full.address());
  const SessionOpen o = test::run(io, Session::open(io, config, make_connector(io, registry)));
  CHECK_FALSE(o.session);
  CHECK(o.ec == errc::login_timeout);
  CHECK(o.error == "connect to " + config.portal.to_string() +
                       " timed out: SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)");
  CHECK(asked == 1);
  test::drain(io);
}

}  // namespace uiscsi::initiator
