// A scripted iSCSI target for the initiator's unit tests, over the in-process loopback
// transport (offload/loopback.h). It runs the target side of login (the iscsi/ negotiator
// and CHAP target), a CmdSN window, R2Ts, Data-In with or without phase collapse, task
// management with hole plugging, text, logout, NOP and Async Messages, over a FakeDisk.
// Knobs make it misbehave on purpose (hold responses, ignore task management, refuse or
// redirect logins, drop connections); counters show what the initiator did. Test code.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fake_disk.h"
#include "initiator/connector.h"
#include "iscsi/chap_target.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/pdu.h"
#include "iscsi/text.h"
#include "offload/loopback.h"

namespace uiscsi::initiator::test {

struct FakeTargetConfig {
  std::string target_name = "iqn.2024-01.org.uiscsi:fake";
  iscsi::LocalSettings local;  // the target's side of the negotiation
  std::optional<iscsi::ChapTargetConfig> chap;
  std::optional<iscsi::LoginStatus> refuse_login;  // answer every login with this status
  std::optional<std::string> redirect_to;          // or redirect it (Status-Class 1)
  FakeDiskConfig disk;
  std::uint32_t window = 32;  // at most this many unanswered commands (MaxCmdSN)
  bool hold_responses = false;  // keep SCSI answers back until release_responses()
  bool phase_collapse = true;   // status in the last Data-In of a good read
  bool unit_attention_after_login = false;
  // The next this many SCSI commands are executed but never answered: they stay
  // outstanding until an ABORT TASK or LOGICAL UNIT RESET ends them.
  std::uint32_t swallow_answers = 0;
  bool answer_abort_task = true;
  bool answer_lun_reset = true;
  iscsi::TextPairs send_targets;    // the SendTargets answer
  std::size_t text_segment = 8192;  // cut the text answer into segments this long
};

struct FakeTargetStats {
  std::uint64_t connections = 0, logins = 0, logouts = 0;
  std::uint64_t commands = 0;  // SCSI commands executed
  std::uint64_t immediate_bytes = 0, unsolicited_bytes = 0, solicited_bytes = 0;
  std::uint64_t r2ts = 0, data_in_pdus = 0, separate_responses = 0;
  std::uint32_t largest_data_out = 0;  // DataSegmentLength of the largest Data-Out
  std::uint32_t largest_burst = 0;     // bytes of the largest R2T-solicited sequence seen
  std::uint64_t aborts = 0, holes_plugged = 0, lun_resets = 0;
  std::uint64_t pings_answered = 0;  // NOP-Out pings of the initiator we answered
  std::uint64_t nop_outs_for_us = 0; // NOP-Outs answering our NOP-In
  std::uint64_t texts = 0;
  std::uint32_t max_outstanding = 0;    // unanswered commands at the target at once
  std::uint64_t window_violations = 0;  // commands sent beyond the MaxCmdSN we gave
  std::uint64_t protocol_errors = 0;    // anything else the initiator got wrong
  iscsi::Isid last_isid{};
  std::uint16_t last_tsih = 0;
};

class FakeTarget {
 public:
  FakeTarget(boost::asio::io_context& io, FakeTargetConfig config);
  ~FakeTarget();

  // A Connector for Session::open(): each connection is a fresh loopback pair whose target
  // end this FakeTarget serves.
  Connector connector();
  void refuse_connections(bool on) noexcept { refusing_ = on; }

  // Of the newest connection: faults on what the target receives, and on what the
  // initiator receives.
  offload::testing::FaultInjector& target_faults();
  offload::testing::FaultInjector& initiator_faults();
  // Ends the newest connection abruptly (the initiator sees it close).
  void drop_connection();
  // Sends the held SCSI answers (hold_responses), and stops holding.
  void release_responses();
  // A NOP-In ping (TTT set: an answer is wanted) and an Async Message, on the newest connection.
  void ping_initiator();
  void send_async(iscsi::AsyncEvent event, std::uint16_t parameter1 = 0, std::uint16_t parameter2 = 0,
                  std::uint16_t parameter3 = 0, std::uint64_t lun = 0);

  FakeTargetConfig& config() noexcept { return config_; }
  const FakeTargetStats& stats() const noexcept { return stats_; }
  FakeDisk& disk() noexcept { return disk_; }
  // What the newest login negotiated (the target's view).
  const iscsi::NegotiatedParams& params() const;

 private:
  struct Conn;
  struct WriteTask;
  boost::asio::awaitable<void> serve(std::shared_ptr<Conn> conn);
  boost::asio::awaitable<bool> login(Conn& c);
  boost::asio::awaitable<void> full_feature(std::shared_ptr<Conn> conn);
  boost::asio::awaitable<void> on_command(Conn& c, iscsi::Pdu& pdu);
  boost::asio::awaitable<void> run_in_order(Conn& c);
  boost::asio::awaitable<void> execute(Conn& c, iscsi::Pdu& pdu);
  boost::asio::awaitable<void> on_data_out(Conn& c, iscsi::Pdu& pdu);
  boost::asio::awaitable<void> issue_r2ts(Conn& c, WriteTask& w);
  boost::asio::awaitable<void> finish_scsi(Conn& c, std::uint32_t itt, std::uint64_t lun,
                                           std::vector<std::byte> cdb, std::span<const std::byte> data_out,
                                           std::uint32_t edtl, bool read);
  boost::asio::awaitable<void> login_answer(Conn& c, const iscsi::LoginRequest& request, iscsi::LoginStatus status,
                                            const iscsi::TextPairs& text = {});
  boost::asio::awaitable<void> on_task_management(Conn& c, const iscsi::Pdu& pdu);
  boost::asio::awaitable<void> on_text(Conn& c, const iscsi::Pdu& pdu);
  boost::asio::awaitable<void> send(Conn& c, iscsi::Bhs bhs, std::vector<std::byte> data = {});
  // StatSN (advanced when the PDU carries a status), ExpCmdSN and MaxCmdSN of `c`.
  template <typename TargetPdu>
  void fill(Conn& c, TargetPdu& pdu, bool advance_stat_sn);
  std::uint32_t max_cmd_sn(const Conn& c) const noexcept;
  void spawn(std::function<boost::asio::awaitable<void>()> task);

  boost::asio::io_context& io_;
  FakeTargetConfig config_;
  FakeDisk disk_;
  FakeTargetStats stats_;
  bool refusing_ = false;
  std::uint16_t next_tsih_ = 1;
  std::shared_ptr<Conn> newest_;
  std::vector<std::weak_ptr<Conn>> all_;
  std::vector<std::function<boost::asio::awaitable<void>()>> held_;
};

}  // namespace uiscsi::initiator::test
