#include "initiator/scsi_retry.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "initiator/session.h"
#include "iscsi/scsi_status.h"
#include "iscsi/sense.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;
using iscsi::scsi::SenseKey;

namespace {

enum class Verdict { done, retry_now, retry_later, retry_when_ready };

Verdict classify(const CommandResult& r) {
  if (!r.has_status) return Verdict::done;
  switch (static_cast<iscsi::scsi::Status>(r.status)) {
    case iscsi::scsi::Status::busy:
    case iscsi::scsi::Status::task_set_full: return Verdict::retry_later;
    case iscsi::scsi::Status::check_condition: break;
    default: return Verdict::done;
  }
  const auto code = iscsi::scsi::to_sense_code(r.ec);
  if (!code) return Verdict::done;
  if (code->key == SenseKey::unit_attention) return Verdict::retry_now;
  if (code->key == SenseKey::not_ready && code->additional == iscsi::scsi::asc::logical_unit_becoming_ready) {
    return Verdict::retry_when_ready;
  }
  return Verdict::done;
}

}  // namespace

asio::awaitable<CommandResult> execute_with_retries(Session& session, const Command& command,
                                                    const RetryPolicy& policy) {
  unsigned unit_attentions = 0, busy = 0, becoming_ready = 0;
  for (;;) {
    CommandResult r = co_await session.execute(command);
    Milliseconds pause{0};
    switch (classify(r)) {
      case Verdict::done: co_return r;
      case Verdict::retry_now:
        if (++unit_attentions > policy.unit_attentions) co_return r;
        break;
      case Verdict::retry_later:
        if (++busy > policy.busy) co_return r;
        pause = policy.busy_delay;
        break;
      case Verdict::retry_when_ready:
        if (++becoming_ready > policy.becoming_ready) co_return r;
        pause = policy.becoming_ready_delay;
        break;
    }
    if (pause.count() > 0) {
      asio::steady_timer timer(session.get_executor(), pause);
      (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
}

}  // namespace uiscsi::initiator
