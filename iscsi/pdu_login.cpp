#include "iscsi/pdu_login.h"

namespace uiscsi::iscsi {
namespace {

// Byte 1 of both: T|C|.|.|CSG|NSG (RFC 7143 11.12, 11.13).
constexpr std::uint8_t kTransit = 0x80;
constexpr std::uint8_t kContinue = 0x40;
constexpr std::size_t kVersionMax = 2;
constexpr std::size_t kVersionMinOrActive = 3;
constexpr std::size_t kIsid = 8;
constexpr std::size_t kTsih = 14;
constexpr std::size_t kCid = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kStatusClass = 36;
constexpr std::size_t kStatusDetail = 37;

void encode_stages(Bhs& b, bool transit, bool cont, LoginStage csg, LoginStage nsg) noexcept {
  const auto stage_bits = static_cast<std::uint8_t>(((static_cast<std::uint8_t>(csg) & 3) << 2) |
                                                    (static_cast<std::uint8_t>(nsg) & 3));
  b.set_u8(1, static_cast<std::uint8_t>((transit ? kTransit : 0) | (cont ? kContinue : 0) | stage_bits));
}

template <class T>
void decode_stages(const Bhs& b, T& pdu) noexcept {
  pdu.transit = b.bit(1, kTransit);
  pdu.continue_ = b.bit(1, kContinue);
  pdu.csg = LoginStage{static_cast<std::uint8_t>((b.u8(1) >> 2) & 3)};
  pdu.nsg = LoginStage{static_cast<std::uint8_t>(b.u8(1) & 3)};
}

void encode_isid(Bhs& b, const Isid& isid) noexcept {
  for (std::size_t i = 0; i < isid.size(); ++i) b.set_u8(kIsid + i, isid[i]);
}

Isid decode_isid(const Bhs& b) noexcept {
  Isid isid{};
  for (std::size_t i = 0; i < isid.size(); ++i) isid[i] = b.u8(kIsid + i);
  return isid;
}

}  // namespace

Bhs LoginRequest::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(true);  // RFC 7143 11.12: always immediate
  encode_stages(b, transit, continue_, csg, nsg);
  b.set_u8(kVersionMax, version_max);
  b.set_u8(kVersionMinOrActive, version_min);
  encode_isid(b, isid);
  b.set_u16(kTsih, tsih);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u16(kCid, cid);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  return b;
}

LoginRequest LoginRequest::decode(const Bhs& b) noexcept {
  LoginRequest l;
  decode_stages(b, l);
  l.version_max = b.u8(kVersionMax);
  l.version_min = b.u8(kVersionMinOrActive);
  l.isid = decode_isid(b);
  l.tsih = b.u16(kTsih);
  l.initiator_task_tag = b.initiator_task_tag();
  l.cid = b.u16(kCid);
  l.cmd_sn = b.u32(kCmdSn);
  l.exp_stat_sn = b.u32(kExpStatSn);
  return l;
}

Bhs LoginResponse::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  encode_stages(b, transit, continue_, csg, nsg);
  b.set_u8(kVersionMax, version_max);
  b.set_u8(kVersionMinOrActive, version_active);
  encode_isid(b, isid);
  b.set_u16(kTsih, tsih);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u8(kStatusClass, status_class);
  b.set_u8(kStatusDetail, status_detail);
  return b;
}

LoginResponse LoginResponse::decode(const Bhs& b) noexcept {
  LoginResponse l;
  decode_stages(b, l);
  l.version_max = b.u8(kVersionMax);
  l.version_active = b.u8(kVersionMinOrActive);
  l.isid = decode_isid(b);
  l.tsih = b.u16(kTsih);
  l.initiator_task_tag = b.initiator_task_tag();
  l.stat_sn = b.u32(kStatSn);
  l.exp_cmd_sn = b.u32(kExpCmdSn);
  l.max_cmd_sn = b.u32(kMaxCmdSn);
  l.status_class = b.u8(kStatusClass);
  l.status_detail = b.u8(kStatusDetail);
  return l;
}

}  // namespace uiscsi::iscsi
