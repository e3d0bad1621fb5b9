// `uiscsi-bench raid`: what software RAID costs on this machine, in one run.
//  - parity: ISA-L xor_gen (RAID 5's P) and pq_gen (RAID 6's P and Q) as the RAID backend
//    calls them (raid/parity.h), over one row of chunks that stays in cache and over one
//    row of 16 MiB units that does not (memory bandwidth);
//  - full-stripe sequential writes through RaidBackend on RAID 0, 5 and 6 over the same
//    number of RAM-backed members, whole rows per write (the fast path: no read-modify-
//    write), samples of the three levels interleaved.
// Everything runs on the measuring thread, so times are its CPU time (timing.h): on a
// machine shared with builds, the time other processes hold the core is not counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench/stats.h"

namespace uiscsi::bench {

struct RaidBenchConfig {
  double seconds = 6.0;               // approximate total measuring time (thread CPU)
  int repetitions = 11;               // samples per case, interleaved; odd for a true median
  std::uint32_t members = 6;          // member count of every level
  std::uint64_t chunk_bytes = 64 * 1024;
  std::uint64_t member_bytes = 64ull << 20;  // RAM per member (plus 1 MiB of metadata)
  std::uint32_t rows_per_write = 4;   // whole rows per write request
};

struct RaidWriteCase {
  std::string level;               // "raid0", "raid5", "raid6"
  std::uint32_t data_members = 0;  // members per row that hold data
  std::uint64_t write_bytes = 0;   // one request: rows_per_write whole rows of data
  Summary gbps;                    // user data written, GB/s (10^9 bytes per second)
};

struct RaidParityCase {
  std::string function;            // "xor_gen", "pq_gen"
  std::uint32_t data_units = 0;    // data units per call
  std::size_t unit_bytes = 0;      // bytes per unit: a chunk (in cache), or 16 MiB (not)
  Summary gbps;                    // data bytes in, GB/s
};

struct RaidBenchReport {
  RaidBenchConfig config;
  std::vector<RaidParityCase> parity;
  std::vector<RaidWriteCase> writes;  // raid0 first: the baseline of the ratios

  // Median GB/s of a level's writes over RAID 0's; nullopt for an unknown level.
  std::optional<double> ratio_to_raid0(const std::string& level) const;
};

// Checks first that the parity computed is right and that data written through each volume
// reads back; returns nullopt, with the reason on `err`, when not.
std::optional<RaidBenchReport> run_raid_bench(const RaidBenchConfig& config, std::ostream& err);

void write_raid_json(const RaidBenchReport& report, std::ostream& out);
void write_raid_table(const RaidBenchReport& report, std::ostream& out);

}  // namespace uiscsi::bench
