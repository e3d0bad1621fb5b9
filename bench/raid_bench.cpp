#include "bench/raid_bench.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "bench/timing.h"
#include "target/backend/raid/parity.h"
#include "target/backend/raid/raid_backend.h"
#include "target/backend/ram_backend.h"

namespace uiscsi::bench {
namespace {

namespace raid = target::raid;

// Buffers as parity.h wants them: kAlignment-aligned, freed with free().
struct AlignedBytes {
  explicit AlignedBytes(std::size_t size)
      : data(static_cast<std::byte*>(std::aligned_alloc(raid::parity::kAlignment, size))), size(size) {}
  ~AlignedBytes() { std::free(data); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  std::byte* data;
  std::size_t size;
};

void fill_random(std::byte* p, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(p + i, &v, 8);
  }
}

// One row of `data_units` chunks with P (and Q), filled with random data.
class ParityRow {
 public:
  ParityRow(std::uint32_t data_units, bool with_q, std::size_t len)
      : len_(len), block_(static_cast<std::size_t>(data_units + 2) * len) {
    fill_random(block_.data, block_.size, data_units);
    for (std::uint32_t i = 0; i < data_units; ++i) units_.push_back(block_.data + i * len);
    p_ = block_.data + std::size_t{data_units} * len;
    q_ = with_q ? p_ + len : nullptr;
  }
  void generate() { raid::parity::generate(units_, p_, q_, len_); }
  bool check() { return raid::parity::check(units_, p_, q_, len_); }
  // P must be the XOR of the data: checked by hand, so a wrong ISA-L binding shows.
  bool p_is_xor() const {
    for (std::size_t b = 0; b < len_; ++b) {
      std::byte x{0};
      for (auto* u : units_) x ^= u[b];
      if (x != p_[b]) return false;
    }
    return true;
  }
  std::size_t data_bytes() const { return units_.size() * len_; }

