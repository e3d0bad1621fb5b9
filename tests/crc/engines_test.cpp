// Engine names, availability and the default choice.
#include <catch2/catch.hpp>

#include "crc_test_support.h"

namespace uiscsi::crc::test {

TEST_CASE("engine names round-trip", "[crc]") {
  for (Engine e : {Engine::slice8, Engine::sse42, Engine::isal}) {
    CAPTURE(name(e));
    REQUIRE(engine_from_name(name(e)) == e);
  }
  CHECK(name(Engine::slice8) == "slice8");
  CHECK(name(Engine::sse42) == "sse42");
  CHECK(name(Engine::isal) == "isal");
  CHECK_FALSE(engine_from_name("auto").has_value());
  CHECK_FALSE(engine_from_name("").has_value());
  CHECK_FALSE(engine_from_name("ISAL").has_value());
}

TEST_CASE("portable engines are always available and best is one of them", "[crc]") {
  CHECK(available(Engine::slice8));
  CHECK(available(Engine::isal));
  CHECK(available(best_engine()));
  // ISA-L without SSE4.2 is a byte-at-a-time table; the choice must follow the CPU.
  CHECK(best_engine() == (available(Engine::sse42) ? Engine::isal : Engine::slice8));
}

}  // namespace uiscsi::crc::test
