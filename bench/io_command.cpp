#include "bench/io_command.h"

#include <fstream>

#include "bench/io_config.h"
#include "bench/io_report.h"
#include "bench/io_run.h"

namespace uiscsi::bench {

int run_io_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  const IoArgs parsed = parse_io_args(args, out, err);
  if (!parsed.config) return parsed.exit_status;
  const IoConfig& config = *parsed.config;
  const IoResult result = run_io(config, err);
  const bool json_to_stdout = config.json_file && *config.json_file == "-";
  // A run that failed before moving anything has no figures to show, only its error.
  const bool measured = result.reads + result.writes > 0;
  if (!json_to_stdout && measured) write_io_table(result, out);
  if (config.json_file) {
    std::ofstream file;
    if (!json_to_stdout) {
      file.open(*config.json_file);
      if (!file) {
        err << "uiscsi-bench io: cannot write " << *config.json_file << "\n";
        return 1;
      }
    }
    std::ostream& sink = json_to_stdout ? out : file;
    JsonWriter json(sink);
    write_io_json(result, json);
    sink << "\n";
  }
  if (!result.error.empty()) {
    err << "uiscsi-bench io: " << result.error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace uiscsi::bench
