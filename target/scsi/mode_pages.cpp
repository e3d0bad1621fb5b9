#include "target/scsi/detail/mode_pages.h"

#include <algorithm>
#include <utility>

namespace uiscsi::target::scsi::detail {
namespace {

// Bits of the pages this implementation uses.
constexpr std::size_t kWceByte = 2;           // caching page byte 2
constexpr std::byte kWce{0x04};
constexpr std::size_t kDSenseByte = 2;        // control page byte 2
constexpr std::byte kDSense{0x04};
constexpr std::byte kGltsd{0x02};
constexpr std::size_t kQamByte = 3;
constexpr std::byte kQamUnrestricted{0x10};   // QUEUE ALGORITHM MODIFIER = 1
constexpr std::size_t kSwpByte = 4;
constexpr std::byte kSwp{0x08};
constexpr std::size_t kDexcptByte = 2;        // informational exceptions byte 2
constexpr std::byte kDexcpt{0x08};

std::vector<std::byte> blank(std::uint8_t code, std::uint8_t page_length) {
  std::vector<std::byte> p(2 + std::size_t{page_length});
  p[0] = std::byte{code};
  p[1] = std::byte{page_length};
  return p;
}

}  // namespace

ModePages::ModePages(bool volatile_cache) {
  // Caching (SBC-3 6.4.5): WCE on when there is a cache to enable.
  Page& caching = pages_[0];
  caching.code = kCachingPage;
  caching.defaults = blank(kCachingPage, 0x12);
  caching.changeable = blank(kCachingPage, 0x12);
  if (volatile_cache) {
    caching.defaults[kWceByte] |= kWce;
    caching.changeable[kWceByte] |= kWce;
  }
  // Control (SPC-4 7.5.8): commands run concurrently, so QAM = 1 (unrestricted reordering)
  // is the honest value; GLTSD = 1 as there are no log parameters to save. D_SENSE and SWP
  // are changeable.
  Page& control = pages_[1];
  control.code = kControlPage;
  control.defaults = blank(kControlPage, 0x0a);
  control.defaults[kDSenseByte] |= kGltsd;
  control.defaults[kQamByte] |= kQamUnrestricted;
  control.changeable = blank(kControlPage, 0x0a);
  control.changeable[kDSenseByte] |= kDSense;
  control.changeable[kSwpByte] |= kSwp;
  // Informational exceptions control (SPC-4 7.5.7): there are no exceptions to report,
  // so exception reporting is disabled (DEXCPT = 1) and fixed.
  Page& ie = pages_[2];
  ie.code = kInformationalExceptionsPage;
  ie.defaults = blank(kInformationalExceptionsPage, 0x0a);
  ie.defaults[kDexcptByte] |= kDexcpt;
  ie.changeable = blank(kInformationalExceptionsPage, 0x0a);

  for (Page& p : pages_) p.current = p.defaults;
  publish();
}

const ModePages::Page* ModePages::find(std::uint8_t code) const noexcept {
  for (const Page& p : pages_) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

ModePages::Page* ModePages::find(std::uint8_t code) noexcept {
  return const_cast<Page*>(std::as_const(*this).find(code));
}

bool ModePages::append(std::uint8_t page_code, PageControl pc, std::vector<std::byte>& out) const {
  std::lock_guard lock(mutex_);
  auto emit = [&](const Page& p) {
    const std::vector<std::byte>& src = pc == PageControl::current      ? p.current
                                        : pc == PageControl::changeable ? p.changeable
                                                                         : p.defaults;
    out.insert(out.end(), src.begin(), src.end());
  };
  if (page_code == kAllPages) {
    for (const Page& p : pages_) emit(p);  // pages_ is in ascending page code order
    return true;
  }
  const Page* p = find(page_code);
  if (p == nullptr) return false;
  emit(*p);
  return true;
}

ModePages::SelectResult ModePages::select(std::span<const std::byte> page, bool apply, std::size_t& bad_offset,
                                          bool& changed) {
  changed = false;
  bad_offset = 0;
  // PS (bit 7) is reserved in MODE SELECT parameter data; SPF (bit 6) would mean a
  // sub-page format this logical unit has none of.
  const std::uint8_t code = std::to_integer<std::uint8_t>(page[0]) & 0x7f;
  std::lock_guard lock(mutex_);
  Page* p = find(code);
  if (p == nullptr) return SelectResult::unknown_page;
  if (page.size() != p->current.size() || std::to_integer<std::uint8_t>(page[1]) != p->current.size() - 2) {
    bad_offset = 1;
    return SelectResult::bad_length;
  }
  // SPC-4 6.9: a bit that is not changeable must be sent with its current value.
  for (std::size_t i = 2; i < page.size(); ++i) {
    if (((page[i] ^ p->current[i]) & ~p->changeable[i]) != std::byte{0}) {
      bad_offset = i;
      return SelectResult::not_changeable;
    }
  }
  changed = !std::equal(page.begin() + 2, page.end(), p->current.begin() + 2);
  if (apply) {
    std::copy(page.begin() + 2, page.end(), p->current.begin() + 2);
    publish();
  }
  return SelectResult::ok;
}

void ModePages::reset() {
  std::lock_guard lock(mutex_);
  for (Page& p : pages_) p.current = p.defaults;
  publish();
}

void ModePages::publish() {
  wce_.store((pages_[0].current[kWceByte] & kWce) != std::byte{0}, std::memory_order_relaxed);
  d_sense_.store((pages_[1].current[kDSenseByte] & kDSense) != std::byte{0}, std::memory_order_relaxed);
  swp_.store((pages_[1].current[kSwpByte] & kSwp) != std::byte{0}, std::memory_order_relaxed);
}

}  // namespace uiscsi::target::scsi::detail
