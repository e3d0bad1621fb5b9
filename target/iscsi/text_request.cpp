// Text Request / Text Response in Full Feature Phase (RFC 7143 11.10, 11.11): SendTargets
// (discovery, Appendix C) and redeclarations, with continuation across PDUs both ways.
#include <algorithm>

#include "iscsi/pdu_text.h"
#include "iscsi/text.h"
#include "target/iscsi/connection.h"
#include "target/iscsi/discovery.h"

namespace uiscsi::target::iscsit {

void Connection::on_text_request(const iscsi::Pdu& pdu) {
  const iscsi::TextRequest request = iscsi::TextRequest::decode(pdu.bhs);
  if (request.target_transfer_tag != iscsi::kReservedTag) {
    // A follow-up names the TTT of our last response (RFC 7143 11.10.4).
    if (!text_ || text_->itt != request.initiator_task_tag || text_->ttt != request.target_transfer_tag) {
      text_.reset();
      return reject(pdu.bhs, iscsi::RejectReason::invalid_pdu_field);
    }
  } else if (text_) {
    // A request with the reserved TTT starts a new exchange and ends an unfinished one
    // (RFC 7143 11.10.4).
    text_.reset();
  }
  if (!text_) {
    text_.emplace();
    text_->itt = request.initiator_task_tag;
    text_->lun = request.lun;
  }
  if (text_->answering) {
    // The initiator asks for the next part of our answer, with an empty request.
    if (!pdu.data.empty()) {
      text_.reset();
      return reject(pdu.bhs, iscsi::RejectReason::protocol_error);
    }
    return send_text_segment();
  }
  if (text_->request.append(pdu.data, request.continue_)) {
    text_.reset();
    return reject(pdu.bhs, iscsi::RejectReason::protocol_error);
  }
  if (request.continue_) {
    // RFC 7143 11.10.2: each part of a continued request is answered with an empty
    // response whose TTT the next part carries.
    iscsi::TextResponse r;
    r.final = false;
    r.initiator_task_tag = text_->itt;
    r.lun = text_->lun;
    r.target_transfer_tag = text_->ttt = next_target_transfer_tag();
    send({.bhs = r.encode()});
    return;
  }
  iscsi::TextPairs pairs;
  if (text_->request.take(pairs)) {
    text_.reset();
    return reject(pdu.bhs, iscsi::RejectReason::protocol_error);
  }
  answer_text(pairs, pdu.bhs);
}

void Connection::answer_text(const iscsi::TextPairs& pairs, const iscsi::Bhs& header) {
  iscsi::Exchange exchange;
  if (negotiator_->receive(pairs, iscsi::LoginStage::full_feature_phase, exchange)) {
    text_.reset();
    return reject(header, iscsi::RejectReason::protocol_error);
  }
  for (const iscsi::TextPair& p : exchange.application) {
    if (p.key != "SendTargets") continue;
    std::vector<std::shared_ptr<const TargetNode>> targets;
    for (const auto& t : core_->targets.all()) targets.push_back(t->config());
    const SessionIdentity& id = session_->identity();
    send_targets({p.value, id.type, id.target_name, id.initiator_name, local_}, targets, exchange.reply);
  }
  // An initiator that declared a new MaxRecvDataSegmentLength (RFC 7143 13.12) gets PDUs of
  // that size from the next one on.
  iscsi::NegotiatedParams negotiated;
  if (!negotiator_->result(negotiated)) {
    std::lock_guard lock(info_mutex_);
    params_.max_send_data_segment_length = negotiated.connection.max_send_data_segment_length;
  }
  text_->response.clear();
  if (iscsi::serialize_text(exchange.reply, text_->response)) {
    text_.reset();
    return reject(header, iscsi::RejectReason::protocol_error);
  }
  text_->answering = true;
  send_text_segment();
}

void Connection::send_text_segment() {
  TextExchange& t = *text_;
  const std::size_t left = t.response.size() - t.sent;
  const std::size_t length = std::min<std::size_t>(left, std::max<std::uint32_t>(params_.max_send_data_segment_length, 1));
  const bool last = length == left;
  iscsi::TextResponse r;
  r.final = last;
  r.continue_ = !last;
  r.initiator_task_tag = t.itt;
  r.lun = t.lun;
  // RFC 7143 11.11.4: a response with more to come carries a TTT for the follow-up; the
  // final one the reserved tag.
  r.target_transfer_tag = last ? iscsi::kReservedTag : (t.ttt = next_target_transfer_tag());
  const auto begin = t.response.begin() + static_cast<std::ptrdiff_t>(t.sent);
  send({.bhs = r.encode(), .data = std::vector<std::byte>(begin, begin + static_cast<std::ptrdiff_t>(length))});
  t.sent += length;
  if (last) text_.reset();
}

}  // namespace uiscsi::target::iscsit
