// The iSCSI URL of libiscsi, so that `uiscsi-bench io` takes the same LUN address as
// iscsi-perf and qemu-nbd:
//
//   iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN
//
// HOST is a numeric address (IPv6 in brackets); PORT defaults to 3260.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::bench {

struct IscsiUrl {
  std::string user;      // empty: no CHAP
  std::string password;
  std::string host;      // without brackets
  std::uint16_t port = 3260;
  std::string target_name;
  std::uint16_t lun = 0;

  // Back to the URL form (with the password, as libiscsi tools want it).
  std::string to_string() const;
};

// Parses `text`; on failure returns nullopt and sets `why` to what is wrong.
std::optional<IscsiUrl> parse_iscsi_url(std::string_view text, std::string& why);

}  // namespace uiscsi::bench
