// Output of `uiscsi-bench compare`: a JSON document (every subject and workload with its
// figures or the reason it was skipped, the comparisons with their ratios, the goals), a
// table for people, and a gnuplot plot.
#pragma once

#include <ostream>
#include <string>

#include "bench/compare_run.h"

namespace uiscsi::bench {

void write_compare_json(const CompareResult& result, std::ostream& out);
void write_compare_table(const CompareResult& result, std::ostream& out);

// Draws the plot with gnuplot into `file` (SVG for *.svg, PNG for *.png). false and `error`
// when gnuplot is missing or fails.
bool write_compare_plot(const CompareResult& result, const std::string& file, std::string& error);

}  // namespace uiscsi::bench
