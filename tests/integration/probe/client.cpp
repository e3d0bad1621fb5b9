#include "probe/client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iscsi/login_status.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/text_values.h"

namespace uiscsi::probe {
namespace {

using Clock = std::chrono::steady_clock;

bool has_stat_sn(const iscsi::Pdu& pdu) {
  // Target PDUs whose StatSN numbers a status (RFC 7143 4.2.2.2); R2T and unsolicited
  // NOP-In only announce the next one.
  switch (pdu.bhs.opcode()) {
    case iscsi::Opcode::scsi_response:
    case iscsi::Opcode::login_response:
    case iscsi::Opcode::text_response:
    case iscsi::Opcode::logout_response:
    case iscsi::Opcode::task_management_response:
    case iscsi::Opcode::reject:
    case iscsi::Opcode::async_message:
      return true;
    case iscsi::Opcode::scsi_data_in:
      return iscsi::DataIn::decode(pdu.bhs).status_present;
    case iscsi::Opcode::nop_in:
      return pdu.bhs.initiator_task_tag() != iscsi::kReservedTag;
    default:
      return false;
  }
}

std::string value_of(const iscsi::TextPairs& pairs, std::string_view key) {
  const auto* pair = iscsi::find_pair(pairs, key);
  return pair ? pair->value : std::string();
}

std::string status_text(std::uint8_t status_class, std::uint8_t status_detail) {
  char code[8];
  std::snprintf(code, sizeof code, "0x%02x%02x", status_class, status_detail);
  const auto status = iscsi::make_login_status(status_class, status_detail);
  return std::string(code) + " (" + std::string(iscsi::status_class_text(status_class)) + ": " +
         std::string(iscsi::status_detail_text(status)) + ")";
}

}  // namespace

std::uint64_t lun_field(std::uint16_t lun) { return iscsi::scsi::encode_lun(lun).value_or(0); }

bool split_portal(const std::string& text, std::string& host, std::uint16_t& port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const unsigned long value = std::strtoul(text.c_str() + colon + 1, nullptr, 10);
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return !host.empty();
}

std::unique_ptr<Client> Client::connect(const std::string& host, std::uint16_t port,
                                        std::string& error) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    error = host + ": " + ::gai_strerror(rc);
    return nullptr;
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    error = "connect to " + host + ":" + service + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::freeaddrinfo(found);
    return nullptr;
  }
  ::freeaddrinfo(found);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<Client>(new Client(fd));
}

Client::Client(int fd) : fd_(fd) {
  // A distinct ISID per process, so concurrent probes are distinct sessions (11.12.5).
  const auto pid = static_cast<std::uint32_t>(::getpid());
  isid_[4] = static_cast<std::uint8_t>(pid >> 8);
  isid_[5] = static_cast<std::uint8_t>(pid);
}

Client::~Client() { ::close(fd_); }

bool Client::send_raw(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

std::vector<std::byte> Client::encode_pdu(const iscsi::Bhs& bhs, std::span<const std::byte> data,
                                         std::span<const std::byte> ahs) {
  const iovec data_iov{const_cast<std::byte*>(data.data()), data.size()};
  iscsi::OutgoingPdu pdu{bhs, ahs, data.empty() ? std::span<const iovec>{} : std::span<const iovec>(&data_iov, 1)};
  std::error_code ec;
  const auto iov = writer_.prepare(pdu, ec);
  std::vector<std::byte> bytes;
  for (const iovec& v : iov) {
    const auto* p = static_cast<const std::byte*>(v.iov_base);
    bytes.insert(bytes.end(), p, p + v.iov_len);
  }
  return bytes;  // empty when the writer refused the PDU
}

bool Client::send_pdu(const iscsi::Bhs& bhs, std::span<const std::byte> data,
                      std::span<const std::byte> ahs) {
  const auto bytes = encode_pdu(bhs, data, ahs);
  return !bytes.empty() && send_raw(bytes);
}

void Client::half_close() { ::shutdown(fd_, SHUT_WR); }

Received Client::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto r = parser_.put(pending_);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    if (r.ec) return {Received::Kind::error, {}, "unframeable input: " + r.ec.message()};
    if (r.event == iscsi::PduParser::Event::header) continue;
    if (r.event == iscsi::PduParser::Event::pdu) {
      iscsi::Pdu pdu = parser_.take();
      note_status(pdu);
      if (pdu.bhs.opcode() == iscsi::Opcode::nop_in &&
          pdu.bhs.initiator_task_tag() == iscsi::kReservedTag) {
        // A target ping (RFC 7143 11.19): answer it and keep waiting.
        if (!answer_nop(pdu)) return {Received::Kind::closed, {}, "cannot answer a NOP-In"};
        continue;
      }
      return {Received::Kind::pdu, std::move(pdu), {}};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return {Received::Kind::timeout, {}, "no answer"};
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return {Received::Kind::timeout, {}, "no answer"};
    std::byte buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return {Received::Kind::closed, {}, "the target closed the connection"};
    if (n < 0) return {Received::Kind::closed, {}, std::string("connection lost: ") + std::strerror(errno)};
    pending_.insert(pending_.end(), buffer, buffer + n);
  }
}

