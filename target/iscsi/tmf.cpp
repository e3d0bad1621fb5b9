// Task management functions (RFC 7143 11.5, 11.6; SAM-5 7).
#include "iscsi/pdu_task_management.h"
#include "iscsi/scsi_lun.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

using iscsi::TmfFunction;
using iscsi::TmfResponse;

void Connection::on_task_management(const iscsi::Pdu& pdu) {
  const iscsi::TaskManagementRequest request = iscsi::TaskManagementRequest::decode(pdu.bhs);
  iscsi::TaskManagementResponse response;
  response.initiator_task_tag = request.initiator_task_tag;

  TargetRuntime& target = *session_->target();
  const std::optional<std::uint16_t> lun = iscsi::scsi::decode_lun(request.lun);
  const bool lun_exists = lun && target.scsi().find(*lun);

  // Every session of this target: the task set of a logical unit is shared by all I_T
  // nexuses (TST=000b in the control mode page).
  const auto sessions_of_target = [&] {
    std::vector<std::shared_ptr<Session>> out;
    for (auto& s : core_->sessions.all()) {
      if (s->target() == session_->target()) out.push_back(std::move(s));
    }
    return out;
  };
  // An aborted task gets no response of its own (TaskReporting=RFC3720, RFC 7143 13.23).
  const auto abort = [&](const std::shared_ptr<Task>& task) {
    task->aborted.store(true, std::memory_order_relaxed);
    const std::shared_ptr<Connection> owner = task->connection.lock();
    if (owner.get() == this) {
      drop_task(task);
    } else if (owner) {
      owner->abort(task);
    }
  };
  const auto abort_where = [&](const std::vector<std::shared_ptr<Session>>& sessions, auto&& match) {
    for (const auto& s : sessions) {
      for (const auto& task : s->tasks_where(match)) abort(task);
    }
  };
  const auto on_lun = [&](const Task& t) { return t.lun() == request.lun; };

  bool end_sessions = false;
  switch (request.function) {
    case TmfFunction::abort_task: {
      const std::shared_ptr<Task> task = session_->find_task(request.referenced_task_tag);
      if (task && task->lun() == request.lun) {
        abort(task);
        response.response = TmfResponse::function_complete;
      } else {
        // RFC 7143 11.5.1 b, c: a command that never arrived but whose CmdSN is in the
        // window counts as received (and so aborted); anything else does not exist.
        std::vector<Ordered> released;
        const bool consumed = session_->consume_missing(request.ref_cmd_sn, request.cmd_sn, released);
        for (Ordered& r : released) {
          const auto owner = r.connection.lock();
          if (owner.get() == this) {
            handle(std::move(r));
          } else if (owner) {
            owner->deliver(std::move(r));
          } else {
            session_->finished();
          }
        }
        response.response = consumed ? TmfResponse::function_complete : TmfResponse::task_does_not_exist;
      }
      break;
    }
    case TmfFunction::abort_task_set:
      if (!lun_exists) {
        response.response = TmfResponse::lun_does_not_exist;
        break;
      }
      abort_where({session_}, on_lun);
      response.response = TmfResponse::function_complete;
      break;
    case TmfFunction::clear_task_set:
      if (!lun_exists) {
        response.response = TmfResponse::lun_does_not_exist;
        break;
      }
      abort_where(sessions_of_target(), on_lun);
      response.response = TmfResponse::function_complete;
      break;
    case TmfFunction::logical_unit_reset:
      if (!lun_exists) {
        response.response = TmfResponse::lun_does_not_exist;
        break;
      }
      abort_where(sessions_of_target(), on_lun);
      response.response = target.scsi().lun_reset(request.lun);
      break;
    case TmfFunction::target_warm_reset:
    case TmfFunction::target_cold_reset:
      abort_where(sessions_of_target(), [](const Task&) { return true; });
      response.response = target.scsi().target_reset();
      // RFC 7143 11.5.1: after a cold reset the target drops every session of the target.
      end_sessions = request.function == TmfFunction::target_cold_reset;
      break;
    case TmfFunction::task_reassign:
      // Reassigning allegiance needs ErrorRecoveryLevel 2 (RFC 7143 6.2.2, 11.5.1).
      response.response = TmfResponse::task_allegiance_reassignment_not_supported;
      break;
    case TmfFunction::clear_aca:
      // We never establish ACA: the NACA bit is not supported.
      response.response = TmfResponse::function_not_supported;
      break;
    default:
      response.response = TmfResponse::function_rejected;
      break;
  }
  if (!end_sessions) {
    send({.bhs = response.encode()});
    return;
  }
  reason_ = make_error_code(errc::target_reset);
  send({.bhs = response.encode(), .close_after = true});
  for (const auto& s : sessions_of_target()) {
    if (s != session_) s->end(make_error_code(errc::target_reset));
  }
}

}  // namespace uiscsi::target::iscsit
