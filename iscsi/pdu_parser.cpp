#include "iscsi/pdu_parser.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "iscsi/pdu_ahs.h"
#include "iscsi/pdu_error.h"

namespace uiscsi::iscsi {

PduParser::PduParser(PduLimits limits, std::pmr::memory_resource* memory)
    : limits_(limits), memory_(memory), data_(memory) {}

std::error_code PduParser::set_limits(const PduLimits& limits) noexcept {
  const bool between_pdus = (state_ == State::bhs && got_ == 0) || state_ == State::done;
  if (!between_pdus) return pdu_errc::mid_pdu;
  limits_ = limits;
  return {};
}

std::error_code PduParser::place_data(std::span<const iovec> dest) noexcept {
  if (state_ != State::header_ready || data_placed_ || error_) return pdu_errc::placement_not_allowed;
  std::size_t room = 0;
  for (const iovec& v : dest) room += v.iov_len;
  if (room < bhs_.data_segment_length()) return pdu_errc::placement_too_small;
  placed_ = dest;
  data_placed_ = true;
  return {};
}

Pdu PduParser::take() {
  assert(state_ == State::done && "take() is valid only after Event::pdu");
  Pdu pdu{bhs_, std::pmr::vector<std::byte>(ahs().begin(), ahs().end(), memory_),
          std::move(data_), data_placed_};
  reset();
  return pdu;
}

PduParser::Result PduParser::fail(std::size_t consumed, std::error_code ec) noexcept {
  error_ = ec;
  return {consumed, Event::need_more, ec};
}

// Copies input bytes into the current fixed-size part; true once the part is complete.
bool PduParser::fill(std::byte* part, std::size_t part_length, std::span<const std::byte> input,
                     std::size_t& used) noexcept {
  const std::size_t n = std::min(part_length - got_, input.size() - used);
  if (n != 0) std::memcpy(part + got_, input.data() + used, n);
  got_ += n;
  used += n;
  if (got_ < part_length) return false;
  got_ = 0;
  return true;
}

// The header-stage checks, run once BHS, AHS and (if on) the header digest are in, and
// before anything is allocated for the data segment.
std::error_code PduParser::check_header() const noexcept {
  if (auto ec = validate_ahs(ahs())) return ec;
  // RFC 7143 13.12: the sender must respect our MaxRecvDataSegmentLength.
  if (bhs_.data_segment_length() > limits_.max_recv_data_segment_length) {
    return pdu_errc::data_segment_too_long;
  }
  return {};
}

void PduParser::start_data() {
  if (!data_placed_) data_.resize(bhs_.data_segment_length());
  data_crc_.reset();
  got_ = 0;
}

// Calls visit(piece) for the next `n` bytes of the placement destination, one contiguous
// piece at a time, and moves the destination cursor past them. place_data() checked that
// the destination holds the whole data segment, so `n` never runs past its end.
template <typename Visit>
void PduParser::walk_placed(std::size_t n, Visit visit) noexcept {
  while (n != 0) {
    const iovec& v = placed_[placed_index_];
    const std::size_t k = std::min(v.iov_len - placed_offset_, n);
    if (k != 0) visit(std::span<std::byte>(static_cast<std::byte*>(v.iov_base) + placed_offset_, k));
    n -= k;
    placed_offset_ += k;
    if (placed_offset_ == v.iov_len) {
      ++placed_index_;
      placed_offset_ = 0;
    }
  }
}

// Moves as much of `input` as the data segment still needs into its destination,
// updating the data digest on the way. Returns the bytes consumed.
std::size_t PduParser::consume_data(std::span<const std::byte> input) noexcept {
  const std::size_t n = std::min<std::size_t>(bhs_.data_segment_length() - got_, input.size());
  input = input.first(n);
  if (limits_.data_digest) data_crc_.update(input);
  if (!data_placed_) {
    if (n != 0) std::memcpy(data_.data() + got_, input.data(), n);
  } else if (!placement_abandoned_) {
    walk_placed(n, [&](std::span<std::byte> piece) {
      std::memcpy(piece.data(), input.data(), piece.size());
      input = input.subspan(piece.size());
    });
  }
  got_ += n;
  return n;
}

std::size_t PduParser::data_remaining() const noexcept {
  switch (state_) {
    case State::header_ready: return bhs_.data_segment_length();  // got_ is 0 here
    case State::data: return bhs_.data_segment_length() - got_;
    default: return 0;
  }
}

bool PduParser::placement_active() const noexcept {
  return !error_ && data_placed_ && !placement_abandoned_ && data_remaining() != 0;
}

std::span<iovec> PduParser::placement_window(std::span<iovec> out) const noexcept {
  if (!placement_active()) return {};
  std::size_t want = data_remaining();
  std::size_t filled = 0;
  std::size_t offset = placed_offset_;
  for (std::size_t i = placed_index_; i < placed_.size() && want != 0 && filled < out.size(); ++i) {
    const iovec& v = placed_[i];
    const std::size_t k = std::min(v.iov_len - offset, want);
    if (k != 0) out[filled++] = {static_cast<std::byte*>(v.iov_base) + offset, k};
    want -= k;
    offset = 0;
  }
  return out.first(filled);
}

std::error_code PduParser::skip_placed(std::size_t n) noexcept {
  if (!placement_active() || n > data_remaining()) return pdu_errc::placement_not_allowed;
  if (state_ == State::header_ready) {
    // The first bytes of the data segment: what put() would do on its way into it.
    data_crc_.reset();
    got_ = 0;
    state_ = State::data;
  }
  walk_placed(n, [&](std::span<std::byte> piece) {
    if (limits_.data_digest) data_crc_.update(piece);
  });
  got_ += n;
  return {};
}

PduParser::Result PduParser::put(std::span<const std::byte> input) {
  if (error_) return {0, Event::need_more, error_};
  if (state_ == State::done) reset();  // the previous PDU was not taken: drop it
  std::size_t used = 0;
  for (;;) {
    switch (state_) {
      case State::bhs:
        if (!fill(bhs_.raw.data(), kBhsLength, input, used)) return {used, Event::need_more, {}};
        state_ = State::ahs;
        break;
      case State::ahs:
        if (!fill(ahs_.data(), bhs_.ahs_bytes(), input, used)) return {used, Event::need_more, {}};
        if (limits_.header_digest) {
          state_ = State::header_digest;
          break;
        }
        if (auto ec = check_header()) return fail(used, ec);
        state_ = State::header_ready;
        return {used, Event::header, {}};
      case State::header_digest:
        if (!fill(digest_.data(), kDigestLength, input, used)) return {used, Event::need_more, {}};
        // Check the digest first: if it fails, the lengths in the header mean nothing.
        if (load_digest(digest_) != header_digest(bhs_, ahs())) {
          return fail(used, pdu_errc::header_digest_mismatch);
        }
        if (auto ec = check_header()) return fail(used, ec);
        state_ = State::header_ready;
        return {used, Event::header, {}};
      case State::header_ready:
        // The first put() after Event::header: place_data() had its chance.
        if (bhs_.data_segment_length() == 0) {
          // No data segment: no padding and no data digest either (RFC 7143 11.1).
          state_ = State::done;
          return {used, Event::pdu, {}};
        }
        start_data();
        state_ = State::data;
        break;
      case State::data:
        used += consume_data(input.subspan(used));
        if (got_ < bhs_.data_segment_length()) return {used, Event::need_more, {}};
        got_ = 0;
        state_ = State::padding;
        break;
      case State::padding: {
        // Padding belongs to the data digest (RFC 7143 11.1); its value is not checked.
        const std::size_t pad = padding_length(bhs_.data_segment_length());
        const std::size_t n = std::min(pad - got_, input.size() - used);
        if (limits_.data_digest) data_crc_.update(input.subspan(used, n));
        got_ += n;
        used += n;
        if (got_ < pad) return {used, Event::need_more, {}};
        got_ = 0;
        if (limits_.data_digest) {
          state_ = State::data_digest;
          break;
        }
        state_ = State::done;
        return {used, Event::pdu, {}};
      }
      case State::data_digest:
        if (!fill(digest_.data(), kDigestLength, input, used)) return {used, Event::need_more, {}};
        if (load_digest(digest_) != data_crc_.value()) return fail(used, pdu_errc::data_digest_mismatch);
        state_ = State::done;
        return {used, Event::pdu, {}};
      case State::done:
        // Unreachable: put() resets a finished parser on entry.
        return {used, Event::pdu, {}};
    }
  }
}

void PduParser::reset() noexcept {
  state_ = State::bhs;
  got_ = 0;
  data_ = std::pmr::vector<std::byte>(memory_);
  data_placed_ = false;
  placement_abandoned_ = false;
  placed_ = {};
  placed_index_ = 0;
  placed_offset_ = 0;
}

}  // namespace uiscsi::iscsi
