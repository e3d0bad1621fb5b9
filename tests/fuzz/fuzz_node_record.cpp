// libFuzzer target for the node database's record parser (initiator/node_db/record.h), which
// reads files a user may have edited by hand.
//
// Checked: no crash or sanitizer report; a record that parses is written by format_record
// and parses back to the same entries in the same order; a refusal always says why.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_require.h"
#include "initiator/node_db/record.h"

using namespace uiscsi::initiator::node_db;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParsedRecord parsed = parse_record(text);
  if (!parsed.record) {
    require(!parsed.error.empty());
    return 0;
  }
  const ParsedRecord again = parse_record(format_record(*parsed.record, "2.1.8"));
  require(again.record.has_value());
  require(*again.record == *parsed.record);
  return 0;
}
