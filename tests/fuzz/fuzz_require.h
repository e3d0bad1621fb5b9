// The fuzz targets' assertion: a property that does not hold stops the run as a crash
// (libFuzzer then keeps the input), in optimised builds too, unlike assert().
#pragma once

inline void require(bool condition) {
  if (!condition) __builtin_trap();
}
