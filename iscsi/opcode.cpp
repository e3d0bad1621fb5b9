#include "iscsi/opcode.h"

namespace uiscsi::iscsi {

bool is_known(Opcode op) noexcept { return name(op) != "unknown"; }

std::string_view name(Opcode op) noexcept {
  switch (op) {
    case Opcode::nop_out: return "NOP-Out";
    case Opcode::scsi_command: return "SCSI Command";
    case Opcode::task_management_request: return "Task Management Function Request";
    case Opcode::login_request: return "Login Request";
    case Opcode::text_request: return "Text Request";
    case Opcode::scsi_data_out: return "SCSI Data-Out";
    case Opcode::logout_request: return "Logout Request";
    case Opcode::snack_request: return "SNACK Request";
    case Opcode::nop_in: return "NOP-In";
    case Opcode::scsi_response: return "SCSI Response";
    case Opcode::task_management_response: return "Task Management Function Response";
    case Opcode::login_response: return "Login Response";
    case Opcode::text_response: return "Text Response";
    case Opcode::scsi_data_in: return "SCSI Data-In";
    case Opcode::logout_response: return "Logout Response";
    case Opcode::r2t: return "R2T";
    case Opcode::async_message: return "Asynchronous Message";
    case Opcode::reject: return "Reject";
  }
  return "unknown";
}

}  // namespace uiscsi::iscsi
