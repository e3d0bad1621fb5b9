// Shared helpers of the initiator tests: run coroutines to completion, make test data.
#pragma once

#include <sys/uio.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <random>
#include <span>
#include <vector>

namespace uiscsi::initiator::test {

namespace asio = boost::asio;

// Runs `task` on `io` until it completes, and returns its result. A failure inside the
// coroutine (a Catch2 REQUIRE included) is rethrown here. Other work left on the
// io_context (a session's background loops) keeps running only until the task is done.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool finished = false;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
    finished = true;
  });
  io.restart();
  while (!finished && io.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(result.value());
}

inline void run(asio::io_context& io, asio::awaitable<void> task) {
  std::exception_ptr failure;
  bool finished = false;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
  });
  io.restart();
  while (!finished && io.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
}

// Runs all `tasks` concurrently on `io` until every one of them has completed.
inline void run_all(asio::io_context& io, std::vector<asio::awaitable<void>> tasks) {
  std::exception_ptr failure;
  std::size_t left = tasks.size();
  for (auto& task : tasks) {
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
      if (e && !failure) failure = e;
      --left;
    });
  }
  io.restart();
  while (left > 0 && io.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
}

// Lets whatever is still queued on `io` (closing sessions, answers) finish. Bounded: after
// a failed check a session may still be open, and its keepalive would run forever.
inline void drain(asio::io_context& io) {
  io.restart();
  io.run_for(std::chrono::seconds(5));
}

inline std::vector<std::byte> random_bytes(std::size_t n, std::uint32_t seed) {
  std::vector<std::byte> out(n);
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < n; i += 4) {
    const std::uint32_t v = rng();
    for (std::size_t k = 0; k < 4 && i + k < n; ++k) out[i + k] = std::byte(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  return out;
}

inline iovec io_of(std::span<std::byte> bytes) { return {bytes.data(), bytes.size()}; }

}  // namespace uiscsi::initiator::test