bool Client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    std::byte buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
  }
}

void Client::note_status(const iscsi::Pdu& pdu) {
  if (!iscsi::is_target_opcode(pdu.bhs.opcode())) return;
  if (has_stat_sn(pdu)) exp_stat_sn_ = pdu.bhs.u32(24) + 1;
  if (pdu.bhs.opcode() != iscsi::Opcode::login_response || pdu.bhs.u8(36) == 0) {
    max_cmd_sn_ = pdu.bhs.u32(32);
  }
}

bool Client::answer_nop(const iscsi::Pdu& pdu) {
  const auto ping = iscsi::NopIn::decode(pdu.bhs);
  if (ping.target_transfer_tag == iscsi::kReservedTag) return true;  // no answer wanted
  iscsi::NopOut answer;
  answer.immediate = true;
  answer.lun = ping.lun;
  answer.target_transfer_tag = ping.target_transfer_tag;
  answer.cmd_sn = cmd_sn_;
  answer.exp_stat_sn = exp_stat_sn_;
  return send_pdu(answer.encode());
}

LoginResult Client::login(const LoginOptions& options) {
  LoginResult result;
  const std::uint32_t itt = next_itt();
  iscsi::LoginResponse response;
  iscsi::TextPairs answer;

  // One Login Request / Response round. False: the login is over (status or error).
  const auto round = [&](iscsi::LoginStage csg, iscsi::LoginStage nsg, bool transit,
                         const iscsi::TextPairs& pairs) -> bool {
    iscsi::LoginRequest request;
    request.transit = transit;
    request.csg = csg;
    request.nsg = transit ? nsg : iscsi::LoginStage::security_negotiation;
    request.isid = isid_;
    request.tsih = tsih_;
    request.initiator_task_tag = itt;
    request.cmd_sn = cmd_sn_;
    request.exp_stat_sn = exp_stat_sn_;
    if (options.verbose) {
      std::fprintf(stderr, "-> Login CSG=%d NSG=%d T=%d:", static_cast<int>(csg), static_cast<int>(request.nsg), transit);
      for (const auto& p : pairs) std::fprintf(stderr, " %s=%s", p.key.c_str(), p.value.c_str());
      std::fprintf(stderr, "\n");
    }
    std::vector<std::byte> data;
    if (const auto ec = iscsi::serialize_text(pairs, data)) {
      result.error = "cannot encode the login text: " + ec.message();
      return false;
    }
    if (!send_pdu(request.encode(), data)) {
      result.closed = true;
      result.error = "the target closed the connection while we sent a Login Request";
      return false;
    }
    const Received received = receive(std::chrono::seconds(10));
    if (received.kind != Received::Kind::pdu) {
      result.closed = received.kind != Received::Kind::timeout;
      result.error = received.error;
      return false;
    }
    if (received.pdu.bhs.opcode() != iscsi::Opcode::login_response) {
      result.error = "expected a Login Response, got opcode " +
                     std::to_string(static_cast<int>(received.pdu.bhs.opcode()));
      return false;
    }
    response = iscsi::LoginResponse::decode(received.pdu.bhs);
    answer.clear();
    if (const auto ec = iscsi::parse_text(received.pdu.data, answer)) {
      result.error = "bad login text: " + ec.message();
      return false;
    }
    if (options.verbose) {
      std::fprintf(stderr, "<- Login CSG=%d NSG=%d T=%d status=0x%02x%02x:", static_cast<int>(response.csg),
                   static_cast<int>(response.nsg), response.transit, response.status_class, response.status_detail);
      for (const auto& p : answer) std::fprintf(stderr, " %s=%s", p.key.c_str(), p.value.c_str());
      std::fprintf(stderr, "\n");
    }
    result.status_class = response.status_class;
    result.status_detail = response.status_detail;
    if (response.status_class != 0) {
      result.error = "refused: status " + status_text(response.status_class, response.status_detail);
      return false;
    }
    return true;
  };

  using Stage = iscsi::LoginStage;
  iscsi::TextPairs pairs{{"InitiatorName", options.initiator_name},
                         {"SessionType", "Normal"},
                         {"TargetName", options.target_name},
                         {"AuthMethod", options.chap ? "CHAP" : "None"}};
  if (!round(Stage::security_negotiation, Stage::login_operational_negotiation, !options.chap, pairs)) {
    return result;
  }
  if (options.chap) {
    if (value_of(answer, "AuthMethod") != "CHAP") {
      result.error = "the target did not accept AuthMethod=CHAP (answered '" + value_of(answer, "AuthMethod") + "')";
      return result;
    }
    std::string offer;
    for (const auto a : options.algorithms) offer += (offer.empty() ? "" : ",") + std::to_string(static_cast<int>(a));
    if (!round(Stage::security_negotiation, Stage::login_operational_negotiation, false, {{"CHAP_A", offer}})) {
      return result;
    }
    std::uint64_t a_number = 0;
    std::uint64_t identifier = 0;
    std::vector<std::byte> target_challenge;
    const auto algorithm = iscsi::parse_number(value_of(answer, "CHAP_A"), a_number)
                               ? std::nullopt
                               : iscsi::chap_algorithm_from_number(a_number);
    if (!algorithm || iscsi::parse_number(value_of(answer, "CHAP_I"), identifier) || identifier > 255 ||
        iscsi::parse_binary(value_of(answer, "CHAP_C"), target_challenge)) {
      result.error = "the target's CHAP challenge is malformed";
      return result;
    }
    std::vector<std::byte> response_bytes;
    if (iscsi::chap_response(*algorithm, static_cast<std::uint8_t>(identifier), options.chap->secret,
                             target_challenge, response_bytes)) {
      result.error = "cannot compute CHAP_R";
      return result;
    }
    iscsi::TextPairs chap_pairs{{"CHAP_N", options.chap->name}, {"CHAP_R", iscsi::format_hex(response_bytes)}};
    std::uint8_t our_identifier = 0;
    std::vector<std::byte> our_challenge;
    if (options.mutual || options.reflect_challenge) {
      if (options.reflect_challenge) {
        our_identifier = static_cast<std::uint8_t>(identifier);
        our_challenge = target_challenge;
      } else {
        our_challenge.resize(iscsi::chap_digest_size(*algorithm));
        RAND_bytes(reinterpret_cast<unsigned char*>(our_challenge.data()), static_cast<int>(our_challenge.size()));
        RAND_bytes(&our_identifier, 1);
      }
      chap_pairs.push_back({"CHAP_I", std::to_string(our_identifier)});
      chap_pairs.push_back({"CHAP_C", iscsi::format_hex(our_challenge)});
    }
    if (!round(Stage::security_negotiation, Stage::login_operational_negotiation, true, chap_pairs)) {
      return result;
    }
    if (options.mutual && !options.reflect_challenge) {
      std::vector<std::byte> expected;
      std::vector<std::byte> got;
      iscsi::chap_response(*algorithm, our_identifier, options.mutual->secret, our_challenge, expected);
      if (value_of(answer, "CHAP_N") != options.mutual->name ||
          iscsi::parse_binary(value_of(answer, "CHAP_R"), got) || got != expected) {
        result.error = "the target failed mutual CHAP";
        return result;
      }
    }
  }
  for (int extra = 0; !response.transit; ++extra) {
    if (extra == 4 || !round(Stage::security_negotiation, Stage::login_operational_negotiation, true, {})) {
      if (result.error.empty()) result.error = "the target does not leave the security stage";
      return result;
    }
  }

  const std::string digest_h = options.header_digest ? "CRC32C" : "None";
  const std::string digest_d = options.data_digest ? "CRC32C" : "None";
  // Every key the target might otherwise propose itself, so there is nothing to answer.
  const iscsi::TextPairs operational{
      {"HeaderDigest", digest_h},
      {"DataDigest", digest_d},
      {"MaxRecvDataSegmentLength", std::to_string(options.max_recv_data_segment_length)},
      {"InitialR2T", "Yes"},
      {"ImmediateData", "No"},
      {"MaxBurstLength", "262144"},
      {"FirstBurstLength", "65536"},
      {"MaxConnections", "1"},
      {"MaxOutstandingR2T", "1"},
      {"ErrorRecoveryLevel", "0"},
      {"DefaultTime2Wait", "2"},
      {"DefaultTime2Retain", "0"},
      {"DataPDUInOrder", "Yes"},
      {"DataSequenceInOrder", "Yes"},
  };
  if (!round(Stage::login_operational_negotiation, Stage::full_feature_phase, true, operational)) {
    return result;
  }
  iscsi::TextPairs settled = answer;
  for (int extra = 0; !response.transit || response.nsg != Stage::full_feature_phase; ++extra) {
    if (extra == 4 || !round(Stage::login_operational_negotiation, Stage::full_feature_phase, true, {})) {
      if (result.error.empty()) result.error = "the target does not enter Full Feature Phase";
      return result;
    }
    settled.insert(settled.end(), answer.begin(), answer.end());
  }
  std::uint64_t target_mrdsl = 8192;  // RFC 7143 13.12 default when not declared
  if (const auto* pair = iscsi::find_pair(settled, "MaxRecvDataSegmentLength")) {
    iscsi::parse_number(pair->value, target_mrdsl);
  }
  max_send_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(target_mrdsl, iscsi::kMaxDataSegmentLength));
  const bool hd = value_of(settled, "HeaderDigest") == "CRC32C";
  const bool dd = value_of(settled, "DataDigest") == "CRC32C";
  writer_.set_digests({hd, dd});
  parser_.set_limits({options.max_recv_data_segment_length, hd, dd});
  tsih_ = response.tsih;
  result.logged_in = true;
  return result;
}

