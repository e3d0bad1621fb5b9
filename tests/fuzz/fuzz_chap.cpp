// libFuzzer target for the CHAP state machines (iscsi/chap_target.h, iscsi/chap_initiator.h).
//
// Input: byte 0 picks the configuration, the rest is a sequence of messages.
//   bit 0  role: 0 = drive a ChapTarget (the input plays the initiator), 1 = drive a
//          ChapInitiator (the input plays the target; start() is called first)
//   bit 1  mutual CHAP configured
//   bit 2  base64 output encoding
// Messages are separated by an empty entry ("\0\0"); within one, entries are split on NUL
// and each entry on its first '=' (no '=' gives an empty value).
//
// Checked on every step: no crash or sanitizer report; on error nothing is appended and the
// error is sticky; every produced pair is text the codec accepts; and the input, which cannot
// know our random challenge, never authenticates: a target never reaches authenticated(),
// and a mutual initiator never reaches done().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "iscsi/chap_initiator.h"
#include "iscsi/chap_target.h"
#include "iscsi/text.h"

using namespace uiscsi::iscsi;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

std::vector<TextPairs> split_messages(std::string_view data) {
  std::vector<TextPairs> messages(1);
  std::size_t at = 0;
  while (at <= data.size()) {
    const std::size_t end = std::min(data.find('\0', at), data.size());
    const std::string_view entry = data.substr(at, end - at);
    if (entry.empty()) {
      if (!messages.back().empty()) messages.emplace_back();
    } else {
      const std::size_t eq = entry.find('=');
      messages.back().push_back({std::string(entry.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string() : std::string(entry.substr(eq + 1))});
    }
    at = end + 1;
  }
  return messages;
}

void check_output(const std::error_code& ec, std::size_t before, const TextPairs& out) {
  if (ec) {
    require(out.size() == before);
    return;
  }
  std::vector<std::byte> wire;
  require(!serialize_text(std::span(out).subspan(before), wire));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const bool drive_initiator = mode & 1;
  const bool mutual = mode & 2;
  const ChapEncoding encoding = (mode & 4) ? ChapEncoding::base64 : ChapEncoding::hex;
  const auto messages = split_messages({reinterpret_cast<const char*>(data + 1), size - 1});

  const auto initiator_credentials = ChapCredentials::from_text("iqn.1994-05.com.example:host", "initiator-secret");
  const auto target_credentials = ChapCredentials::from_text("iqn.2024-01.org.uiscsi:disk", "target-secret-01");
  TextPairs out;
  if (!drive_initiator) {
    ChapTargetConfig config;
    config.initiator = initiator_credentials;
    if (mutual) config.target = target_credentials;
    config.encoding = encoding;
    ChapTarget target(std::move(config));
    for (const TextPairs& message : messages) {
      const std::size_t before = out.size();
      const std::error_code ec = target.step(message, out);
      check_output(ec, before, out);
      if (ec) require(target.error() == ec && target.step(message, out) == ec);
      require(!target.authenticated());
    }
  } else {
    ChapInitiatorConfig config;
    config.credentials = initiator_credentials;
    if (mutual) config.target = target_credentials;
    config.encoding = encoding;
    ChapInitiator initiator(std::move(config));
    require(!initiator.start(out));
    for (const TextPairs& message : messages) {
      const std::size_t before = out.size();
      const std::error_code ec = initiator.step(message, out);
      check_output(ec, before, out);
      if (ec) require(initiator.error() == ec && initiator.step(message, out) == ec);
      if (mutual) require(!initiator.done());
    }
  }
  return 0;
}
