// uiscsi-probe read-loop / write-log / verify-log: block I/O with acknowledgements.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "iscsi/scsi_cdb_build.h"
#include "iscsi/sense.h"
#include "probe/commands.h"

namespace uiscsi::probe {
namespace {

namespace cdb = iscsi::scsi::cdb;

struct Capacity {
  std::uint64_t blocks = 0;
  std::uint32_t block_size = 0;
};

// Block `seq`: a readable header, then bytes that depend on the sequence number and the
// offset, so a block from another write (or a stale one) never matches.
std::vector<std::byte> pattern(std::uint64_t seq, std::uint32_t block_size) {
  std::vector<std::byte> block(block_size);
  for (std::uint32_t i = 0; i < block_size; ++i) {
    block[i] = static_cast<std::byte>((seq * 131 + i * 7 + (seq >> 8)) & 0xff);
  }
  char header[64];
  const int n = std::snprintf(header, sizeof header, "uiscsi-probe block seq=%llu\n",
                              static_cast<unsigned long long>(seq));
  for (int i = 0; i < n && static_cast<std::uint32_t>(i) < block_size; ++i) block[i] = static_cast<std::byte>(header[i]);
  return block;
}

// CHECK CONDITION with UNIT ATTENTION (power on, REPORTED LUNS DATA HAS CHANGED after a
// reload, ...): an initiator retries the command (SAM-5 5.14); it is no failure.
bool unit_attention(const ScsiResult& r) {
  constexpr std::uint8_t kCheckCondition = 0x02;
  iscsi::scsi::SenseData sense;
  return r.completed && r.status == kCheckCondition && !iscsi::scsi::parse_sense(r.sense, sense) &&
         sense.code.key == iscsi::scsi::SenseKey::unit_attention;
}

// execute(), retried while the answer is a unit attention (at most a few times).
ScsiResult execute(Client& client, std::span<const std::byte> cdb, std::uint16_t lun,
                   std::span<const std::byte> data_out, std::uint32_t data_in_length) {
  ScsiResult r;
  for (int attempt = 0; attempt < 4; ++attempt) {
    r = client.execute(cdb, lun, data_out, data_in_length, std::chrono::seconds(10));
    if (!unit_attention(r)) break;
  }
  return r;
}

std::optional<Capacity> read_capacity(Client& client, std::uint16_t lun) {
  const auto r = execute(client, cdb::read_capacity_10().view(), lun, {}, 8);
  if (!r.completed || r.status != 0 || r.data.size() != 8) {
    std::cout << "READ CAPACITY failed: " << (r.completed ? "status " + std::to_string(r.status) : r.error) << '\n';
    return std::nullopt;
  }
  const auto be32 = [&](std::size_t at) {
    return std::to_integer<std::uint32_t>(r.data[at]) << 24 | std::to_integer<std::uint32_t>(r.data[at + 1]) << 16 |
           std::to_integer<std::uint32_t>(r.data[at + 2]) << 8 | std::to_integer<std::uint32_t>(r.data[at + 3]);
  };
  return Capacity{std::uint64_t{be32(0)} + 1, be32(4)};
}

bool append_line(int fd, std::uint64_t seq) {
  const std::string line = std::to_string(seq) + "\n";
  return ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

}  // namespace

int run_read_loop(const Options& options) {
  auto client = connect_and_login(options);
  if (!client) return 1;
  const auto lun = static_cast<std::uint16_t>(options.number("lun", 0));
  const auto capacity = read_capacity(*client, lun);
  if (!capacity) return 1;
  constexpr std::uint16_t kBlocks = 8;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.number("seconds", 5));
  std::uint64_t reads = 0;
  std::uint64_t failures = 0;
  // --stop-file: a test touches it when the work this loop runs beside is over.
  const std::string stop_file = options.get("stop-file");
  const auto stop_requested = [&] { return !stop_file.empty() && ::access(stop_file.c_str(), F_OK) == 0; };
  for (std::uint64_t i = 0; std::chrono::steady_clock::now() < deadline && !stop_requested(); ++i) {
    const auto lba = static_cast<std::uint32_t>((i * kBlocks) % (capacity->blocks - kBlocks));
    const auto r = execute(*client, cdb::read_10(lba, kBlocks).view(), lun, {}, kBlocks * capacity->block_size);
    ++reads;
    if (!r.completed || r.status != 0 || r.data.size() != kBlocks * capacity->block_size) {
      ++failures;
      std::cout << "read " << reads << " at LBA " << lba << " failed: "
                << (r.completed ? "status " + std::to_string(r.status) : r.error) << '\n';
      if (!r.completed) break;  // the connection is gone
    }
  }
  std::cout << "reads " << reads << ", failures " << failures << '\n';
  client->logout();
  return failures == 0 && reads > 0 ? 0 : 1;
}

int run_write_log(const Options& options) {
  const std::string log_path = options.get("log");
  if (log_path.empty()) {
    std::cerr << "uiscsi-probe: write-log needs --log FILE\n";
    return 2;
  }
  auto client = connect_and_login(options);
  if (!client) return 1;
  const auto lun = static_cast<std::uint16_t>(options.number("lun", 0));
  const auto capacity = read_capacity(*client, lun);
  if (!capacity) return 1;
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    std::perror(log_path.c_str());
    return 1;
  }
  // --fua: every write is FUA and durable once acknowledged (SBC-3 4.12). Otherwise plain
  // writes are durable only after the SYNCHRONIZE CACHE that follows every K of them.
  const bool fua = options.has("fua");
  const std::uint64_t sync_every = std::max<std::uint64_t>(1, options.number("sync-every", 8));
  const std::uint64_t count = std::min(options.number("count", 1000000), capacity->blocks);
  std::vector<std::uint64_t> pending;
  std::uint64_t durable = 0;
  std::string stopped = "done";
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    const auto block = pattern(seq, capacity->block_size);
    const auto r = execute(*client, cdb::write_10(static_cast<std::uint32_t>(seq), 1, {.fua = fua}).view(), lun,
                           block, 0);
    if (!r.completed || r.status != 0) {
      stopped = "write " + std::to_string(seq) + " not acknowledged: " +
                (r.completed ? "status " + std::to_string(r.status) : r.error);
      break;
    }
    if (fua) {
      append_line(log, seq);
      ++durable;
      continue;
    }
    pending.push_back(seq);
    if (pending.size() < sync_every) continue;
    const auto sync = execute(*client, cdb::synchronize_cache_10().view(), lun, {}, 0);
    if (!sync.completed || sync.status != 0) {
      stopped = "SYNCHRONIZE CACHE after " + std::to_string(seq) + " not acknowledged: " +
                (sync.completed ? "status " + std::to_string(sync.status) : sync.error);
      break;
    }
    for (const auto done : pending) append_line(log, done);
    durable += pending.size();
    pending.clear();
  }
  ::close(log);
  std::cout << "durable writes " << durable << " (" << stopped << ")\n";
  return 0;
}

