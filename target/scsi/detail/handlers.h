// The command handlers, one per command (family). Each is called by the dispatcher after
// the common checks (unit attention, reservation conflict, CDB length and reserved bits,
// medium state), and decodes the rest of its CDB itself.
#pragma once

#include "target/scsi/command.h"
#include "target/scsi/detail/request.h"

namespace uiscsi::target::scsi::detail {

using Handler = Response (*)(Request&);

Response handle_test_unit_ready(Request& req);           // unit_state.cpp
Response handle_start_stop_unit(Request& req);           // unit_state.cpp
Response handle_prevent_allow_medium_removal(Request& req);  // unit_state.cpp
Response handle_request_sense(Request& req);             // request_sense.cpp
Response handle_inquiry(Request& req);                   // inquiry.cpp (+ vpd.cpp)
Response handle_read_capacity10(Request& req);           // read_capacity.cpp
Response handle_read_capacity16(Request& req);           // read_capacity.cpp
Response handle_read(Request& req);                      // read_write.cpp: READ 6/10/12/16
Response handle_write(Request& req);                     // read_write.cpp: WRITE 6/10/12/16
Response handle_write_and_verify(Request& req);          // read_write.cpp: 10/12/16
Response handle_verify(Request& req);                    // verify.cpp: 10/12/16
Response handle_synchronize_cache(Request& req);         // synchronize_cache.cpp: 10/16
Response handle_prefetch(Request& req);                  // prefetch.cpp: 10/16
Response handle_compare_and_write(Request& req);         // compare_and_write.cpp
Response handle_orwrite(Request& req);                   // orwrite.cpp: ORWRITE (16)
Response handle_write_same(Request& req);                // write_same.cpp: 10/16
Response handle_unmap(Request& req);                     // unmap.cpp
Response handle_get_lba_status(Request& req);            // get_lba_status.cpp
Response handle_mode_sense(Request& req);                // mode_sense_select.cpp: 6/10
Response handle_mode_select(Request& req);               // mode_sense_select.cpp: 6/10
Response handle_persistent_reserve_in(Request& req);     // pr_in.cpp
Response handle_persistent_reserve_out(Request& req);    // pr_out.cpp
Response handle_reserve6(Request& req);                  // reserve_release.cpp
Response handle_release6(Request& req);                  // reserve_release.cpp
Response handle_report_luns(Request& req);               // report_luns.cpp
Response handle_report_target_port_groups(Request& req); // report_target_port_groups.cpp
Response handle_report_supported_operation_codes(Request& req);  // report_opcodes.cpp

}  // namespace uiscsi::target::scsi::detail
