// A Server on the test's io_context, fed through in-process loopback transports, and a
// scripted initiator built from the iscsi codecs (PDUs, negotiator, CHAP), for the tests of
// target/iscsi.
//
// Everything runs on one thread: the test body is a coroutine on the same io_context as the
// server, and Harness::run() drives both until the body finishes.
#pragma once

#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "iscsi/chap_initiator.h"
#include "iscsi/negotiation.h"
#include "iscsi/pdu.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/sense.h"
#include "iscsi/serial.h"
#include "iscsi/text.h"
#include "iscsi/text_continuation.h"
#include "iscsi/text_values.h"
#include "offload/error.h"
#include "offload/loopback.h"
#include "target/iscsi/server.h"

namespace uiscsi::target::iscsit::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline constexpr const char* kTargetName = "iqn.2024-01.org.uiscsi:disk";
inline constexpr const char* kInitiatorName = "iqn.2024-01.org.uiscsi:host";
inline constexpr std::uint32_t kBlockSize = 512;
inline constexpr std::uint64_t kDiskBytes = 4u << 20;

// One target on 127.0.0.1 (an ephemeral port: only adopt()ed transports are used), a RAM
// LUN 0, pings off.
inline TargetNode make_target(std::string name = kTargetName) {
  TargetNode t;
  t.name = std::move(name);
  t.alias = "test disk";
  t.portal_groups.push_back({1, {{"127.0.0.1", 0, offload::Policy::tcp}}});
  Lun lun;
  lun.number = 0;
  lun.backend.kind = BackendKind::ram;
  lun.backend.size_bytes = kDiskBytes;
  lun.backend.block_size = kBlockSize;
  t.luns.push_back(lun);
  t.nop.interval = 0s;
  return t;
}

inline Config make_config() {
  Config c;
  c.targets.push_back(make_target());
  c.discovery.nop.interval = 0s;
  return c;
}

inline std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 13 + seed * 101 + (i >> 9)) & 0xff);
  return out;
}

// The first offset where `a` and `b` differ, -1 if they are equal (sizes included); a short
// answer where CHECK(a == b) would print megabytes.
inline std::ptrdiff_t mismatch_at(std::span<const std::byte> a, std::span<const std::byte> b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<std::ptrdiff_t>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<std::ptrdiff_t>(n);
}

inline std::vector<std::byte> to_bytes(std::string_view s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

class Harness {
 public:
  explicit Harness(Config config = make_config()) : server_(io_, ServerOptions{.shutdown_grace = 200ms}) {
    std::string error;
    const std::error_code ec = server_.start(std::move(config), error);
    INFO(error);
    REQUIRE(!ec);
    // The first target's 127.0.0.1 portal: the one adopt()ed connections arrive on.
    for (const auto& a : server_.listening()) {
      if (a.family() == AF_INET && portal_.family() == AF_UNSPEC) portal_ = a;
    }
    REQUIRE(portal_.is_ip());
  }
  ~Harness() {
    server_.shutdown();
    run_until([&] { return server_.connections().empty(); }, 3s);
    io_.restart();
    io_.run_for(100ms);
  }

  Server& server() { return server_; }
  asio::io_context& io() { return io_; }
  const offload::SocketAddress& portal() const { return portal_; }

  // A new connection to the server: the returned transport is the initiator's end.
  // `target_receives`: faults on what the target receives.
  std::unique_ptr<offload::Transport> connect(offload::testing::Faults target_receives = {}) {
    auto pair = offload::testing::make_loopback_pair(io_, {}, target_receives);
    target_faults_ = pair.second_faults;
    server_.adopt(std::move(pair.second), portal_);
    return std::move(pair.first);
  }
  const std::shared_ptr<offload::testing::FaultInjector>& last_target_faults() const { return target_faults_; }

  // Runs `body` to completion (the server keeps running around it), at most `limit`.
  template <typename T>
  T run(asio::awaitable<T> body, std::chrono::seconds limit = 20s) {
    std::optional<T> result;
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io_, std::move(body), [&](std::exception_ptr e, T value) {
      failure = e;
      if (!e) result = std::move(value);
      done = true;
    });
    run_until([&] { return done; }, limit);
    if (failure) std::rethrow_exception(failure);
    REQUIRE(done);
    return std::move(*result);
  }

  // Runs the io_context until `condition` holds or `limit` passes.
  template <typename Condition>
  void run_until(Condition condition, std::chrono::milliseconds limit = 5s) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(50ms);
  }

 private:
  asio::io_context io_;
  Server server_;
  offload::SocketAddress portal_;
  std::shared_ptr<offload::testing::FaultInjector> target_faults_;
};

