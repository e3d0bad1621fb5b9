// Output of `uiscsi-bench io`: a table for people and a JSON object for scripts (the same
// object is one cell of `uiscsi-bench compare`'s JSON).
#pragma once

#include <ostream>

#include "bench/io_run.h"
#include "bench/json_writer.h"

namespace uiscsi::bench {

void write_io_table(const IoResult& result, std::ostream& out);
// Writes the result as one JSON object into `json` (at a value position).
void write_io_json(const IoResult& result, JsonWriter& json);

}  // namespace uiscsi::bench
