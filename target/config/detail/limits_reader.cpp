// [target.limits] (RFC 7143 13 key names and ranges) and [*.nop].
#include <algorithm>
#include <utility>

#include "iscsi/negotiation_params.h"
#include "target/config/detail/readers.h"

namespace uiscsi::target::config::detail {
namespace {

constexpr std::uint64_t kMinDataLength = 512;         // RFC 7143 13.12-13.14
constexpr std::uint64_t kMaxDataLength = 16777215;    // 2^24 - 1
constexpr std::int64_t kMaxTime = 3600;               // RFC 7143 13.15, 13.16: seconds

std::uint32_t to_u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

// "CRC32C,None" as one string, or ["CRC32C", "None"] (RFC 7143 13.1 values).
std::vector<iscsi::DigestType> read_digests(TableReader& limits, std::string_view key,
                                            std::vector<iscsi::DigestType> fallback) {
  const toml::node* node = limits.node(key);
  if (!node) return fallback;
  std::vector<std::pair<std::string, SourcePosition>> names;
  if (const auto* s = node->as_string()) {
    std::string_view rest = s->get();
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      names.emplace_back(std::string(rest.substr(0, comma)), position_of(node->source()));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  } else if (const auto* array = node->as_array()) {
    for (const toml::node& element : *array) {
      if (const auto* e = element.as_string()) names.emplace_back(e->get(), position_of(element.source()));
      else names.emplace_back(std::string{}, position_of(element.source()));
    }
  } else {
    limits.findings().error(position_of(node->source()),
                            limits.key_path(key) + ": expected a list such as [\"None\", \"CRC32C\"], found " +
                                std::string(type_name(*node)));
    return fallback;
  }
  std::vector<iscsi::DigestType> digests;
  for (const auto& [name, where] : names) {
    const auto digest = iscsi::parse_digest_type(name);
    if (!digest) {
      limits.findings().error(where, limits.key_path(key) + ": '" + name +
                                         "' is not a digest; use \"None\" or \"CRC32C\"");
    } else if (std::find(digests.begin(), digests.end(), *digest) != digests.end()) {
      limits.findings().error(where, limits.key_path(key) + ": '" + name + "' listed twice");
    } else {
      digests.push_back(*digest);
    }
  }
  if (names.empty()) limits.findings().error(position_of(node->source()), limits.key_path(key) + " is empty");
  return digests.empty() ? fallback : digests;
}

}  // namespace

iscsit::NegotiationLimits read_limits(TableReader& limits) {
  iscsit::NegotiationLimits out;
  if (auto v = limits.size("MaxRecvDataSegmentLength", kMinDataLength, kMaxDataLength)) {
    out.max_recv_data_segment_length = to_u32(*v);
  }
  if (auto v = limits.size("MaxBurstLength", kMinDataLength, kMaxDataLength)) {
    out.max_burst_length = to_u32(*v);
  }
  if (auto v = limits.size("FirstBurstLength", kMinDataLength, kMaxDataLength)) {
    out.first_burst_length = to_u32(*v);
  }
  if (out.first_burst_length > out.max_burst_length) {
    // RFC 7143 13.14: FirstBurstLength MUST NOT exceed MaxBurstLength.
    limits.findings().error(limits.position("FirstBurstLength"),
                            limits.key_path("FirstBurstLength") + " (" +
                                std::to_string(out.first_burst_length) + ") exceeds MaxBurstLength (" +
                                std::to_string(out.max_burst_length) + "), RFC 7143 13.14");
  }
  if (auto v = limits.integer("MaxOutstandingR2T", 1, 65535)) out.max_outstanding_r2t = to_u32(*v);
  if (auto v = limits.integer("MaxConnections", 1, 65535)) out.max_connections = to_u32(*v);
  if (auto v = limits.boolean("ImmediateData")) out.immediate_data = *v;
  if (auto v = limits.boolean("InitialR2T")) out.initial_r2t = *v;
  if (auto v = limits.integer("DefaultTime2Wait", 0, kMaxTime)) out.default_time2wait = to_u32(*v);
  if (auto v = limits.integer("DefaultTime2Retain", 0, kMaxTime)) {
    out.default_time2retain = to_u32(*v);
  }
  out.header_digests = read_digests(limits, "HeaderDigest", out.header_digests);
  out.data_digests = read_digests(limits, "DataDigest", out.data_digests);
  return out;
}

iscsit::NopConfig read_nop(TableReader& nop) {
  iscsit::NopConfig out;
  if (auto v = nop.integer("interval", 0, kMaxTime)) out.interval = std::chrono::seconds(*v);
  if (auto v = nop.integer("timeout", 1, kMaxTime)) out.timeout = std::chrono::seconds(*v);
  return out;
}

std::optional<offload::Policy> read_policy(TableReader& table, std::string_view key) {
  const auto name = table.string(key);
  if (!name) return std::nullopt;
  const auto policy = offload::policy_from_name(*name);
  if (!policy) {
    table.findings().error(table.position(key),
                           table.key_path(key) + ": '" + *name +
                               "' is not a data path; use \"auto\", \"tcp\", \"placement\", "
                               "\"smc\" or \"iser\"");
  }
  return policy;
}

}  // namespace uiscsi::target::config::detail