// Sleeps on the test's io_context.
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

struct LoginOptions {
  iscsi::SessionType type = iscsi::SessionType::normal;
  std::string initiator_name = kInitiatorName;
  std::string target_name = kTargetName;
  iscsi::Isid isid{0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
  std::uint16_t tsih = 0;
  std::uint16_t cid = 1;
  // CHAP: our credentials; and the target's, for mutual CHAP.
  std::optional<iscsi::ChapCredentials> chap;
  std::optional<iscsi::ChapCredentials> mutual;
  // For a connection joining a session: the session's negotiated parameters.
  std::optional<iscsi::SessionParams> existing_session;
  iscsi::LocalSettings settings = default_settings();

  static iscsi::LocalSettings default_settings() {
    iscsi::LocalSettings s;
    s.max_recv_data_segment_length = 8192;
    s.initial_r2t = false;
    s.immediate_data = true;
    s.first_burst_length = 16384;
    s.max_burst_length = 65536;
    s.max_outstanding_r2t = 4;
    s.max_connections = 4;
    return s;
  }
};

struct LoginResult {
  iscsi::LoginStatus status = iscsi::LoginStatus::success;
  std::uint16_t tsih = 0;
  iscsi::NegotiatedParams params;
  std::vector<iscsi::LoginResponse> responses;
  iscsi::TextPairs last_text;  // the pairs of the final response
  std::error_code error;       // a transport, negotiation or CHAP failure on our side
};

// What a SCSI command brought back.
struct CommandResult {
  bool completed = false;  // a status arrived (SCSI Response or Data-In with S)
  std::uint8_t status = 0xff;
  bool overflow = false, underflow = false;
  std::uint32_t residual = 0;
  std::vector<std::byte> data;   // Data-In, placed by BufferOffset
  std::vector<std::byte> sense;  // sense data (without SenseLength)
  std::uint32_t data_in_pdus = 0;
  std::uint32_t r2ts = 0;
  std::uint32_t exp_data_sn = 0;
  bool collapsed = false;        // the status came in the last Data-In
  std::vector<iscsi::R2t> r2t_log;
  std::vector<iscsi::DataIn> data_in_log;
  std::optional<iscsi::Reject> reject;
  std::error_code error;         // receive failure (timeout, closed)
};

class Initiator {
 public:
  explicit Initiator(std::unique_ptr<offload::Transport> transport) : t_(std::move(transport)) {}
  ~Initiator() {
    if (t_) t_->close();
  }

  offload::Transport& transport() { return *t_; }
  std::uint32_t cmd_sn = 1;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t next_itt = 0x100;
  std::uint16_t tsih = 0;
  iscsi::Isid isid{};
  iscsi::NegotiatedParams params;
  std::uint32_t exp_cmd_sn = 0, max_cmd_sn = 0;

  asio::awaitable<std::error_code> send(iscsi::Bhs bhs, std::span<const std::byte> data = {},
                                        std::span<const std::byte> ahs = {}) {
    iovec iov{const_cast<std::byte*>(data.data()), data.size()};
    iscsi::OutgoingPdu pdu{bhs, ahs, {&iov, data.empty() ? 0u : 1u}};
    co_return co_await t_->send(pdu);
  }

