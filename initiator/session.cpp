#include "initiator/session.h"

#include <boost/asio/io_context.hpp>

#include "initiator/detail/session_core.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;

std::string_view to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::logged_in: return "logged in";
    case SessionState::draining: return "draining";
    case SessionState::recovering: return "recovering";
    case SessionState::failed: return "failed";
    case SessionState::closed: return "closed";
  }
  return "unknown";
}

asio::awaitable<SessionOpen> Session::open(asio::io_context& io, SessionConfig config, Connector connector) {
  auto core = std::make_shared<detail::SessionCore>(io.get_executor(), std::move(config), std::move(connector));
  std::string why;
  if (auto ec = co_await core->start(why)) co_return SessionOpen{nullptr, ec, std::move(why)};
  co_return SessionOpen{std::unique_ptr<Session>(new Session(std::move(core))), {}, {}};
}

Session::Session(std::shared_ptr<detail::SessionCore> core) : core_(std::move(core)) {}

Session::~Session() { core_->close(); }

// Each operation holds the core for as long as it runs, so destroying the handle
// meanwhile only closes the session.
asio::awaitable<CommandResult> Session::execute(const Command& command) {
  auto core = core_;
  co_return co_await core->execute(command);
}

asio::awaitable<TextResult> Session::text(iscsi::TextPairs request) {
  auto core = core_;
  co_return co_await core->text(std::move(request));
}

asio::awaitable<std::error_code> Session::reset_lun(std::uint64_t lun) {
  auto core = core_;
  co_return co_await core->reset_lun(lun);
}

asio::awaitable<std::error_code> Session::logout() {
  auto core = core_;
  co_return co_await core->logout();
}

void Session::close() noexcept { core_->close(); }
SessionInfo Session::info() const { return core_->info(); }
SessionState Session::state() const noexcept { return core_->state(); }
const SessionConfig& Session::config() const noexcept { return core_->config(); }
asio::any_io_executor Session::get_executor() const noexcept { return core_->executor(); }

}  // namespace uiscsi::initiator
