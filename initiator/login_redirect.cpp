// connect_and_login(): the connection, the login timeout and login redirection around
// login() (initiator/login.h).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <variant>

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
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(executor, config.timeouts.login);
    auto raced = co_await (connector(portal) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (raced.index() == 1) {
      out.login.ec = make_error_code(errc::login_timeout);
      out.login.error = "connect to " + portal.to_string() + " timed out";
      co_return out;
    }
    Connected c = std::get<0>(std::move(raced));
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
