// libFuzzer target for the JSON line codec of both control sockets (control/json_lines.h):
// what a local client writes to uiscsi-target's or uiscsid's socket.
//
// Checked: no crash or sanitizer report; a refusal says why; a request or response that
// decodes is encoded as one line and decodes back to the same request or response (doubles
// within rounding: Boost 1.81's parser does not promise to read back the exact double it
// printed).
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/json_lines.h"
#include "fuzz_require.h"

using namespace uiscsi::control;

namespace {

bool one_line(const std::string& line) { return !line.empty() && line.find('\n') == line.size() - 1; }

bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!same(p[i], q[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& [key, value] : p) {
      const auto* other = q.if_contains(key);
      if (other == nullptr || !same(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (const auto request = decode_request(line, error)) {
    const std::string encoded = encode_request(*request);
    require(one_line(encoded));
    std::string again_error;
    const auto again = decode_request(encoded, again_error);
    require(again.has_value() && again->command == request->command &&
            same(boost::json::value(again->args), boost::json::value(request->args)));
  } else {
    require(!error.empty());
  }
  error.clear();
  if (const auto response = decode_response(line, error)) {
    const std::string encoded = encode_response(*response);
    require(one_line(encoded));
    std::string again_error;
    const auto again = decode_response(encoded, again_error);
    require(again.has_value() && again->ok == response->ok);
    if (response->ok) require(same(again->result, response->result));
    else require(again->error == response->error);
  } else {
    require(!error.empty());
  }
  return 0;
}
