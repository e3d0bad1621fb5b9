// connect_and_login(): the connection, the login timeout and login redirection around
// login() (initiator/login.h).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "initiator/detail/watchdog.h"
#include "initiator/error.h"
#include "initiator/login.h"
#include "iscsi/login_status.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;

asio::awaitable<Established> connect_and_login(const Connector& connector, const SessionConfig& config,
                                               const LoginState& state, Portal portal) {
  const auto executor = co_await asio::this_coro::executor;
  Established out;
  for (unsigned redirects = 0;; ++redirects) {
    out.portal = portal;
    // The connection counts against the login timeout too: a SYN into the void would
    // otherwise wait for the kernel's own timeout, minutes past any replacement timeout.
    // When the timer wins, the connector is cancelled and still answers: what its connect
    // was stuck in (e.g. the kernel's SMC handshake) goes into the message.
    asio::steady_timer timer(executor, config.timeouts.login);
    auto [order, failure, c, timer_ec] =
        co_await asio::experimental::make_parallel_group(asio::co_spawn(executor, connector(portal), asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (failure) std::rethrow_exception(failure);
    if (order[0] == 1) {
      if (c.transport) c.transport->close();  // made just as the time ran out
      out.login.ec = make_error_code(errc::login_timeout);
      out.login.error = "connect to " + portal.to_string() + " timed out";
      if (!c.pending.empty()) out.login.error += ": " + c.pending;
      co_return out;
    }
    if (!c.transport) {
      out.login.ec = c.ec;
      out.login.error = c.error.empty() ? "connect to " + portal.to_string() + ": " + c.ec.message() : c.error;
      co_return out;
    }
    {
      detail::Watchdog watchdog(executor, *c.transport, config.timeouts.login);
      out.login = co_await login(*c.transport, config, state);
      if (watchdog.fired()) {
        out.login.ec = make_error_code(errc::login_timeout);
        out.login.error = "login to " + portal.to_string() + " timed out";
      }
    }
    if (!out.login.ec) {
      out.transport = std::move(c.transport);
      co_return out;
    }
    c.transport->close();
    if (!out.login.redirect) co_return out;
    // RFC 7143 11.13.5 Status-Class 1: log in at the address given instead. A temporary move
    // is not remembered: a later reconnection starts again at the configured portal.
    if (redirects >= config.max_redirects) {
      out.login.ec = make_error_code(errc::too_many_redirects);
      out.login.error = "more than " + std::to_string(config.max_redirects) + " login redirections";
      co_return out;
    }
    portal = out.login.redirect->portal;
  }
}

}  // namespace uiscsi::initiator