bool Client::send_data_out(const iscsi::R2t& r2t, std::uint16_t lun, std::span<const std::byte> data) {
  const std::uint64_t end = std::uint64_t{r2t.buffer_offset} + r2t.desired_data_transfer_length;
  if (end > data.size()) return false;  // the target asked for more than the command has
  std::uint32_t offset = r2t.buffer_offset;
  for (std::uint32_t data_sn = 0; offset < end; ++data_sn) {
    const std::uint32_t length = static_cast<std::uint32_t>(std::min<std::uint64_t>(max_send_, end - offset));
    iscsi::DataOut out;
    out.final = offset + length == end;
    out.lun = lun_field(lun);
    out.initiator_task_tag = r2t.initiator_task_tag;
    out.target_transfer_tag = r2t.target_transfer_tag;
    out.exp_stat_sn = exp_stat_sn_;
    out.data_sn = data_sn;
    out.buffer_offset = offset;
    if (!send_pdu(out.encode(), data.subspan(offset, length))) return false;
    offset += length;
  }
  return true;
}

ScsiResult Client::execute(std::span<const std::byte> cdb, std::uint16_t lun,
                           std::span<const std::byte> data_out, std::uint32_t data_in_length,
                           std::chrono::milliseconds timeout) {
  ScsiResult result;
  iscsi::ScsiCommand command;
  command.read = data_in_length > 0;
  command.write = !data_out.empty();
  command.lun = lun_field(lun);
  command.initiator_task_tag = next_itt();
  command.expected_data_transfer_length =
      command.write ? static_cast<std::uint32_t>(data_out.size()) : data_in_length;
  command.cmd_sn = cmd_sn_++;
  command.exp_stat_sn = exp_stat_sn_;
  command.set_cdb(cdb);
  std::vector<std::byte> ahs;
  command.encode_ahs(ahs);
  if (!send_pdu(command.encode(), {}, ahs)) {
    result.error = "connection lost while sending the command";
    return result;
  }
  result.data.resize(data_in_length);
  std::size_t data_in_end = 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const Received received = receive(std::max(left, std::chrono::milliseconds(1)));
    if (received.kind != Received::Kind::pdu) {
      result.error = received.error;
      return result;
    }
    const iscsi::Pdu& pdu = received.pdu;
    const bool ours = pdu.bhs.initiator_task_tag() == command.initiator_task_tag;
    switch (pdu.bhs.opcode()) {
      case iscsi::Opcode::scsi_data_in: {
        if (!ours) break;
        const auto in = iscsi::DataIn::decode(pdu.bhs);
        const std::size_t end = std::size_t{in.buffer_offset} + pdu.data.size();
        if (end > result.data.size()) {
          result.error = "Data-In beyond the Expected Data Transfer Length";
          return result;
        }
        std::copy(pdu.data.begin(), pdu.data.end(), result.data.begin() + in.buffer_offset);
        data_in_end = std::max(data_in_end, end);
        if (in.status_present) {
          result.completed = true;
          result.status = in.status;
          result.data.resize(data_in_end);
          return result;
        }
        break;
      }
      case iscsi::Opcode::r2t:
        if (ours && !send_data_out(iscsi::R2t::decode(pdu.bhs), lun, data_out)) {
          result.error = "cannot answer the R2T";
          return result;
        }
        break;
      case iscsi::Opcode::scsi_response: {
        if (!ours) break;
        const auto response = iscsi::ScsiResponse::decode(pdu.bhs);
        result.completed = response.response == iscsi::ServiceResponse::command_completed_at_target;
        result.status = response.status;
        if (!result.completed) result.error = "target failure";
        if (pdu.data.size() >= 2) {
          // SenseLength, then the sense data (RFC 7143 11.4.7.2).
          const std::size_t length = std::to_integer<std::size_t>(pdu.data[0]) << 8 |
                                     std::to_integer<std::size_t>(pdu.data[1]);
          const std::size_t available = std::min(length, pdu.data.size() - 2);
          result.sense.assign(pdu.data.begin() + 2, pdu.data.begin() + 2 + static_cast<std::ptrdiff_t>(available));
        }
        result.data.resize(data_in_end);
        return result;
      }
      case iscsi::Opcode::reject:
        result.error = "Reject, reason 0x" + [&] {
          char hex[3];
          std::snprintf(hex, sizeof hex, "%02x", pdu.bhs.u8(2));
          return std::string(hex);
        }();
        return result;
      default:
        break;  // Async messages and the like: not about this command
    }
  }
}

bool Client::logout() {
  iscsi::LogoutRequest request;
  request.reason = iscsi::LogoutReason::close_session;
  request.initiator_task_tag = next_itt();
  request.cmd_sn = cmd_sn_++;
  request.exp_stat_sn = exp_stat_sn_;
  if (!send_pdu(request.encode())) return false;
  for (;;) {
    const Received received = receive(std::chrono::seconds(10));
    if (received.kind != Received::Kind::pdu) return false;
    if (received.pdu.bhs.opcode() == iscsi::Opcode::logout_response) {
      return iscsi::LogoutResponse::decode(received.pdu.bhs).response ==
             iscsi::LogoutResponseCode::closed_successfully;
    }
  }
}

}  // namespace uiscsi::probe
