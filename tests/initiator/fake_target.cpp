#include "fake_target.h"

#include <boost/asio/co_spawn.hpp>
#include <algorithm>
#include <cstring>
#include <set>

#include "iscsi/negotiation.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/scsi_status.h"
#include "iscsi/sense.h"
#include "iscsi/serial.h"
#include "iscsi/text_continuation.h"

namespace uiscsi::initiator::test {

namespace asio = boost::asio;
using iscsi::Opcode;

struct FakeTarget::WriteTask {
  std::uint32_t itt = 0;
  std::uint64_t lun = 0;
  std::vector<std::byte> cdb;
  std::uint32_t edtl = 0;
  std::vector<std::byte> data;
  std::uint32_t received = 0;
  std::uint32_t unsolicited_end = 0;  // bytes the initiator may send unsolicited
  std::uint32_t next_offset = 0;      // start of the next R2T
  std::uint32_t outstanding_r2ts = 0;
  std::uint32_t r2t_sn = 0;
  bool in_order = false;  // reached in CmdSN order
  std::map<std::uint32_t, std::uint32_t> bursts;  // bytes per TTT
};

struct FakeTarget::Conn : std::enable_shared_from_this<Conn> {
  std::unique_ptr<offload::Transport> transport;
  std::shared_ptr<offload::testing::FaultInjector> target_faults, initiator_faults;
  iscsi::NegotiatedParams params;
  iscsi::Isid isid{};
  std::uint32_t stat_sn = 0x1000;
  std::uint32_t first_cmd_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t finished = 0;  // CmdSNs answered, aborted or plugged: the window moves with it
  std::uint32_t outstanding = 0;
  std::map<std::uint32_t, iscsi::Pdu> pending;  // by CmdSN, waiting for their turn
  std::set<std::uint32_t> plugged;              // CmdSNs an ABORT TASK declared received
  std::map<std::uint32_t, WriteTask> writes;    // by ITT
  std::map<std::uint32_t, std::uint64_t> silent;  // ITT -> LUN of commands never answered
  std::uint32_t next_ttt = 1;
  bool unit_attention = false;
  std::vector<std::byte> text_answer;
  std::size_t text_sent = 0;
};

FakeTarget::FakeTarget(asio::io_context& io, FakeTargetConfig config)
    : io_(io), config_(std::move(config)), disk_(config_.disk) {}

FakeTarget::~FakeTarget() {
  for (auto& weak : all_) {
    if (auto c = weak.lock()) c->transport->close();
  }
}

void FakeTarget::spawn(std::function<asio::awaitable<void>()> task) {
  asio::co_spawn(io_, std::move(task), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

Connector FakeTarget::connector() {
  return [this](const Portal&) -> asio::awaitable<Connected> {
    if (refusing_) {
      co_return Connected{nullptr, std::make_error_code(std::errc::connection_refused), "the fake target refuses"};
    }
    auto pair = offload::testing::make_loopback_pair(io_);
    auto c = std::make_shared<Conn>();
    c->transport = std::move(pair.second);
    c->target_faults = pair.second_faults;
    c->initiator_faults = pair.first_faults;
    newest_ = c;
    all_.push_back(c);
    ++stats_.connections;
    spawn([this, c] { return serve(c); });
    co_return Connected{std::move(pair.first), {}, {}};
  };
}

offload::testing::FaultInjector& FakeTarget::target_faults() { return *newest_->target_faults; }
offload::testing::FaultInjector& FakeTarget::initiator_faults() { return *newest_->initiator_faults; }
const iscsi::NegotiatedParams& FakeTarget::params() const { return newest_->params; }

void FakeTarget::drop_connection() {
  if (newest_) newest_->transport->close();
}

std::uint32_t FakeTarget::max_cmd_sn(const Conn& c) const noexcept {
  return c.first_cmd_sn + c.finished + config_.window - 1;
}

template <typename TargetPdu>
void FakeTarget::fill(Conn& c, TargetPdu& pdu, bool advance_stat_sn) {
  pdu.stat_sn = advance_stat_sn ? c.stat_sn++ : c.stat_sn;
  pdu.exp_cmd_sn = c.exp_cmd_sn;
  pdu.max_cmd_sn = max_cmd_sn(c);
}

asio::awaitable<void> FakeTarget::send(Conn& c, iscsi::Bhs bhs, std::vector<std::byte> data) {
  const iovec iov{data.data(), data.size()};
  const iscsi::OutgoingPdu pdu{.bhs = bhs, .ahs = {}, .data = data.empty() ? std::span<const iovec>() : std::span(&iov, 1)};
  (void)co_await c.transport->send(pdu);  // a broken connection shows on the receive side
}

void FakeTarget::release_responses() {
  config_.hold_responses = false;
  auto held = std::move(held_);
  held_.clear();
  spawn([held = std::move(held)]() -> asio::awaitable<void> {
    for (const auto& answer : held) co_await answer();
  });
}

void FakeTarget::ping_initiator() {
  auto c = newest_;
  spawn([this, c]() -> asio::awaitable<void> {
    iscsi::NopIn nop;
    nop.target_transfer_tag = c->next_ttt++;  // an answer is wanted (RFC 7143 11.19.1)
    fill(*c, nop, false);
    co_await send(*c, nop.encode());
  });
}

void FakeTarget::send_async(iscsi::AsyncEvent event, std::uint16_t p1, std::uint16_t p2, std::uint16_t p3,
                            std::uint64_t lun) {
  auto c = newest_;
  spawn([this, c, event, p1, p2, p3, lun]() -> asio::awaitable<void> {
    iscsi::AsyncMessage a;
    a.lun = lun;
    a.async_event = event;
    a.parameter1 = p1;
    a.parameter2 = p2;
    a.parameter3 = p3;
    fill(*c, a, true);
    co_await send(*c, a.encode());
  });
}

// --- Login --------------------------------------------------------------------------------

asio::awaitable<void> FakeTarget::serve(std::shared_ptr<Conn> c) {
  const bool logged_in = co_await login(*c);
  if (!logged_in) {
    c->transport->close();
    co_return;
  }
  co_await full_feature(c);
}

asio::awaitable<void> FakeTarget::login_answer(Conn& c, const iscsi::LoginRequest& request, iscsi::LoginStatus status,
                                               const iscsi::TextPairs& text) {
  iscsi::LoginResponse r;
  r.csg = request.csg;
  r.isid = request.isid;
  r.initiator_task_tag = request.initiator_task_tag;
  r.stat_sn = c.stat_sn++;
  r.exp_cmd_sn = c.exp_cmd_sn;
  r.max_cmd_sn = max_cmd_sn(c);
  r.status_class = iscsi::status_class(status);
  r.status_detail = iscsi::status_detail(status);
  std::vector<std::byte> data;
  (void)iscsi::serialize_text(text, data);
  co_await send(c, r.encode(), std::move(data));
}

asio::awaitable<bool> FakeTarget::login(Conn& c) {
  std::optional<iscsi::Negotiator> negotiator;
  std::optional<iscsi::ChapTarget> chap;
  iscsi::TextAccumulator text;
  for (int round = 0; round < 16; ++round) {
    offload::Received r = co_await c.transport->receive();
    if (r.ec || r.pdu.bhs.opcode() != Opcode::login_request) co_return false;
    const auto request = iscsi::LoginRequest::decode(r.pdu.bhs);
    if (text.append(r.pdu.data, request.continue_)) co_return false;
    if (request.continue_) {  // RFC 7143 11.12.2: an empty answer asks for the rest
      iscsi::LoginResponse more;
      more.csg = request.csg;
      more.isid = request.isid;
      more.initiator_task_tag = request.initiator_task_tag;
      fill(c, more, true);
      co_await send(c, more.encode());
      continue;
    }
    iscsi::TextPairs pairs;
    if (text.take(pairs)) co_return false;

    if (!negotiator) {
      c.isid = request.isid;
      c.first_cmd_sn = c.exp_cmd_sn = request.cmd_sn;
      if (config_.refuse_login) {
        co_await login_answer(c, request, *config_.refuse_login);
        co_return false;
      }
      if (config_.redirect_to) {
        iscsi::TextPairs where;  // (not a braced list: GCC 12 miscompiles those in co_await)
        where.push_back({"TargetAddress", *config_.redirect_to});
        co_await login_answer(c, request, iscsi::LoginStatus::target_moved_temporarily, where);
        co_return false;
      }
      const iscsi::TextPair* type = iscsi::find_pair(pairs, "SessionType");
      const bool discovery = type != nullptr && type->value == "Discovery";
      const iscsi::TextPair* name = iscsi::find_pair(pairs, "TargetName");
      if (!discovery && (name == nullptr || name->value != config_.target_name)) {
        co_await login_answer(c, request, iscsi::LoginStatus::not_found);
        co_return false;
      }
      iscsi::NegotiatorConfig nc;
      nc.role = iscsi::Role::target;
      nc.session_type = discovery ? iscsi::SessionType::discovery : iscsi::SessionType::normal;
      nc.local = config_.local;
      if (!nc.local.target_portal_group_tag) nc.local.target_portal_group_tag = 1;
      nc.local.auth_methods = {config_.chap ? iscsi::AuthMethod::chap : iscsi::AuthMethod::none};
      negotiator.emplace(nc);
      if (config_.chap) chap.emplace(*config_.chap);
      // Session reinstatement (RFC 7143 6.3.5): the same ISID ends the old session.
      for (auto& weak : all_) {
        auto old = weak.lock();
        if (old && old.get() != &c && old->isid == request.isid) old->transport->close();
      }
    }
    iscsi::Exchange ex;
    if (negotiator->receive(pairs, request.csg, ex)) {
      co_await login_answer(c, request, iscsi::LoginStatus::initiator_error);
      co_return false;
    }
    iscsi::TextPairs reply = std::move(ex.reply);
    if (!ex.auth.empty()) {
      const std::error_code ec = chap ? chap->step(ex.auth, reply) : make_error_code(iscsi::chap_errc::unexpected_key);
      if (ec) {
        co_await login_answer(c, request, iscsi::chap_login_status(ec));
        co_return false;
      }
    }
    (void)negotiator->offer(request.csg, reply);
    const bool security = request.csg == iscsi::LoginStage::security_negotiation;
    const bool authenticated = !chap || chap->authenticated();
    if (security && request.transit && !authenticated && negotiator->auth_method() != iscsi::AuthMethod::chap) {
      co_await login_answer(c, request, iscsi::LoginStatus::authentication_failure);
      co_return false;
    }
    const bool transit = request.transit && (!security || authenticated);
    const bool done = transit && request.nsg == iscsi::LoginStage::full_feature_phase;
    iscsi::LoginResponse response;
    response.transit = transit;
    response.csg = request.csg;
    response.nsg = transit ? request.nsg : iscsi::LoginStage::security_negotiation;
    response.isid = request.isid;
    response.initiator_task_tag = request.initiator_task_tag;
    // The outcome is settled before the answer goes out: the initiator may act on it at once.
    if (done && negotiator->result(c.params)) co_return false;
    if (done) {
      response.tsih = request.tsih != 0 ? request.tsih : next_tsih_++;
      stats_.last_tsih = response.tsih;
      stats_.last_isid = request.isid;
    }
    fill(c, response, true);
    std::vector<std::byte> data;
    (void)iscsi::serialize_text(reply, data);
    co_await send(c, response.encode(), std::move(data));
    if (done) {
      if (negotiator->result(c.params)) co_return false;

      const iscsi::ConnectionParams& p = c.params.connection;
      c.transport->configure({.max_recv_data_segment_length = p.max_recv_data_segment_length,
                              .header_digest = p.header_digest == iscsi::DigestType::crc32c,
                              .data_digest = p.data_digest == iscsi::DigestType::crc32c});
      c.unit_attention = config_.unit_attention_after_login;
      ++stats_.logins;
      co_return true;
    }
  }
  co_return false;
}

// --- Full Feature Phase -------------------------------------------------------------------

asio::awaitable<void> FakeTarget::full_feature(std::shared_ptr<Conn> conn) {
  Conn& c = *conn;
  for (;;) {
    offload::Received r = co_await c.transport->receive();
    if (r.ec) co_return;
    switch (r.pdu.bhs.opcode()) {
      case Opcode::scsi_command:
      case Opcode::text_request: co_await on_command(c, r.pdu); break;
      case Opcode::scsi_data_out: co_await on_data_out(c, r.pdu); break;
      case Opcode::task_management_request: co_await on_task_management(c, r.pdu); break;
      case Opcode::nop_out: {
        const auto nop = iscsi::NopOut::decode(r.pdu.bhs);
        if (nop.initiator_task_tag == iscsi::kReservedTag) {
          ++stats_.nop_outs_for_us;
          break;
        }
        ++stats_.pings_answered;
        iscsi::NopIn answer;
        answer.initiator_task_tag = nop.initiator_task_tag;
        fill(c, answer, true);
        co_await send(c, answer.encode());
        break;
      }
      case Opcode::logout_request: {
        const auto request = iscsi::LogoutRequest::decode(r.pdu.bhs);
        iscsi::LogoutResponse answer;
        answer.initiator_task_tag = request.initiator_task_tag;
        fill(c, answer, true);
        ++stats_.logouts;
        co_await send(c, answer.encode());
        c.transport->close();
        co_return;
      }
      default: ++stats_.protocol_errors; break;
    }
  }
}

asio::awaitable<void> FakeTarget::on_command(Conn& c, iscsi::Pdu& pdu) {
  const std::uint32_t cmd_sn = pdu.bhs.u32(24);  // CmdSN sits at bytes 24-27 of both PDUs
  if (pdu.bhs.opcode() == Opcode::scsi_command) {
    std::error_code ec;
    const auto sc = iscsi::ScsiCommand::decode(pdu.bhs, pdu.ahs, ec);
    if (ec) {
      ++stats_.protocol_errors;
      co_return;
    }
    c.outstanding++;
    stats_.max_outstanding = std::max(stats_.max_outstanding, c.outstanding);
    if (sc.write && sc.expected_data_transfer_length > 0) {
      // The data may come before the command's turn: collect it from now on.
      const iscsi::SessionParams& s = c.params.session;
      WriteTask w;
      w.itt = sc.initiator_task_tag;
      w.lun = sc.lun;
      w.cdb.assign(sc.cdb.begin(), sc.cdb.end());
      w.edtl = sc.expected_data_transfer_length;
      w.data.resize(w.edtl);
      const std::uint32_t immediate = static_cast<std::uint32_t>(pdu.data.size());
      if (immediate > 0 && !s.immediate_data) ++stats_.protocol_errors;
      if (immediate > 0) std::memcpy(w.data.data(), pdu.data.data(), std::min<std::size_t>(immediate, w.edtl));
      w.received = std::min(immediate, w.edtl);
      stats_.immediate_bytes += w.received;
      w.unsolicited_end = s.initial_r2t ? w.received : std::min(w.edtl, s.first_burst_length);
      if (sc.final) w.unsolicited_end = w.received;  // F: no unsolicited Data-Out follows
      w.next_offset = w.unsolicited_end;
      c.writes[w.itt] = std::move(w);
    }
  }
  if (pdu.bhs.immediate()) {
    co_await execute(c, pdu);
    co_return;
  }
  // RFC 7143 4.2.2.1: beyond MaxCmdSN, or already seen.
  if (!iscsi::serial_le(cmd_sn, max_cmd_sn(c))) ++stats_.window_violations;
  if (iscsi::serial_lt(cmd_sn, c.exp_cmd_sn) || c.pending.contains(cmd_sn)) {
    ++stats_.protocol_errors;
    co_return;
  }
  c.pending.emplace(cmd_sn, std::move(pdu));
  co_await run_in_order(c);
}

asio::awaitable<void> FakeTarget::run_in_order(Conn& c) {
  for (;;) {
    if (c.plugged.erase(c.exp_cmd_sn) != 0) {
      ++c.exp_cmd_sn;
      continue;
    }
    auto it = c.pending.find(c.exp_cmd_sn);
    if (it == c.pending.end()) co_return;
    iscsi::Pdu pdu = std::move(it->second);
    c.pending.erase(it);
    ++c.exp_cmd_sn;
    co_await execute(c, pdu);
  }
}

asio::awaitable<void> FakeTarget::execute(Conn& c, iscsi::Pdu& pdu) {
  if (pdu.bhs.opcode() == Opcode::text_request) {
    co_await on_text(c, pdu);
    co_return;
  }
  const auto sc = iscsi::ScsiCommand::decode(pdu.bhs);
  auto w = c.writes.find(sc.initiator_task_tag);
  if (w == c.writes.end()) {
    co_await finish_scsi(c, sc.initiator_task_tag, sc.lun, {sc.cdb.begin(), sc.cdb.end()}, {},
                         sc.expected_data_transfer_length, sc.read);
    co_return;
  }
  w->second.in_order = true;
  if (w->second.received == w->second.edtl) {
    WriteTask done = std::move(w->second);
    c.writes.erase(w);
    co_await finish_scsi(c, done.itt, done.lun, std::move(done.cdb), done.data, done.edtl, false);
  } else {
    co_await issue_r2ts(c, w->second);
  }
}

asio::awaitable<void> FakeTarget::issue_r2ts(Conn& c, WriteTask& w) {
  const iscsi::SessionParams& s = c.params.session;
  const std::uint32_t itt = w.itt;
  while (w.outstanding_r2ts < s.max_outstanding_r2t && w.next_offset < w.edtl) {
    iscsi::R2t r2t;
    r2t.lun = w.lun;
    r2t.initiator_task_tag = itt;
    r2t.target_transfer_tag = c.next_ttt++;
    r2t.r2t_sn = w.r2t_sn++;
    r2t.buffer_offset = w.next_offset;
    r2t.desired_data_transfer_length = std::min(s.max_burst_length, w.edtl - w.next_offset);
    w.next_offset += r2t.desired_data_transfer_length;
    ++w.outstanding_r2ts;
    ++stats_.r2ts;
    fill(c, r2t, false);  // an R2T carries the next StatSN without using it
    co_await send(c, r2t.encode());
    if (!c.writes.contains(itt)) co_return;  // aborted while we were sending
  }
}

asio::awaitable<void> FakeTarget::on_data_out(Conn& c, iscsi::Pdu& pdu) {
  const auto d = iscsi::DataOut::decode(pdu.bhs);
  const auto length = static_cast<std::uint32_t>(pdu.data.size());
  stats_.largest_data_out = std::max(stats_.largest_data_out, length);
  if (length > c.params.connection.max_recv_data_segment_length) ++stats_.protocol_errors;
  auto it = c.writes.find(d.initiator_task_tag);
  if (it == c.writes.end()) co_return;  // aborted: the rest of its data is dropped
  WriteTask& w = it->second;
  if (d.buffer_offset > w.edtl || length > w.edtl - d.buffer_offset) {
    ++stats_.protocol_errors;
    co_return;
  }
  if (length > 0) std::memcpy(w.data.data() + d.buffer_offset, pdu.data.data(), length);
  w.received += length;
  if (d.target_transfer_tag == iscsi::kReservedTag) {
    stats_.unsolicited_bytes += length;
    if (d.buffer_offset + length > w.unsolicited_end) ++stats_.protocol_errors;  // past FirstBurstLength
  } else {
    stats_.solicited_bytes += length;
    const std::uint32_t burst = w.bursts[d.target_transfer_tag] += length;
    stats_.largest_burst = std::max(stats_.largest_burst, burst);
    if (d.final) --w.outstanding_r2ts;
  }
  if (w.received == w.edtl && w.in_order) {
    WriteTask done = std::move(w);
    c.writes.erase(it);
    co_await finish_scsi(c, done.itt, done.lun, std::move(done.cdb), done.data, done.edtl, false);
  } else if (w.in_order && d.final && d.target_transfer_tag != iscsi::kReservedTag) {
    co_await issue_r2ts(c, w);
  }
}

asio::awaitable<void> FakeTarget::finish_scsi(Conn& c, std::uint32_t itt, std::uint64_t lun, std::vector<std::byte> cdb,
                                              std::span<const std::byte> data_out, std::uint32_t edtl, bool read) {
  ++stats_.commands;
  ScsiOutcome o;
  if (std::exchange(c.unit_attention, false)) {
    iscsi::scsi::SenseData sense;
    sense.code = {iscsi::scsi::SenseKey::unit_attention, iscsi::scsi::asc::power_on_reset_or_bus_device_reset};
    o.status = static_cast<std::uint8_t>(iscsi::scsi::Status::check_condition);
    o.sense_segment = iscsi::scsi::encode_sense_segment(sense, iscsi::scsi::SenseFormat::fixed);
  } else {
    o = disk_.execute(iscsi::scsi::decode_lun(lun).value_or(0xffff), cdb, data_out);
  }
  if (config_.swallow_answers > 0) {
    --config_.swallow_answers;
    c.silent[itt] = lun;
    co_return;
  }
  auto conn = c.shared_from_this();
  auto answer = [this, conn, itt, lun, edtl, read, o = std::move(o)]() -> asio::awaitable<void> {
    Conn& c = *conn;
    const std::size_t moved = std::min<std::size_t>(o.data_in.size(), edtl);
    bool status_sent = false;
    if (read && moved > 0 && o.status == 0) {
      const std::size_t segment = c.params.connection.max_send_data_segment_length;
      std::uint32_t data_sn = 0;
      for (std::size_t offset = 0; offset < moved; offset += segment) {
        const std::size_t n = std::min(segment, moved - offset);
        const bool last = offset + n == moved;
        iscsi::DataIn d;
        d.final = last;
        d.status_present = last && config_.phase_collapse;  // RFC 7143 11.7.4
        d.lun = lun;
        d.initiator_task_tag = itt;
        d.data_sn = data_sn++;
        d.buffer_offset = static_cast<std::uint32_t>(offset);
        if (d.status_present) {
          d.residual_underflow = moved < edtl;
          d.residual_count = static_cast<std::uint32_t>(edtl - moved);
        }
        fill(c, d, d.status_present);
        ++stats_.data_in_pdus;
        co_await send(c, d.encode(), {o.data_in.begin() + static_cast<std::ptrdiff_t>(offset),
                                      o.data_in.begin() + static_cast<std::ptrdiff_t>(offset + n)});
        status_sent = d.status_present;
      }
    }
    if (!status_sent) {
      iscsi::ScsiResponse r;
      r.status = o.status;
      r.initiator_task_tag = itt;
      if (read && o.data_in.size() < edtl) {
        r.residual_underflow = true;
        r.residual_count = static_cast<std::uint32_t>(edtl - o.data_in.size());
      } else if (read && o.data_in.size() > edtl) {
        r.residual_overflow = true;
        r.residual_count = static_cast<std::uint32_t>(o.data_in.size() - edtl);
      }
      ++c.finished;
      --c.outstanding;
      fill(c, r, true);
      ++stats_.separate_responses;
      co_await send(c, r.encode(), o.sense_segment);
    } else {
      ++c.finished;
      --c.outstanding;
    }
  };
  if (config_.hold_responses) {
    held_.push_back(std::move(answer));
  } else {
    co_await answer();
  }
}

asio::awaitable<void> FakeTarget::on_task_management(Conn& c, const iscsi::Pdu& pdu) {
  const auto t = iscsi::TaskManagementRequest::decode(pdu.bhs);
  iscsi::TaskManagementResponse answer;
  answer.initiator_task_tag = t.initiator_task_tag;
  switch (t.function) {
    case iscsi::TmfFunction::abort_task: {
      ++stats_.aborts;
      if (!config_.answer_abort_task) co_return;
      const bool writing = c.writes.erase(t.referenced_task_tag) != 0 || c.silent.erase(t.referenced_task_tag) != 0;
      const auto queued = c.pending.find(t.ref_cmd_sn);
      if (queued != c.pending.end() && queued->second.bhs.initiator_task_tag() == t.referenced_task_tag) {
        c.pending.erase(queued);
        c.plugged.insert(t.ref_cmd_sn);
        ++c.finished;
        --c.outstanding;
        answer.response = iscsi::TmfResponse::function_complete;
      } else if (writing) {
        ++c.finished;
        --c.outstanding;
        answer.response = iscsi::TmfResponse::function_complete;
      } else if (iscsi::serial_ge(t.ref_cmd_sn, c.exp_cmd_sn) && iscsi::serial_lt(t.ref_cmd_sn, t.cmd_sn)) {
        // RFC 7143 11.5.1: never received, within the window: count it as received.
        c.plugged.insert(t.ref_cmd_sn);
        ++c.finished;
        ++stats_.holes_plugged;
        answer.response = iscsi::TmfResponse::function_complete;
      } else {
        answer.response = iscsi::TmfResponse::task_does_not_exist;
      }
      break;
    }
    case iscsi::TmfFunction::logical_unit_reset: {
      ++stats_.lun_resets;
      if (!config_.answer_lun_reset) co_return;
      for (auto it = c.writes.begin(); it != c.writes.end();) {
        if (it->second.lun != t.lun) {
          ++it;
          continue;
        }
        it = c.writes.erase(it);
        ++c.finished;
        --c.outstanding;
      }
      for (auto it = c.silent.begin(); it != c.silent.end();) {
        if (it->second != t.lun) {
          ++it;
          continue;
        }
        it = c.silent.erase(it);
        ++c.finished;
        --c.outstanding;
      }
      for (auto it = c.pending.begin(); it != c.pending.end();) {
        if (it->second.bhs.lun() != t.lun) {
          ++it;
          continue;
        }
        c.plugged.insert(it->first);
        it = c.pending.erase(it);
        ++c.finished;
        --c.outstanding;
      }
      c.unit_attention = true;  // SAM-5: the reset is reported once
      answer.response = iscsi::TmfResponse::function_complete;
      break;
    }
    default: answer.response = iscsi::TmfResponse::function_not_supported; break;
  }
  fill(c, answer, true);
  co_await send(c, answer.encode());
  co_await run_in_order(c);
}

asio::awaitable<void> FakeTarget::on_text(Conn& c, const iscsi::Pdu& pdu) {
  const auto t = iscsi::TextRequest::decode(pdu.bhs);
  ++stats_.texts;
  ++c.finished;
  if (t.target_transfer_tag == iscsi::kReservedTag) {  // a new request
    iscsi::TextPairs pairs;
    (void)iscsi::parse_text(pdu.data, pairs);
    c.text_answer.clear();
    c.text_sent = 0;
    if (iscsi::find_pair(pairs, "SendTargets") != nullptr) (void)iscsi::serialize_text(config_.send_targets, c.text_answer);
  }
  const std::size_t n = std::min(config_.text_segment, c.text_answer.size() - c.text_sent);
  const bool more = c.text_sent + n < c.text_answer.size();
  iscsi::TextResponse r;
  r.final = !more;
  r.continue_ = more;
  r.initiator_task_tag = t.initiator_task_tag;
  r.target_transfer_tag = more ? c.next_ttt++ : iscsi::kReservedTag;
  fill(c, r, true);
  std::vector<std::byte> segment(c.text_answer.begin() + static_cast<std::ptrdiff_t>(c.text_sent),
                                 c.text_answer.begin() + static_cast<std::ptrdiff_t>(c.text_sent + n));
  c.text_sent += n;
  co_await send(c, r.encode(), std::move(segment));
}

}  // namespace uiscsi::initiator::test
