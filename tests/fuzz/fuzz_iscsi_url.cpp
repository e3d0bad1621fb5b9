// libFuzzer target for libiscsi's URL syntax as uiscsi-nbd parses it
// (initiator/nbd/iscsi_url.h): the command line of a tool that may be scripted with
// untrusted names.
//
// Checked: no crash or sanitizer report; a refusal says why; an accepted URL names a host
// and a target, and a digest list, when given, is never empty.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_require.h"
#include "initiator/nbd/iscsi_url.h"

using namespace uiscsi::initiator::nbd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto url = parse_iscsi_url(text, why);
  if (!url) {
    require(!why.empty());
    return 0;
  }
  require(!url->portal.host.empty());
  require(!url->target.empty());
  require(!url->header_digests || !url->header_digests->empty());
  require(!url->data_digests || !url->data_digests->empty());
  return 0;
}
