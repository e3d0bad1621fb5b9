// libFuzzer target for iscsi::PduParser.
//
// Input: byte 0 picks the configuration, the rest is the byte stream.
//   bits 0-1  HeaderDigest / DataDigest
//   bits 2-3  MaxRecvDataSegmentLength: 512, 8192, 65536, 2^24-1
//   bit  4    place data segments into caller iovecs instead of parser-owned buffers
//   bits 5-7  chunking: 0 = the whole stream in one put(); otherwise chunk sizes come from a
//             generator seeded by byte 0 and the stream length, at most 2^(2k-1) bytes
// Every put() is checked against the parser's contract, and every delivered header is
// decoded as its typed PDU and re-encoded.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_require.h"
#include "iscsi/pdu.h"

using namespace uiscsi::iscsi;

namespace {

template <class T>
void check_codec(const Bhs& bhs) {
  const T pdu = T::decode(bhs);
  require(T::decode(pdu.encode()) == pdu);
}

void check_typed(const Bhs& bhs, std::span<const std::byte> ahs) {
  switch (bhs.opcode()) {
    case Opcode::scsi_command: {
      std::error_code ec;
      const ScsiCommand cmd = ScsiCommand::decode(bhs, ahs, ec);
      if (!ec) {
        std::vector<std::byte> again;
        cmd.encode_ahs(again);
        std::error_code ec2;
        require(ScsiCommand::decode(cmd.encode(), again, ec2) == cmd && !ec2);
      }
      break;
    }
    case Opcode::scsi_response: check_codec<ScsiResponse>(bhs); break;
    case Opcode::scsi_data_out: check_codec<DataOut>(bhs); break;
    case Opcode::scsi_data_in: check_codec<DataIn>(bhs); break;
    case Opcode::r2t: check_codec<R2t>(bhs); break;
    case Opcode::nop_out: check_codec<NopOut>(bhs); break;
    case Opcode::nop_in: check_codec<NopIn>(bhs); break;
    case Opcode::login_request: check_codec<LoginRequest>(bhs); break;
    case Opcode::login_response: check_codec<LoginResponse>(bhs); break;
    case Opcode::text_request: check_codec<TextRequest>(bhs); break;
    case Opcode::text_response: check_codec<TextResponse>(bhs); break;
    case Opcode::logout_request: check_codec<LogoutRequest>(bhs); break;
    case Opcode::logout_response: check_codec<LogoutResponse>(bhs); break;
    case Opcode::task_management_request: check_codec<TaskManagementRequest>(bhs); break;
    case Opcode::task_management_response: check_codec<TaskManagementResponse>(bhs); break;
    case Opcode::snack_request: check_codec<SnackRequest>(bhs); break;
    case Opcode::async_message: check_codec<AsyncMessage>(bhs); break;
    case Opcode::reject: check_codec<Reject>(bhs); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = raw[0];
  constexpr std::uint32_t kLimits[] = {512, 8192, 65536, kMaxDataSegmentLength};
  const PduLimits limits{.max_recv_data_segment_length = kLimits[(mode >> 2) & 3],
                         .header_digest = (mode & 1) != 0,
                         .data_digest = (mode & 2) != 0};
  const bool place = (mode & 0x10) != 0;
  const unsigned chunking = mode >> 5;
  std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(raw) + 1, size - 1);

  std::uint32_t rng = mode * 2654435761u + static_cast<std::uint32_t>(size);
  auto next_chunk = [&](std::size_t remaining) -> std::size_t {
    if (chunking == 0) return remaining;
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    const std::size_t max = std::size_t{1} << (2 * chunking - 1);
    return std::min<std::size_t>(remaining, 1 + rng % max);
  };

  PduParser parser(limits);
  std::vector<std::byte> placement;
  std::vector<iovec> dest;
  bool in_pdu = false;
  while (!stream.empty()) {
    std::span<const std::byte> chunk = stream.first(next_chunk(stream.size()));
    stream = stream.subspan(chunk.size());
    while (true) {
      const auto r = parser.put(chunk);
      require(r.consumed <= chunk.size());
      chunk = chunk.subspan(r.consumed);
      if (r.ec) {
        // Poisoned: the same error again, nothing consumed.
        const auto again = parser.put(chunk);
        require(again.ec == r.ec && again.consumed == 0 && r.event == PduParser::Event::need_more);
        return 0;
      }
      if (r.event == PduParser::Event::need_more) {
        require(chunk.empty());  // need_more only when everything was consumed
        break;
      }
      if (r.event == PduParser::Event::header) {
        require(!in_pdu);
        in_pdu = true;
        const Bhs& bhs = parser.bhs();
        require(bhs.data_segment_length() <= limits.max_recv_data_segment_length);
        require(parser.ahs().size() == bhs.ahs_bytes());
        require(!validate_ahs(parser.ahs()));
        check_typed(bhs, parser.ahs());
        if (place) {
          // Split the destination into uneven iovecs to exercise the iovec walk.
          placement.assign(bhs.data_segment_length(), std::byte{0});
          dest.clear();
          for (std::size_t at = 0, piece = 1; at < placement.size(); at += piece, piece = piece * 3 + 1) {
            dest.push_back({placement.data() + at, std::min(piece, placement.size() - at)});
          }
          require(!parser.place_data(dest));
        }
        continue;
      }
      require(in_pdu);
      in_pdu = false;
      const Pdu pdu = parser.take();
      require(pdu.data_placed == place);
      require(pdu.data.size() == (place ? 0 : pdu.bhs.data_segment_length()));
      require(pdu.ahs.size() == pdu.bhs.ahs_bytes());
    }
  }
  return 0;
}
