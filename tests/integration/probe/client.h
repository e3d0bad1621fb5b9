// A small, blocking, scripted iSCSI initiator for the integration tests (`uiscsi-probe`).
//
// It is deliberately not a real initiator: one connection, one command at a time, no error
// recovery. What it offers instead is control: the exact Login status (class and detail),
// CHAP with a chosen (even reflected) challenge, raw bytes and hand-made PDUs for hostile
// input, and SCSI commands with FUA / SYNCHRONIZE CACHE whose acknowledgements it reports.
// It uses the protocol library (uiscsi::iscsi: PDU codec, parser, writer, text keys, CHAP
// digests) over a plain blocking TCP socket, because hostile tests need to put arbitrary
// bytes on the wire, which no Transport would let through.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "iscsi/chap.h"
#include "iscsi/pdu.h"
#include "iscsi/text.h"

namespace uiscsi::probe {

struct LoginOptions {
  std::string initiator_name = "iqn.2026-11.org.uiscsi:probe";
  std::string target_name;  // TargetName
  // One-way CHAP: our CHAP_N and secret. Unset: AuthMethod=None.
  std::optional<iscsi::ChapCredentials> chap;
  // Mutual CHAP: challenge the target, which must answer as this name with this secret.
  std::optional<iscsi::ChapCredentials> mutual;
  // Mutual CHAP, hostile: send the target's own CHAP_I / CHAP_C back as our challenge
  // (RFC 7143 12.1.3: the target must detect this and fail the login).
  bool reflect_challenge = false;
  std::vector<iscsi::ChapAlgorithm> algorithms{iscsi::ChapAlgorithm::sha256, iscsi::ChapAlgorithm::md5};
  bool header_digest = false;  // propose CRC32C (only), else None
  bool data_digest = false;
  std::uint32_t max_recv_data_segment_length = 262144;
  // Print every Login Request / Response text to stderr (for test logs).
  bool verbose = false;
};

struct LoginResult {
  bool logged_in = false;
  // The status of the last Login Response (0/0 when logged in).
  std::uint8_t status_class = 0;
  std::uint8_t status_detail = 0;
  // The target closed the connection (or sent garbage) instead of answering.
  bool closed = false;
  std::string error;  // for people: what happened, when not logged in
};

struct ScsiResult {
  bool completed = false;  // a SCSI Response (or Data-In with status) arrived
  std::uint8_t status = 0xff;
  std::vector<std::byte> data;   // Data-In payload (data_in_length bytes at most)
  std::vector<std::byte> sense;  // sense data of a CHECK CONDITION
  std::string error;             // when !completed: transport error, Reject, ...
};

struct Received {
  enum class Kind { pdu, closed, timeout, error } kind = Kind::error;
  iscsi::Pdu pdu;
  std::string error;
};

class Client {
 public:
  // Connects to a numeric IPv4/IPv6 address and port. Null with `error` set on failure.
  static std::unique_ptr<Client> connect(const std::string& host, std::uint16_t port,
                                         std::string& error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  LoginResult login(const LoginOptions& options);

  // One SCSI command to `lun`, waiting for its status. `data_out` is sent when the target
  // asks for it (R2T; the login negotiates InitialR2T=Yes, ImmediateData=No);
  // `data_in_length` is the Expected Data Transfer Length of a read.
  ScsiResult execute(std::span<const std::byte> cdb, std::uint16_t lun,
                     std::span<const std::byte> data_out, std::uint32_t data_in_length,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Logout (close the session) and wait for the response.
  bool logout();

  // --- For hostile tests ---------------------------------------------------------------
  bool send_raw(std::span<const std::byte> bytes);
  // The bytes send_pdu() would send (digests included), for tests that corrupt them.
  std::vector<std::byte> encode_pdu(const iscsi::Bhs& bhs, std::span<const std::byte> data = {},
                                    std::span<const std::byte> ahs = {});
  // shutdown(SHUT_WR): the target sees the end of the stream.
  void half_close();
  // Sends a PDU with the negotiated digests (the writer fills in the lengths).
  bool send_pdu(const iscsi::Bhs& bhs, std::span<const std::byte> data = {},
                std::span<const std::byte> ahs = {});
  // The next PDU. NOP-In pings are answered and skipped.
  Received receive(std::chrono::milliseconds timeout);
  // Whether the target closed the connection within `timeout` (data that arrives first is
  // read and dropped).
  bool wait_closed(std::chrono::milliseconds timeout);

  // Sequence numbers for hand-made PDUs.
  std::uint32_t cmd_sn() const noexcept { return cmd_sn_; }
  std::uint32_t exp_stat_sn() const noexcept { return exp_stat_sn_; }
  std::uint32_t next_itt() noexcept { return itt_++; }
  // What the target accepts per PDU (its MaxRecvDataSegmentLength declaration).
  std::uint32_t max_send_data_segment_length() const noexcept { return max_send_; }
  iscsi::DigestConfig digests() const noexcept { return writer_.digests(); }

 private:
  explicit Client(int fd);
  // Tracks StatSN / ExpCmdSN / MaxCmdSN from a target PDU (RFC 7143 4.2.2).
  void note_status(const iscsi::Pdu& pdu);
  bool answer_nop(const iscsi::Pdu& pdu);
  bool send_data_out(const iscsi::R2t& r2t, std::uint16_t lun, std::span<const std::byte> data);

  int fd_;
  iscsi::PduParser parser_;
  iscsi::PduWriter writer_;
  std::vector<std::byte> pending_;  // received bytes not yet fed to the parser
  iscsi::Isid isid_{0x80, 0x12, 0x34, 0x56, 0x00, 0x00};  // random-format ISID (11.12.5)
  std::uint16_t tsih_ = 0;
  std::uint32_t cmd_sn_ = 1;
  std::uint32_t exp_stat_sn_ = 0;
  std::uint32_t max_cmd_sn_ = 1;
  std::uint32_t itt_ = 1;
  std::uint32_t max_send_ = 8192;
};

// A SAM-2 single-level LUN in the 8-byte BHS form.
std::uint64_t lun_field(std::uint16_t lun);

// "host:port" or "[v6]:port".
bool split_portal(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace uiscsi::probe
