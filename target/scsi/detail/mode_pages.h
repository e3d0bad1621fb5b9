// The mode pages of a logical unit (SPC-4 7.5, SBC-3 6.4): caching (08h), control (0Ah)
// and informational exceptions control (1Ch). One set is shared by all I_T nexuses.
//
// Saved values are not implemented (nothing is written to stable storage): the saved
// values are the defaults, MODE SENSE with PC = saved reports SAVING PARAMETERS NOT
// SUPPORTED, and MODE SELECT with SP = 1 is rejected.
//
// Thread safety: MODE SELECT / MODE SENSE serialise on a mutex; the three bits the data
// path consults (WCE, D_SENSE, SWP) are mirrored in atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace uiscsi::target::scsi::detail {

// PC field of MODE SENSE (SPC-4 6.11.1).
enum class PageControl : std::uint8_t { current = 0, changeable = 1, default_values = 2, saved = 3 };

inline constexpr std::uint8_t kCachingPage = 0x08;
inline constexpr std::uint8_t kControlPage = 0x0a;
inline constexpr std::uint8_t kInformationalExceptionsPage = 0x1c;
inline constexpr std::uint8_t kAllPages = 0x3f;

class ModePages {
 public:
  // `volatile_cache`: the backend has a write cache the initiator may switch off (WCE is
  // then changeable, and on by default); otherwise WCE is 0 and fixed.
  explicit ModePages(bool volatile_cache);

  bool write_cache_enabled() const noexcept { return wce_.load(std::memory_order_relaxed); }
  bool descriptor_sense() const noexcept { return d_sense_.load(std::memory_order_relaxed); }
  bool software_write_protect() const noexcept { return swp_.load(std::memory_order_relaxed); }

  // Appends page `page_code` (kAllPages: every page, in ascending order) as `pc` asks.
  // False for a page this logical unit does not have.
  bool append(std::uint8_t page_code, PageControl pc, std::vector<std::byte>& out) const;

  enum class SelectResult { ok, unknown_page, bad_length, not_changeable };
  // Checks one mode page from a MODE SELECT parameter list (`page` = the whole page, its
  // header included) and, with `apply`, makes it current. On failure `bad_offset` is the
  // offset inside `page` of the field at fault and nothing is changed. `changed` tells
  // whether a current value changes. MODE SELECT checks every page before applying any.
  SelectResult select(std::span<const std::byte> page, bool apply, std::size_t& bad_offset, bool& changed);

  // LOGICAL UNIT RESET: the current values go back to the saved ones (SPC-4 7.5.2).
  void reset();

 private:
  struct Page {
    std::uint8_t code = 0;
    std::vector<std::byte> defaults;    // whole page, header included
    std::vector<std::byte> changeable;  // mask, same layout
    std::vector<std::byte> current;
  };
  const Page* find(std::uint8_t code) const noexcept;
  Page* find(std::uint8_t code) noexcept;
  void publish();  // refresh the atomics from the current values, mutex_ held

  mutable std::mutex mutex_;
  std::array<Page, 3> pages_;
  std::atomic<bool> wce_{false};
  std::atomic<bool> d_sense_{false};
  std::atomic<bool> swp_{false};
};

}  // namespace uiscsi::target::scsi::detail
