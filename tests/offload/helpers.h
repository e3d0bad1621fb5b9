// Shared helpers of the offload tests: run a coroutine to completion, build PDUs.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <catch2/catch.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <vector>

#include "iscsi/pdu_data.h"
#include "iscsi/pdu_nop.h"
#include "iscsi/pdu_writer.h"
#include "offload/connect.h"
#include "offload/listener.h"
#include "offload/transport.h"

namespace uiscsi::offload::test {

namespace asio = boost::asio;

// Completion for co_spawn: a failure inside the coroutine (a Catch2 REQUIRE included) is
// rethrown out of io_context::run() instead of being dropped, as asio::detached would.
inline void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs `task` on `io` until the io_context has no more work, and returns its result.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(result.value());
}

// `n` bytes of a recognisable pattern, different per `seed`.
inline std::vector<std::byte> pattern(std::size_t n, unsigned seed = 0) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::byte(static_cast<std::uint8_t>(i * 7 + seed * 31 + 1));
  return out;
}

inline void run(asio::io_context& io, asio::awaitable<void> task) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) { failure = e; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
}

// Sends `pdu` and fails the test if that fails.
//
// Never co_await inside a Catch2 assertion: the macros also pass their operand to
// __builtin_constant_p, and GCC 12's coroutine lowering evaluates a co_await there as well,
// so the operation would run twice.
inline asio::awaitable<void> send_ok(Transport& t, const iscsi::OutgoingPdu& pdu) {
  const std::error_code ec = co_await t.send(pdu);
  REQUIRE_FALSE(ec);
}

// The offset of the first byte where `a` and `b` differ (or the shorter one ends); -1 if
// they are equal. Checking it instead of `a == b` reports where, and keeps megabyte buffers
// out of the test log.
inline std::ptrdiff_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) return -1;
  return ia - a.begin();
}

inline iovec io_of(std::span<std::byte> bytes) { return {bytes.data(), bytes.size()}; }
inline iovec io_of(std::span<const std::byte> bytes) {
  return {const_cast<std::byte*>(bytes.data()), bytes.size()};
}

// The bytes a PDU takes on the wire, as a transport with `digests` would send them.
inline std::vector<std::byte> wire_of(iscsi::OutgoingPdu pdu, iscsi::DigestConfig digests = {}) {
  iscsi::PduWriter writer(digests);
  std::error_code ec;
  std::vector<std::byte> out;
  for (const iovec& v : writer.prepare(pdu, ec)) {
    const auto* p = static_cast<const std::byte*>(v.iov_base);
    out.insert(out.end(), p, p + v.iov_len);
  }
  REQUIRE_FALSE(ec);
  return out;
}

// A Data-In of task `itt` carrying `data` at `buffer_offset`. `iov` must outlive the PDU.
inline iscsi::OutgoingPdu data_in(std::uint32_t itt, std::uint32_t buffer_offset,
                                  std::span<const iovec> iov) {
  iscsi::DataIn d;
  d.initiator_task_tag = itt;
  d.buffer_offset = buffer_offset;
  return {.bhs = d.encode(), .ahs = {}, .data = iov};
}

inline iscsi::OutgoingPdu data_out(std::uint32_t itt, std::uint32_t buffer_offset,
                                   std::span<const iovec> iov) {
  iscsi::DataOut d;
  d.initiator_task_tag = itt;
  d.buffer_offset = buffer_offset;
  return {.bhs = d.encode(), .ahs = {}, .data = iov};
}

// A NOP-Out carrying ping data; `itt` makes each one recognisable.
inline iscsi::OutgoingPdu nop_out(std::uint32_t itt, std::span<const iovec> iov) {
  iscsi::NopOut n;
  n.initiator_task_tag = itt;
  return {.bhs = n.encode(), .ahs = {}, .data = iov};
}

// A connection over TCP on 127.0.0.1 on the path `policy` names: {connecting end, accepting end}.
inline std::pair<Selection, Selection> connected_pair(asio::io_context& io, Policy policy,
                                                      const TransportOptions& options) {
  using namespace asio::experimental::awaitable_operators;
  const Registry registry = Registry::with_builtin_paths();
  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), policy, registry, options);
  REQUIRE(l.listener);
  auto pair = run(io, [&]() -> asio::awaitable<std::pair<Selection, Selection>> {
    auto [a, b] = co_await (connect(io, l.listener->local_endpoint(), policy, registry, options) &&
                            l.listener->accept());
    co_return std::pair{std::move(a), std::move(b)};
  }());
  INFO(pair.first.error << " / " << pair.second.error);
  REQUIRE(pair.first.transport);
  REQUIRE(pair.second.transport);
  return pair;
}

inline std::pair<Selection, Selection> placement_pair(asio::io_context& io, const TransportOptions& options) {
  return connected_pair(io, Policy::placement, options);
}

}  // namespace uiscsi::offload::test