 private:
  std::size_t len_;
  AlignedBytes block_;
  std::vector<std::byte*> units_;
  std::byte* p_ = nullptr;
  std::byte* q_ = nullptr;
};

// A volume on fresh RAM members, and where its next sequential write goes.
struct WriteVolume {
  RaidWriteCase result;
  std::unique_ptr<raid::RaidBackend> volume;
  std::uint64_t next_block = 0;
  std::uint64_t blocks_per_write = 0;
};

constexpr std::uint32_t kBlockSize = 4096;
// Parity units of 16 MiB: a row of them is far larger than the caches.
constexpr std::size_t kColdUnitBytes = 16u << 20;

std::unique_ptr<raid::RaidBackend> make_volume(raid::Level level, const RaidBenchConfig& config, std::error_code& ec) {
  std::vector<raid::MemberDevice> members;
  const std::uint64_t blocks = (config.member_bytes + raid::kMetadataBytes) / kBlockSize;
  for (std::uint32_t i = 0; i < config.members; ++i) {
    auto ram = target::RamBackend::create({kBlockSize, blocks}, ec);
    if (!ram) return nullptr;
    members.push_back({"ram" + std::to_string(i), std::move(ram)});
  }
  raid::CreateOptions options;
  options.level = level;
  options.raid_devices = config.members;
  options.chunk_bytes = config.chunk_bytes;
  return raid::RaidBackend::create(std::move(members), options, {}, ec);
}

// `requests` sequential whole-row writes of `buffer`, wrapping at the end of the volume.
std::error_code write_sequential(WriteVolume& w, std::span<const std::byte> buffer, std::uint64_t requests) {
  const std::uint64_t capacity = w.volume->geometry().block_count;
  for (std::uint64_t i = 0; i < requests; ++i) {
    if (w.next_block + w.blocks_per_write > capacity) w.next_block = 0;
    if (auto ec = w.volume->write(w.next_block, buffer, false)) return ec;
    w.next_block += w.blocks_per_write;
  }
  return {};
}

}  // namespace

std::optional<double> RaidBenchReport::ratio_to_raid0(const std::string& level) const {
  if (writes.empty() || writes.front().level != "raid0") return std::nullopt;
  for (const auto& w : writes)
    if (w.level == level) return w.gbps.median / writes.front().gbps.median;
  return std::nullopt;
}

std::optional<RaidBenchReport> run_raid_bench(const RaidBenchConfig& config, std::ostream& err) {
  RaidBenchReport report;
  report.config = config;
  const double per_sample = config.seconds / (7.0 * config.repetitions);  // 7 cases

  // --- Parity: one row of chunks that stays in cache, and one of units far larger than
  //     any cache (memory bandwidth bound, as when a write's row is cold) ---
  struct ParityOp {
    RaidParityCase result;
    std::unique_ptr<ParityRow> row;
    std::size_t iterations = 0;
    std::vector<double> samples;
  };
  std::vector<ParityOp> ops;
  for (const std::size_t unit : {static_cast<std::size_t>(config.chunk_bytes), kColdUnitBytes}) {
    for (const bool with_q : {false, true}) {
      ParityOp op;
      const std::uint32_t d = config.members - (with_q ? 2 : 1);
      op.result = {with_q ? "pq_gen" : "xor_gen", d, unit, {}};
      op.row = std::make_unique<ParityRow>(d, with_q, unit);
      op.row->generate();
      if (!op.row->p_is_xor() || !op.row->check()) {
        err << "uiscsi-bench raid: " << op.result.function << " parity does not check out; not measuring\n";
        return std::nullopt;
      }
      ops.push_back(std::move(op));
    }
  }
  for (auto& op : ops) op.iterations = calibrate_iterations([&] { op.row->generate(); }, per_sample);
  for (int r = 0; r < config.repetitions; ++r) {
    for (auto& op : ops) {
      const double t = time_iterations([&] { op.row->generate(); }, op.iterations);
      op.samples.push_back(static_cast<double>(op.row->data_bytes() * op.iterations) / t / 1e9);
    }
  }
  for (auto& op : ops) {
    op.result.gbps = summarize(op.samples);
    report.parity.push_back(op.result);
  }

  // --- Full-stripe sequential writes ---
  std::vector<WriteVolume> volumes;
  for (const auto& [level, parity_units] :
       {std::pair{raid::Level::raid0, 0u}, std::pair{raid::Level::raid5, 1u}, std::pair{raid::Level::raid6, 2u}}) {
    std::error_code ec;
    WriteVolume w;
    w.volume = make_volume(level, config, ec);
    if (!w.volume) {
      err << "uiscsi-bench raid: cannot create a " << raid::level_name(level) << " volume: " << ec.message() << '\n';
      return std::nullopt;
    }
    w.result.level = std::string(raid::level_name(level));
    w.result.data_members = config.members - parity_units;
    w.result.write_bytes = std::uint64_t{w.result.data_members} * config.chunk_bytes * config.rows_per_write;
    w.blocks_per_write = w.result.write_bytes / kBlockSize;
    volumes.push_back(std::move(w));
  }
  std::uint64_t largest = 0;
  for (const auto& w : volumes) largest = std::max(largest, w.result.write_bytes);
  AlignedBytes source(largest);
  fill_random(source.data, source.size, 7);

  // Every volume is written through once (the RAM pages exist afterwards, and every
  // write-intent bit is set: the steady state) and a request is read back.
  for (auto& w : volumes) {
    const std::span<const std::byte> buffer(source.data, w.result.write_bytes);
    const std::uint64_t whole_volume = w.volume->geometry().block_count / w.blocks_per_write;
    if (auto ec = write_sequential(w, buffer, whole_volume)) {
      err << "uiscsi-bench raid: " << w.result.level << " write failed: " << ec.message() << '\n';
      return std::nullopt;
    }
    AlignedBytes back(w.result.write_bytes);
    if (auto ec = w.volume->read(0, std::span(back.data, back.size)); ec || std::memcmp(back.data, source.data, back.size) != 0) {
      err << "uiscsi-bench raid: " << w.result.level << " does not read back what was written\n";
      return std::nullopt;
    }
  }
  // Each sample writes about what takes RAID 0 `per_sample`.
  std::uint64_t sample_bytes = 0;
  {
    WriteVolume& w0 = volumes.front();
    const std::span<const std::byte> buffer(source.data, w0.result.write_bytes);
    const std::size_t n = calibrate_iterations([&] { (void)write_sequential(w0, buffer, 1); }, per_sample);
    sample_bytes = n * w0.result.write_bytes;
  }
  std::vector<std::vector<double>> samples(volumes.size());
  for (int r = 0; r < config.repetitions; ++r) {
    for (std::size_t i = 0; i < volumes.size(); ++i) {
      WriteVolume& w = volumes[i];
      const std::span<const std::byte> buffer(source.data, w.result.write_bytes);
      const std::uint64_t requests = (sample_bytes + w.result.write_bytes - 1) / w.result.write_bytes;
      std::error_code ec;
      const double t = time_iterations([&] { ec = write_sequential(w, buffer, requests); }, 1);
      if (ec) {
        err << "uiscsi-bench raid: " << w.result.level << " write failed: " << ec.message() << '\n';
        return std::nullopt;
      }
      samples[i].push_back(static_cast<double>(requests * w.result.write_bytes) / t / 1e9);
    }
  }
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    volumes[i].result.gbps = summarize(samples[i]);
    report.writes.push_back(volumes[i].result);
    (void)volumes[i].volume->close();
  }
  return report;
}

}  // namespace uiscsi::bench
