#include <catch2/catch.hpp>

#include <cstdint>

#include "iscsi/serial.h"

using namespace uiscsi::iscsi;

// The comparisons are constexpr: the wrap-around rule holds at compile time too.
static_assert(serial_lt(0xffffffffu, 0u));
static_assert(serial_gt(0u, 0xffffffffu));
static_assert(!serial_lt(0u, 0x80000000u) && !serial_gt(0u, 0x80000000u));

TEST_CASE("serial: ordinary order away from the wrap", "[serial]") {
  CHECK(serial_lt(1, 2));
  CHECK(serial_le(1, 2));
  CHECK(serial_le(2, 2));
  CHECK(serial_ge(2, 2));
  CHECK_FALSE(serial_lt(2, 2));
  CHECK_FALSE(serial_gt(2, 2));
  CHECK(serial_gt(1000, 7));
  CHECK(serial_compare(5, 5) == std::partial_ordering::equivalent);
}

TEST_CASE("serial: order across the 2^32 wrap", "[serial]") {
  const std::uint32_t near_top = 0xfffffff0u;
  for (std::uint32_t step = 1; step < 64; ++step) {
    const std::uint32_t later = near_top + step;  // wraps for step >= 16
    INFO("step " << step);
    CHECK(serial_lt(near_top, later));
    CHECK(serial_gt(later, near_top));
    CHECK(serial_le(near_top, later));
    CHECK_FALSE(serial_ge(near_top, later));
  }
  CHECK(serial_lt(0xffffffffu, 0));
  CHECK(serial_add(0xffffffffu, 1) == 0);
  CHECK(serial_add(0xfffffffeu, 5) == 3);
}

TEST_CASE("serial: the largest defined distance is 2^31 - 1", "[serial]") {
  for (std::uint32_t base : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    INFO("base " << base);
    CHECK(serial_lt(base, base + 0x7fffffffu));
    CHECK(serial_gt(base, base + 0x80000001u));  // 2^31 + 1 ahead == 2^31 - 1 behind
  }
}

TEST_CASE("serial: distance exactly 2^31 is unordered and fails every check", "[serial]") {
  for (std::uint32_t a : {0u, 7u, 0x80000000u, 0xffffffffu}) {
    const std::uint32_t b = a + kSerialHalf;
    INFO("a " << a);
    CHECK(serial_compare(a, b) == std::partial_ordering::unordered);
    CHECK(serial_compare(b, a) == std::partial_ordering::unordered);
    CHECK_FALSE(serial_lt(a, b));
    CHECK_FALSE(serial_le(a, b));
    CHECK_FALSE(serial_gt(a, b));
    CHECK_FALSE(serial_ge(a, b));
    CHECK_FALSE(serial_in_window(a, b, b));
    CHECK_FALSE(serial_in_window(b, b, a));
  }
}

TEST_CASE("serial: CmdSN window ExpCmdSN <= CmdSN <= MaxCmdSN", "[serial]") {
  SECTION("window straddling the wrap") {
    const std::uint32_t exp = 0xfffffffeu, max = 2;  // five slots: fffffffe..2
    CHECK(serial_in_window(exp, 0xfffffffeu, max));
    CHECK(serial_in_window(exp, 0xffffffffu, max));
    CHECK(serial_in_window(exp, 0, max));
    CHECK(serial_in_window(exp, 2, max));
    CHECK_FALSE(serial_in_window(exp, 3, max));
    CHECK_FALSE(serial_in_window(exp, 0xfffffffdu, max));
    CHECK(cmd_window_valid(exp, max));
    CHECK(cmd_window_size(exp, max) == 5);
  }
  SECTION("closed window: MaxCmdSN == ExpCmdSN - 1") {
    for (std::uint32_t exp : {0u, 1u, 100u}) {
      const std::uint32_t max = exp - 1;
      CHECK(cmd_window_valid(exp, max));
      CHECK(cmd_window_size(exp, max) == 0);
      CHECK_FALSE(serial_in_window(exp, exp, max));
      CHECK_FALSE(serial_in_window(exp, max, max));
    }
  }
  SECTION("MaxCmdSN < ExpCmdSN - 1 is ignored (RFC 7143 4.2.2.1)") {
    CHECK_FALSE(cmd_window_valid(10, 8));
    CHECK_FALSE(cmd_window_valid(0, 0xfffffffeu));
    CHECK(cmd_window_size(10, 8) == 0);
  }
}
