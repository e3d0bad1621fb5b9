// libiscsi's iSCSI URL, the syntax `qemu-nbd iscsi://...` and libiscsi's tools take:
//
//   iscsi://[<username>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>[?<argument>[&<argument>]*]
//
// <host> is a name, an IPv4 address or an IPv6 address in brackets; the port defaults to
// 3260. '%' separates user and password (it is not a percent-escape, as in libiscsi).
// Arguments, as in libiscsi's README: target_user=<name> and target_password=<secret>
// (mutual CHAP), header_digest=<crc32c|none|crc32c-none|none-crc32c>; we also take
// data_digest with the same values. The first digest named is preferred, a single one
// insists. An iser argument is refused (this tool runs over TCP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initiator/portal.h"
#include "iscsi/negotiation_params.h"

namespace uiscsi::initiator::nbd {

struct IscsiUrl {
  std::string user, password;                // CHAP; empty: no authentication
  std::string target_user, target_password;  // mutual CHAP
  Portal portal;
  std::string target;
  std::uint16_t lun = 0;
  std::optional<std::vector<iscsi::DigestType>> header_digests, data_digests;
};

// nullopt with `why` set when `text` is not such a URL.
std::optional<IscsiUrl> parse_iscsi_url(std::string_view text, std::string& why);

}  // namespace uiscsi::initiator::nbd
