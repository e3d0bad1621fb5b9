// The plot of `uiscsi-bench compare`, drawn by gnuplot (compare_report.h): the MB/s
// ratio of every comparison with the 1.5x goal, and every subject's MB/s as a fraction of
// raw loopback TCP.
#include <cmath>
#include <fstream>
#include <sstream>

#include "bench/child_process.h"
#include "bench/compare_report.h"
#include "bench/compare_summary.h"
#include "bench/scratch.h"

namespace uiscsi::bench {
namespace {

std::string number_or_nan(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "NaN";
  std::ostringstream s;
  s << *v;
  return s.str();
}

std::string header_row(const std::string& first) {
  std::string row = "\"" + first + "\"";
  for (const CompareWorkload& w : compare_workloads()) row += " \"" + w.name + "\"";
  return row + "\n";
}

}  // namespace

bool write_compare_plot(const CompareResult& result, const std::string& file, std::string& error) {
  if (!find_program("gnuplot")) {
    error = "gnuplot not installed (package gnuplot-nox)";
    return false;
  }
  const bool png = file.ends_with(".png");
  if (!png && !file.ends_with(".svg")) {
    error = "the plot file must end in .svg or .png: " + file;
    return false;
  }
  const double raw = raw_tcp_mb_per_s(result);

  std::ostringstream ratios, fractions;
  ratios << header_row("comparison");
  std::size_t ratio_rows = 0;
  for (const Comparison& c : compare_comparisons()) {
    std::ostringstream row;
    bool any = false;
    row << "\"" << c.key << "\"";
    for (const CompareWorkload& w : compare_workloads()) {
      const ComparisonCell cell = compare_cells(c, summarize_cell(result.cells.at(c.subject).at(w.name)),
                                                summarize_cell(result.cells.at(c.peer).at(w.name)));
      const std::optional<double> v = cell.skipped.empty() ? std::optional(cell.ratio) : std::nullopt;
      any = any || v;
      row << " " << number_or_nan(v);
    }
    if (any) {
      ratios << row.str() << "\n";
      ++ratio_rows;
    }
  }
  fractions << header_row("subject");
  std::size_t fraction_rows = 0;
  for (const Subject& s : compare_subjects()) {
    std::ostringstream row;
    bool any = false;
    row << "\"" << s.key << "\"";
    for (const CompareWorkload& w : compare_workloads()) {
      const CellSummary cell = summarize_cell(result.cells.at(s.key).at(w.name));
      const std::optional<double> v = cell.ok() && raw > 0 ? std::optional(cell.mb_per_s / raw) : std::nullopt;
      any = any || v;
      row << " " << number_or_nan(v);
    }
    if (any) {
      fractions << row.str() << "\n";
      ++fraction_rows;
    }
  }

  std::ostringstream script;
  script << (png ? "set terminal pngcairo size 1400,1000 noenhanced font 'Sans,10'\n"
                 : "set terminal svg size 1400,1000 dynamic noenhanced font 'Sans,10'\n")
         << "set output '" << file << "'\n"
         << "set datafile missing 'NaN'\n"
         << "set style data histogram\nset style histogram cluster gap 1\n"
         << "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
         << "set key outside right top\nset grid ytics\nset xtics rotate by -20\nset yrange [0:*]\n"
         << "$ratios << EOD\n" << ratios.str() << "EOD\n"
         << "$fractions << EOD\n" << fractions.str() << "EOD\n"
         << "set multiplot layout 2,1 title 'uiscsi-bench compare: " << result.config.rounds << " rounds x "
         << result.config.seconds << " s, medians; raw TCP " << static_cast<long>(raw) << " MB/s'\n"
         << "set title 'MB/s ratio, subject / peer (dashed: goal 1.5x, dotted: parity)'\n"
         << "set xrange [-0.5:" << (ratio_rows ? ratio_rows : 1) - 0.5 << "]\n"
         << "plot for [i=2:5] $ratios using i:xtic(1) title columnheader(i), "
            "1.5 with lines dt 2 lw 2 lc rgb 'red' title 'goal 1.5x', 1 with lines dt 3 lc rgb 'black' notitle\n"
         << "set title 'MB/s as a fraction of raw loopback TCP (dashed: 0.8 goal for seq read)'\n"
         << "set xrange [-0.5:" << (fraction_rows ? fraction_rows : 1) - 0.5 << "]\n"
         << "plot for [i=2:5] $fractions using i:xtic(1) title columnheader(i), "
            "0.8 with lines dt 2 lw 2 lc rgb 'red' title 'goal 0.8'\n"
         << "unset multiplot\n";

  auto dir = TempDir::make(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp", error);
  if (!dir) return false;
  const std::string script_file = dir->path() + "/plot.gp";
  std::ofstream(script_file) << script.str();
  std::string output;
  if (run_to_completion({"gnuplot", script_file}, output) != 0) {
    error = "gnuplot failed: " + output.substr(0, 1000);
    return false;
  }
  return true;
}

}  // namespace uiscsi::bench