  // The next PDU, or errc::timed_out after `timeout`.
  asio::awaitable<offload::Received> receive(std::chrono::milliseconds timeout = 5s) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto r = co_await (t_->receive() || timer.async_wait(asio::use_awaitable));
    if (r.index() == 1) co_return offload::Received{std::make_error_code(std::errc::timed_out), {}};
    offload::Received got = std::get<0>(std::move(r));
    if (!got.ec) note(got.pdu.bhs);
    co_return got;
  }

  // Tracks the target's sequence numbers from what it sends.
  void note(const iscsi::Bhs& bhs) {
    using iscsi::Opcode;
    switch (bhs.opcode()) {
      case Opcode::scsi_response:
      case Opcode::task_management_response:
      case Opcode::text_response:
      case Opcode::logout_response:
      case Opcode::reject:
      case Opcode::async_message:
      case Opcode::nop_in:
      case Opcode::r2t:
      case Opcode::scsi_data_in:
        exp_cmd_sn = bhs.u32(28);
        max_cmd_sn = bhs.u32(32);
        break;
      default: break;
    }
    const bool status = bhs.opcode() == Opcode::scsi_response || bhs.opcode() == Opcode::task_management_response ||
                        bhs.opcode() == Opcode::text_response || bhs.opcode() == Opcode::logout_response ||
                        bhs.opcode() == Opcode::reject || bhs.opcode() == Opcode::async_message ||
                        (bhs.opcode() == Opcode::nop_in && bhs.initiator_task_tag() != iscsi::kReservedTag) ||
                        (bhs.opcode() == Opcode::scsi_data_in && iscsi::DataIn::decode(bhs).status_present);
    if (status) exp_stat_sn = bhs.u32(24) + 1;
  }

  // A full login driven by the initiator side of the negotiator (and CHAP).
  // (Options by reference: GCC 12 mishandles coroutine parameters of class type that are
  // initialised from temporaries; the caller's object lives across the co_await.)
  asio::awaitable<LoginResult> login() {
    const LoginOptions o;
    co_return co_await login(o);
  }

