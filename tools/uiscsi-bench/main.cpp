// uiscsi-bench: benchmarks for uiscsi. The work lives in bench/; see `uiscsi-bench --help`.
#include <iostream>
#include <string_view>
#include <vector>

#include "bench/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  return uiscsi::bench::run_cli(args, std::cout, std::cerr);
}
