// uiscsi-probe hostile CASE|all: a client that breaks the rules. Each case runs on a fresh
// connection and says what the target did; the target must answer with a Reject or close
// the connection (or, where RFC 7143 says so, ignore the PDU) and must stay up for others.
#include <iostream>

#include "iscsi/scsi_cdb_build.h"
#include "probe/commands.h"

namespace uiscsi::probe {
namespace {

using namespace std::chrono_literals;

struct Observation {
  enum class Kind { reject, closed, silent, other } kind = Kind::silent;
  std::uint8_t reject_reason = 0;
  iscsi::Opcode opcode{};

  std::string text() const {
    switch (kind) {
      case Kind::reject: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", reject_reason);
        return std::string("Reject, reason ") + hex;
      }
      case Kind::closed: return "connection closed";
      case Kind::silent: return "no answer";
      case Kind::other: return "answered with opcode " + std::to_string(static_cast<int>(opcode));
    }
    return "?";
  }
};

Observation observe(Client& client, std::chrono::milliseconds timeout) {
  const Received received = client.receive(timeout);
  switch (received.kind) {
    case Received::Kind::timeout: return {Observation::Kind::silent};
    case Received::Kind::closed:
    case Received::Kind::error: return {Observation::Kind::closed};
    case Received::Kind::pdu: break;
  }
  if (received.pdu.bhs.opcode() == iscsi::Opcode::reject) {
    const auto reason = iscsi::Reject::decode(received.pdu.bhs).reason;
    return {Observation::Kind::reject, static_cast<std::uint8_t>(reason)};
  }
  return {Observation::Kind::other, 0, received.pdu.bhs.opcode()};
}

bool reject_or_close(const Observation& o) {
  return o.kind == Observation::Kind::reject || o.kind == Observation::Kind::closed;
}

// A NOP-Out ping that wants a NOP-In back (RFC 7143 11.18).
iscsi::Bhs ping(Client& client) {
  iscsi::NopOut nop;
  nop.immediate = true;
  nop.initiator_task_tag = client.next_itt();
  nop.cmd_sn = client.cmd_sn();
  nop.exp_stat_sn = client.exp_stat_sn();
  return nop.encode();
}

struct Outcome {
  bool acceptable;
  std::string what;
};

// An opcode no initiator may send (0x1c is unassigned): Reject (RFC 7143 11.17.1,
// "Command not supported") or a closed connection.
Outcome unknown_opcode(Client& client) {
  iscsi::Bhs bhs;
  bhs.set_opcode(iscsi::Opcode{0x1c});
  bhs.set_immediate(true);
  bhs.set_final(true);
  bhs.set_initiator_task_tag(client.next_itt());
  bhs.set_u32(24, client.cmd_sn());
  bhs.set_u32(28, client.exp_stat_sn());
  if (!client.send_pdu(bhs)) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  return {reject_or_close(o), o.text()};
}

// TotalAHSLength says 4 bytes, the AHS inside claims 256: framing cannot be trusted.
Outcome bad_ahs(Client& client) {
  iscsi::ScsiCommand command;
  command.initiator_task_tag = client.next_itt();
  command.cmd_sn = client.cmd_sn();
  command.exp_stat_sn = client.exp_stat_sn();
  command.set_cdb(iscsi::scsi::cdb::test_unit_ready().view());
  const std::byte ahs[4] = {std::byte{0x01}, std::byte{0x00}, std::byte{0x01}, std::byte{0x00}};
  if (!client.send_pdu(command.encode(), {}, ahs)) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  return {reject_or_close(o), o.text()};
}

// DataSegmentLength far above the MaxRecvDataSegmentLength the target declared (RFC 7143
// 13.12): the target must not wait for (or allocate) 16 MiB.
Outcome oversized_data(Client& client) {
  iscsi::Bhs bhs = ping(client);
  bhs.set_data_segment_length(iscsi::kMaxDataSegmentLength);
  std::vector<std::byte> bytes(bhs.raw.begin(), bhs.raw.end());
  bytes.resize(bytes.size() + 1024, std::byte{0x55});
  if (!client.send_raw(bytes)) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  return {reject_or_close(o), o.text()};
}

// Half a BHS, then the end of the stream.
Outcome truncated(Client& client) {
  const iscsi::Bhs bhs = ping(client);
  if (!client.send_raw(std::span(bhs.raw).first(20))) return {true, "connection closed while sending"};
  client.half_close();
  const bool closed = client.wait_closed(5s);
  return {closed, closed ? "connection closed" : "connection left open"};
}

// A command whose CmdSN is far outside [ExpCmdSN, MaxCmdSN]: RFC 7143 4.2.2.1 says the
// target silently ignores it. The connection must still work afterwards.
Outcome wrong_cmd_sn(Client& client) {
  iscsi::ScsiCommand command;
  command.initiator_task_tag = client.next_itt();
  command.cmd_sn = client.cmd_sn() + 0x40000000;
  command.exp_stat_sn = client.exp_stat_sn();
  command.set_cdb(iscsi::scsi::cdb::test_unit_ready().view());
  if (!client.send_pdu(command.encode())) return {false, "connection closed while sending"};
  const auto o = observe(client, 2s);
  if (o.kind != Observation::Kind::silent) return {false, o.text() + " (RFC 7143 4.2.2.1: ignore it)"};
  const auto r = client.execute(iscsi::scsi::cdb::test_unit_ready().view(), 0, {}, 0, 10s);
  if (!r.completed) return {false, "ignored, but the next good command failed: " + r.error};
  return {true, "ignored; the next command completed"};
}

// A header digest that does not match (RFC 7143 7.8): the header cannot be trusted, so
// without markers the connection has to go.
Outcome header_digest_error(Client& client) {
  if (!client.digests().header_digest) return {false, "HeaderDigest=CRC32C was not negotiated"};
  auto bytes = client.encode_pdu(ping(client));
  bytes[iscsi::kBhsLength] ^= std::byte{0x01};  // the digest follows the BHS
  if (!client.send_raw(bytes)) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  return {reject_or_close(o), o.text()};
}

// A data digest that does not match: RFC 7143 7.8 wants a Reject with reason
// Data-Digest-Error (0x02); closing the connection is the ERL 0 fallback.
Outcome data_digest_error(Client& client) {
  if (!client.digests().data_digest) return {false, "DataDigest=CRC32C was not negotiated"};
  const std::vector<std::byte> payload(16, std::byte{0x42});
  auto bytes = client.encode_pdu(ping(client), payload);
  bytes.back() ^= std::byte{0x01};  // the data digest is last
  if (!client.send_raw(bytes)) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  const bool right_reason = o.kind != Observation::Kind::reject ||
                            o.reject_reason == static_cast<std::uint8_t>(iscsi::RejectReason::data_digest_error);
  return {reject_or_close(o) && right_reason, o.text()};
}

// Data-Out past the end of what the R2T asked for and of the Expected Data Transfer Length.
Outcome data_out_overrun(Client& client) {
  iscsi::ScsiCommand command;
  command.write = true;
  command.initiator_task_tag = client.next_itt();
  command.expected_data_transfer_length = 512;
  command.cmd_sn = client.cmd_sn();
  command.exp_stat_sn = client.exp_stat_sn();
  command.set_cdb(iscsi::scsi::cdb::write_10(0, 1).view());
  if (!client.send_pdu(command.encode())) return {true, "connection closed while sending"};
  const Received r2t = client.receive(5s);
  if (r2t.kind != Received::Kind::pdu || r2t.pdu.bhs.opcode() != iscsi::Opcode::r2t) {
    return {false, "no R2T for the write"};
  }
  const auto request = iscsi::R2t::decode(r2t.pdu.bhs);
  iscsi::DataOut out;
  out.final = true;
  out.initiator_task_tag = request.initiator_task_tag;
  out.target_transfer_tag = request.target_transfer_tag;
  out.exp_stat_sn = client.exp_stat_sn();
  out.buffer_offset = request.buffer_offset;
  const std::vector<std::byte> too_much(request.desired_data_transfer_length + 4096, std::byte{0x77});
  const auto length = std::min<std::size_t>(too_much.size(), client.max_send_data_segment_length());
  if (!client.send_pdu(out.encode(), std::span(too_much).first(length))) return {true, "connection closed while sending"};
  const auto o = observe(client, 5s);
  // A SCSI Response with an error status is also a correct refusal.
  const bool refused = reject_or_close(o) || (o.kind == Observation::Kind::other && o.opcode == iscsi::Opcode::scsi_response);
  return {refused, o.text()};
}

struct Case {
  std::string_view name;
  Outcome (*run)(Client&);
  bool header_digest = false;
  bool data_digest = false;
};

constexpr Case kCases[] = {
    {"unknown-opcode", unknown_opcode},
    {"bad-ahs", bad_ahs},
    {"oversized-data", oversized_data},
    {"truncated", truncated},
    {"wrong-cmdsn", wrong_cmd_sn},
    {"header-digest", header_digest_error, true, false},
    {"data-digest", data_digest_error, false, true},
    {"data-out-overrun", data_out_overrun},
};

// Bytes that are no iSCSI PDU at all, before any login: the target must close the
// connection, at the latest when its login timeout (--garbage-wait seconds, default 10)
// has passed: 48 bytes of 0xa5 announce 660 bytes of AHS, so a framer that trusts the BHS
// waits for more.
bool run_garbage(const Options& options) {
  std::string host;
  std::uint16_t port = 0;
  std::string error;
  split_portal(options.get("portal"), host, port);
  auto client = Client::connect(host, port, error);
  if (!client) {
    std::cout << "garbage: cannot connect: " << error << '\n';
    return false;
  }
  std::vector<std::byte> junk(48, std::byte{0xa5});  // opcode 0x25: a target's Data-In
  client->send_raw(junk);
  const auto o = observe(*client, std::chrono::seconds(options.number("garbage-wait", 10)));
  // A Login Response with an error status is a refusal too.
  const bool ok = o.kind == Observation::Kind::closed || o.kind == Observation::Kind::reject ||
                  (o.kind == Observation::Kind::other && o.opcode == iscsi::Opcode::login_response);
  std::cout << "garbage: " << o.text() << (ok ? "" : "  <-- NOT acceptable") << '\n';
  return ok;
}

}  // namespace

