// Reject (RFC 7143 11.17).
#include <cstring>

#include "iscsi/pdu_reject.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

void Connection::reject(const iscsi::Bhs& header, iscsi::RejectReason reason) {
  iscsi::Reject r;
  r.reason = reason;
  // The data segment is the complete header of the rejected PDU (RFC 7143 11.17).
  std::vector<std::byte> data(header.raw.begin(), header.raw.end());
  send({.bhs = r.encode(), .data = std::move(data)});
}

void Connection::reject_command(const iscsi::Bhs& header, iscsi::RejectReason reason) {
  reject(header, reason);
  if (!header.immediate()) order(header.u32(24), Ordered{weak_from_this(), nullptr, std::nullopt});
}

}  // namespace uiscsi::target::iscsit