int run_verify_log(const Options& options) {
  std::ifstream log(options.get("log"));
  if (!log) {
    std::cerr << "uiscsi-probe: verify-log needs a readable --log FILE\n";
    return 2;
  }
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t seq; log >> seq;) seqs.push_back(seq);
  auto client = connect_and_login(options);
  if (!client) return 1;
  const auto lun = static_cast<std::uint16_t>(options.number("lun", 0));
  const auto capacity = read_capacity(*client, lun);
  if (!capacity) return 1;
  std::uint64_t missing = 0;
  for (const auto seq : seqs) {
    const auto r = execute(*client, cdb::read_10(static_cast<std::uint32_t>(seq), 1).view(), lun, {},
                           capacity->block_size);
    if (!r.completed || r.status != 0) {
      std::cout << "cannot read block " << seq << ": " << (r.completed ? "status " + std::to_string(r.status) : r.error)
                << '\n';
      return 1;
    }
    if (r.data != pattern(seq, capacity->block_size)) {
      if (++missing <= 10) std::cout << "block " << seq << " lost: it was acknowledged as durable\n";
    }
  }
  std::cout << "verified " << seqs.size() << " durable writes, " << missing << " lost\n";
  client->logout();
  return missing == 0 && !seqs.empty() ? 0 : 1;
}

}  // namespace uiscsi::probe