int run_hostile(const Options& options) {
  const std::string wanted = options.operands.empty() ? "all" : options.operands.front();
  bool all_ok = true;
  bool found = false;
  if (wanted == "all" || wanted == "garbage") {
    found = true;
    all_ok = run_garbage(options) && all_ok;
  }
  for (const Case& c : kCases) {
    if (wanted != "all" && wanted != c.name) continue;
    found = true;
    Options login = options;
    if (c.header_digest) login.values["header-digest"] = "";
    if (c.data_digest) login.values["data-digest"] = "";
    auto client = connect_and_login(login);
    if (!client) {
      std::cout << c.name << ": cannot log in\n";
      all_ok = false;
      continue;
    }
    // The first commands of a session meet the power-on unit attention (SAM-5 5.14); take
    // it now, so that the case sees the target's answer to its own PDU.
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto r = client->execute(iscsi::scsi::cdb::test_unit_ready().view(), 0, {}, 0, 10s);
      if (!r.completed || r.status == 0) break;
    }
    const Outcome outcome = c.run(*client);
    std::cout << c.name << ": " << outcome.what << (outcome.acceptable ? "" : "  <-- NOT acceptable") << '\n';
    all_ok = outcome.acceptable && all_ok;
  }
  if (!found) {
    std::cerr << "uiscsi-probe: unknown case '" << wanted << "'\n";
    return 2;
  }
  return all_ok ? 0 : 1;
}

}  // namespace uiscsi::probe