  asio::awaitable<LoginResult> login(const LoginOptions& o) {
    LoginResult out;
    isid = o.isid;
    iscsi::NegotiatorConfig nc;
    nc.role = iscsi::Role::initiator;
    nc.session_type = o.type;
    nc.existing_session = o.existing_session;
    nc.local = o.settings;
    nc.local.initiator_name = o.initiator_name;
    nc.local.target_name = o.type == iscsi::SessionType::normal ? o.target_name : std::string();
    nc.local.auth_methods = {o.chap ? iscsi::AuthMethod::chap : iscsi::AuthMethod::none};
    iscsi::Negotiator negotiator(std::move(nc));
    std::optional<iscsi::ChapInitiator> chap;
    if (o.chap) {
      iscsi::ChapInitiatorConfig cc;
      cc.credentials = *o.chap;
      cc.target = o.mutual;
      chap.emplace(std::move(cc));
    }
    bool chap_started = false;
    iscsi::LoginStage stage = iscsi::LoginStage::security_negotiation;
    iscsi::TextPairs text;
    if (auto ec = negotiator.offer(stage, text)) {
      out.error = ec;
      co_return out;
    }
    const std::uint32_t itt = next_itt++;
    for (int round = 0; round < 16; ++round) {
      iscsi::LoginRequest req;
      req.csg = stage;
      req.isid = o.isid;
      req.tsih = o.tsih;
      req.initiator_task_tag = itt;
      req.cid = o.cid;
      req.cmd_sn = cmd_sn;
      req.exp_stat_sn = exp_stat_sn;
      if (stage == iscsi::LoginStage::security_negotiation) {
        // Leave the security stage once CHAP is answered (or none is used).
        req.transit = !chap || (chap_started && !text.empty() && iscsi::find_pair(text, "CHAP_R"));
        req.nsg = iscsi::LoginStage::login_operational_negotiation;
      } else {
        req.transit = true;
        req.nsg = iscsi::LoginStage::full_feature_phase;
      }
      std::vector<std::byte> data;
      REQUIRE(!iscsi::serialize_text(text, data));
      if (auto ec = co_await send(req.encode(), data)) {
        out.error = ec;
        co_return out;
      }
      offload::Received r = co_await receive();
      if (r.ec) {
        out.error = r.ec;
        co_return out;
      }
      REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::login_response);
      const iscsi::LoginResponse resp = iscsi::LoginResponse::decode(r.pdu.bhs);
      out.responses.push_back(resp);
      exp_stat_sn = resp.stat_sn + 1;
      exp_cmd_sn = resp.exp_cmd_sn;
      max_cmd_sn = resp.max_cmd_sn;
      out.status = iscsi::make_login_status(resp.status_class, resp.status_detail);
      if (out.status != iscsi::LoginStatus::success) co_return out;
      iscsi::TextPairs pairs;
      REQUIRE(!iscsi::parse_text(r.pdu.data, pairs));
      iscsi::Exchange ex;
      if (auto ec = negotiator.receive(pairs, resp.csg, ex)) {
        out.error = ec;
        co_return out;
      }
      text = std::move(ex.reply);
      if (chap && stage == iscsi::LoginStage::security_negotiation) {
        if (!chap_started && negotiator.auth_method() == iscsi::AuthMethod::chap) {
          REQUIRE(!chap->start(text));
          chap_started = true;
        } else if (!ex.auth.empty()) {
          if (auto ec = chap->step(ex.auth, text)) {
            out.error = ec;
            co_return out;
          }
        }
      }
      if (resp.transit) {
        stage = resp.nsg;
        if (stage == iscsi::LoginStage::full_feature_phase) {
          if (chap && !chap->done()) {
            out.error = iscsi::chap_errc::missing_key;
            co_return out;
          }
          out.tsih = tsih = resp.tsih;
          out.last_text = std::move(pairs);
          if (auto ec = negotiator.result(out.params)) out.error = ec;
          params = out.params;
          // Digests and our MaxRecvDataSegmentLength from the next PDU on (RFC 7143 13.1).
          t_->configure({params.connection.max_recv_data_segment_length,
                         params.connection.header_digest == iscsi::DigestType::crc32c,
                         params.connection.data_digest == iscsi::DigestType::crc32c});
          co_return out;
        }
      }
      if (auto ec = negotiator.offer(stage, text)) {
        out.error = ec;
        co_return out;
      }
    }
    out.error = std::make_error_code(std::errc::protocol_error);
    co_return out;
  }

  // Sends one SCSI command and plays the initiator's part until its status arrives:
  // immediate data and unsolicited Data-Out as negotiated (unless `unsolicited` is false),
  // Data-Out for every R2T, Data-In gathered by BufferOffset.
  struct Command {
    std::span<const std::byte> cdb;
    std::uint32_t expected_length = 0;
    bool read = false;
    bool write = false;
    std::span<const std::byte> data_out = {};  // the write data (its size may differ from expected_length)
    bool unsolicited = true;
    bool immediate = false;  // I bit
    std::uint64_t lun = 0;
    std::uint32_t itt = 0;   // 0: the next one
  };

  asio::awaitable<CommandResult> command(const Command& c) {
    CommandResult out;
    const std::uint32_t itt = c.itt ? c.itt : next_itt++;
    co_await send_command(c, itt);
    co_return co_await finish_command(c, itt, out);
  }

  asio::awaitable<void> send_command(const Command& c, std::uint32_t itt) {
    iscsi::ScsiCommand cmd;
    cmd.immediate = c.immediate;
    cmd.read = c.read;
    cmd.write = c.write;
    cmd.lun = c.lun;
    cmd.initiator_task_tag = itt;
    cmd.expected_data_transfer_length = c.expected_length;
    cmd.cmd_sn = cmd_sn;
    if (!c.immediate) ++cmd_sn;
    cmd.exp_stat_sn = exp_stat_sn;
    cmd.set_cdb(c.cdb);
    const iscsi::SessionParams& sp = params.session;
    const std::uint32_t segment = params.connection.max_send_data_segment_length;
    const std::uint32_t unsolicited_limit =
        c.write && c.unsolicited ? std::min<std::uint32_t>({sp.first_burst_length, c.expected_length,
                                                             static_cast<std::uint32_t>(c.data_out.size())})
                                 : 0;
    const std::uint32_t immediate =
        sp.immediate_data ? std::min(unsolicited_limit, segment) : 0;
    const bool more_unsolicited = !sp.initial_r2t && unsolicited_limit > immediate;
    cmd.final = !more_unsolicited;
    std::vector<std::byte> ahs;
    cmd.encode_ahs(ahs);
    {
      const std::error_code sent = co_await send(cmd.encode(), c.data_out.subspan(0, immediate), ahs);
      REQUIRE(!sent);
    }
    if (more_unsolicited) {
      std::uint32_t data_sn = 0;
      for (std::uint32_t offset = immediate; offset < unsolicited_limit;) {
        const std::uint32_t n = std::min(segment, unsolicited_limit - offset);
        iscsi::DataOut d;
        d.initiator_task_tag = itt;
        d.lun = c.lun;
        d.data_sn = data_sn++;
        d.buffer_offset = offset;
        d.final = offset + n == unsolicited_limit;
        d.exp_stat_sn = exp_stat_sn;
        {
          const std::error_code sent = co_await send(d.encode(), c.data_out.subspan(offset, n));
          REQUIRE(!sent);
        }
        offset += n;
      }
    }
  }

  // Answers R2Ts and gathers Data-In until the status of `itt` arrives.
  asio::awaitable<CommandResult> finish_command(const Command& c, std::uint32_t itt, CommandResult& out) {
    const std::uint32_t segment = params.connection.max_send_data_segment_length;
    out.data.resize(c.expected_length);
    for (;;) {
      offload::Received r = co_await receive();
      if (r.ec) {
        out.error = r.ec;
        co_return out;
      }
      const iscsi::Bhs& bhs = r.pdu.bhs;
      if (bhs.opcode() == iscsi::Opcode::reject) {
        out.reject = iscsi::Reject::decode(bhs);
        co_return out;
      }
      if (bhs.initiator_task_tag() != itt) {
        unexpected.push_back(std::move(r.pdu));
        continue;
      }
      switch (bhs.opcode()) {
        case iscsi::Opcode::r2t: {
          const iscsi::R2t r2t = iscsi::R2t::decode(bhs);
          out.r2t_log.push_back(r2t);
          ++out.r2ts;
          std::uint32_t data_sn = 0;
          const std::uint32_t end = r2t.buffer_offset + r2t.desired_data_transfer_length;
          for (std::uint32_t offset = r2t.buffer_offset; offset < end;) {
            const std::uint32_t n = std::min(segment, end - offset);
            iscsi::DataOut d;
            d.initiator_task_tag = itt;
            d.target_transfer_tag = r2t.target_transfer_tag;
            d.lun = c.lun;
            d.data_sn = data_sn++;
            d.buffer_offset = offset;
            d.final = offset + n == end;
            d.exp_stat_sn = exp_stat_sn;
            const auto available = c.data_out.size() > offset ? std::min<std::size_t>(n, c.data_out.size() - offset) : 0;
            std::vector<std::byte> chunk(n);
            if (available) std::memcpy(chunk.data(), c.data_out.data() + offset, available);
            {
              const std::error_code sent = co_await send(d.encode(), chunk);
              REQUIRE(!sent);
            }
            offset += n;
          }
          break;
        }
        case iscsi::Opcode::scsi_data_in: {
          const iscsi::DataIn d = iscsi::DataIn::decode(bhs);
          out.data_in_log.push_back(d);
          REQUIRE(d.data_sn == out.data_in_pdus);
          ++out.data_in_pdus;
          REQUIRE(d.buffer_offset + r.pdu.data.size() <= out.data.size());
          std::memcpy(out.data.data() + d.buffer_offset, r.pdu.data.data(), r.pdu.data.size());
          if (d.status_present) {
            out.completed = true;
            out.collapsed = true;
            out.status = d.status;
            out.overflow = d.residual_overflow;
            out.underflow = d.residual_underflow;
            out.residual = d.residual_count;
            co_return out;
          }
          break;
        }
        case iscsi::Opcode::scsi_response: {
          const iscsi::ScsiResponse s = iscsi::ScsiResponse::decode(bhs);
          out.completed = true;
          out.status = s.status;
          out.overflow = s.residual_overflow;
          out.underflow = s.residual_underflow;
          out.residual = s.residual_count;
          out.exp_data_sn = s.exp_data_sn;
          if (!r.pdu.data.empty()) {
            std::span<const std::byte> sense, rest;
            REQUIRE(!iscsi::scsi::split_sense_segment(r.pdu.data, sense, rest));
            out.sense.assign(sense.begin(), sense.end());
          }
          co_return out;
        }
        default:
          unexpected.push_back(std::move(r.pdu));
          break;
      }
    }
  }

  asio::awaitable<CommandResult> read(std::uint64_t lba, std::uint32_t blocks, std::optional<std::uint32_t> edtl = {}) {
    const auto cdb = iscsi::scsi::cdb::read_16(lba, blocks);
    const Command c{.cdb = cdb.view(), .expected_length = edtl.value_or(blocks * kBlockSize), .read = true};
    co_return co_await command(c);
  }

  asio::awaitable<CommandResult> write(std::uint64_t lba, std::span<const std::byte> data, bool unsolicited = true) {
    const auto cdb = iscsi::scsi::cdb::write_16(lba, static_cast<std::uint32_t>(data.size() / kBlockSize));
    const Command c{.cdb = cdb.view(),
                    .expected_length = static_cast<std::uint32_t>(data.size()),
                    .write = true,
                    .data_out = data,
                    .unsolicited = unsolicited};
    co_return co_await command(c);
  }

  asio::awaitable<CommandResult> test_unit_ready(bool immediate = false) {
    const auto cdb = iscsi::scsi::cdb::test_unit_ready();
    const Command c{.cdb = cdb.view(), .immediate = immediate};
    co_return co_await command(c);
  }

  // A NOP-Out ping with `data`; returns the NOP-In.
  asio::awaitable<offload::Received> ping(std::span<const std::byte> data = {}, bool immediate = true) {
    iscsi::NopOut n;
    n.immediate = immediate;
    n.initiator_task_tag = next_itt++;
    n.cmd_sn = cmd_sn;
    if (!immediate) ++cmd_sn;
    n.exp_stat_sn = exp_stat_sn;
    {
      const std::error_code sent = co_await send(n.encode(), data);
      REQUIRE(!sent);
    }
    co_return co_await receive();
  }

  asio::awaitable<offload::Received> task_management(iscsi::TmfFunction f, std::uint64_t lun = 0,
                                                     std::uint32_t referenced = iscsi::kReservedTag,
                                                     std::uint32_t ref_cmd_sn = 0) {
    iscsi::TaskManagementRequest t;
    t.immediate = true;
    t.function = f;
    t.lun = lun;
    t.initiator_task_tag = next_itt++;
    t.referenced_task_tag = referenced;
    t.cmd_sn = cmd_sn;
    t.exp_stat_sn = exp_stat_sn;
    t.ref_cmd_sn = ref_cmd_sn;
    {
      const std::error_code sent = co_await send(t.encode());
      REQUIRE(!sent);
    }
    for (;;) {
      offload::Received r = co_await receive();
      if (r.ec || r.pdu.bhs.opcode() == iscsi::Opcode::task_management_response ||
          r.pdu.bhs.opcode() == iscsi::Opcode::reject) {
        co_return r;
      }
      unexpected.push_back(std::move(r.pdu));
    }
  }

  asio::awaitable<offload::Received> logout(iscsi::LogoutReason reason = iscsi::LogoutReason::close_session,
                                            std::uint16_t cid = 1) {
    iscsi::LogoutRequest l;
    l.immediate = true;
    l.reason = reason;
    l.initiator_task_tag = next_itt++;
    l.cid = cid;
    l.cmd_sn = cmd_sn;
    l.exp_stat_sn = exp_stat_sn;
    {
      const std::error_code sent = co_await send(l.encode());
      REQUIRE(!sent);
    }
    co_return co_await receive();
  }

  // Text Request/Response exchange, following continuations; returns the joined text.
  asio::awaitable<iscsi::TextPairs> text(const iscsi::TextPairs& request, bool immediate = true) {
    std::vector<std::byte> data;
    REQUIRE(!iscsi::serialize_text(request, data));
    iscsi::TextRequest t;
    t.immediate = immediate;
    t.initiator_task_tag = next_itt++;
    t.cmd_sn = cmd_sn;
    if (!immediate) ++cmd_sn;
    t.exp_stat_sn = exp_stat_sn;
    {
      const std::error_code sent = co_await send(t.encode(), data);
      REQUIRE(!sent);
    }
    iscsi::TextAccumulator acc;
    for (;;) {
      offload::Received r = co_await receive();
      REQUIRE(!r.ec);
      REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::text_response);
      const auto resp = iscsi::TextResponse::decode(r.pdu.bhs);
      ++text_responses;
      REQUIRE(!acc.append(r.pdu.data, resp.continue_));
      if (resp.final) break;
      // Ask for the rest with an empty request carrying the response's TTT.
      iscsi::TextRequest next;
      next.immediate = immediate;
      next.initiator_task_tag = t.initiator_task_tag;
      next.target_transfer_tag = resp.target_transfer_tag;
      next.cmd_sn = cmd_sn;
      if (!immediate) ++cmd_sn;
      next.exp_stat_sn = exp_stat_sn;
      {
        const std::error_code sent = co_await send(next.encode());
        REQUIRE(!sent);
      }
    }
    iscsi::TextPairs pairs;
    REQUIRE(!acc.take(pairs));
    co_return pairs;
  }

  std::vector<iscsi::Pdu> unexpected;  // PDUs a helper received but did not wait for
  std::uint32_t text_responses = 0;

 private:
  std::unique_ptr<offload::Transport> t_;
};

// Logs in (normal session, no authentication) on a fresh connection.
inline asio::awaitable<std::unique_ptr<Initiator>> logged_in(Harness& h, const LoginOptions& o) {
  auto i = std::make_unique<Initiator>(h.connect());
  const LoginResult r = co_await i->login(o);
  REQUIRE(!r.error);
  REQUIRE(r.status == iscsi::LoginStatus::success);
  // A new I_T nexus starts with a POWER ON unit attention: clear it, as initiators do.
  if (o.type == iscsi::SessionType::normal) {
    for (int tries = 0; tries < 3; ++tries) {
      const CommandResult tur = co_await i->test_unit_ready();
      REQUIRE(tur.completed);
      if (tur.status == 0) break;
    }
  }
  co_return i;
}

inline asio::awaitable<std::unique_ptr<Initiator>> logged_in(Harness& h) {
  const LoginOptions o;
  co_return co_await logged_in(h, o);
}

}  // namespace uiscsi::target::iscsit::test
