#include "bench/compare_plan.h"

namespace uiscsi::bench {

using offload::Policy;
using iscsi::DigestType;

const std::vector<CompareWorkload>& compare_workloads() {
  static const std::vector<CompareWorkload> workloads = {
      {"seq-read-256k", true, false, 256u << 10, 16},
      {"seq-write-256k", false, false, 256u << 10, 16},
      {"rand-read-4k", true, true, 4096, 32},
      {"rand-write-4k", false, true, 4096, 32},
  };
  return workloads;
}

const std::vector<Subject>& compare_subjects() {
  static const std::vector<Subject> subjects = {
      {"uiscsi-target+iscsi-perf", "uiscsi-target served to libiscsi's iscsi-perf", ClientKind::iscsi_perf,
       "uiscsi-target", "", Policy::tcp, DigestType::none},
      {"tgtd+iscsi-perf", "tgtd served to libiscsi's iscsi-perf", ClientKind::iscsi_perf, "tgtd", "", Policy::tcp,
       DigestType::none},
      {"uiscsi-target+uiscsi", "uiscsi-target served to uiscsi's initiator, tcp path", ClientKind::uiscsi_io,
       "uiscsi-target", "", Policy::tcp, DigestType::none},
      {"tgtd+uiscsi", "tgtd served to uiscsi's initiator", ClientKind::uiscsi_io, "tgtd", "", Policy::tcp,
       DigestType::none},
      {"uiscsi-target+uiscsi/placement", "uiscsi on the placement path, both sides", ClientKind::uiscsi_io,
       "uiscsi-target", "", Policy::placement, DigestType::none},
      {"uiscsi-target+uiscsi/crc32c", "uiscsi on the tcp path with CRC32C header and data digests",
       ClientKind::uiscsi_io, "uiscsi-target", "", Policy::tcp, DigestType::crc32c},
      {"uiscsi-target+uiscsi/placement+crc32c", "uiscsi on the placement path with CRC32C digests",
       ClientKind::uiscsi_io, "uiscsi-target", "", Policy::placement, DigestType::crc32c},
      {"uiscsi-target+uiscsi/smc", "uiscsi on the smc path (SMC-R sockets)", ClientKind::uiscsi_io, "uiscsi-target",
       "", Policy::smc, DigestType::none},
      {"uiscsi-nbd+fio", "uiscsi-nbd exporting the uiscsi-target LUN, fio ioengine=nbd", ClientKind::fio_nbd,
       "uiscsi-target", "uiscsi-nbd", Policy::tcp, DigestType::none},
      {"qemu-nbd+fio", "qemu-nbd (libiscsi) exporting the uiscsi-target LUN, fio ioengine=nbd", ClientKind::fio_nbd,
       "uiscsi-target", "qemu-nbd", Policy::tcp, DigestType::none},
  };
  return subjects;
}

const std::vector<Comparison>& compare_comparisons() {
  static const std::vector<Comparison> comparisons = {
      {"target/iscsi-perf", "uiscsi-target vs tgtd, same client: libiscsi's iscsi-perf", "uiscsi-target+iscsi-perf",
       "tgtd+iscsi-perf", "uiscsi-target", "tgtd"},
      {"target/uiscsi", "uiscsi-target vs tgtd, same client: uiscsi's initiator", "uiscsi-target+uiscsi",
       "tgtd+uiscsi", "uiscsi-target", "tgtd"},
      {"initiator", "uiscsi's initiator vs libiscsi's iscsi-perf, same target: uiscsi-target",
       "uiscsi-target+uiscsi", "uiscsi-target+iscsi-perf", "client", "client"},
      {"nbd", "uiscsi-nbd vs qemu-nbd, same target and client (fio nbd)", "uiscsi-nbd+fio", "qemu-nbd+fio",
       "uiscsi-nbd", "qemu-nbd"},
      {"path/placement", "placement vs tcp path, digests off", "uiscsi-target+uiscsi/placement",
       "uiscsi-target+uiscsi", "client", "client"},
      {"path/placement+crc32c", "placement vs tcp path, CRC32C digests", "uiscsi-target+uiscsi/placement+crc32c",
       "uiscsi-target+uiscsi/crc32c", "client", "client"},
      {"path/smc", "smc vs tcp path", "uiscsi-target+uiscsi/smc", "uiscsi-target+uiscsi", "client", "client"},
      {"digests", "CRC32C digests vs none, tcp path", "uiscsi-target+uiscsi/crc32c", "uiscsi-target+uiscsi",
       "client", "client"},
  };
  return comparisons;
}

const std::vector<Goal>& compare_goals() {
  static const std::vector<Goal> goals = {
      {"target >= 1.5x tgtd (iscsi-perf)", "target/iscsi-perf", "", "", 1.5, false},
      {"target >= 1.5x tgtd (uiscsi initiator)", "target/uiscsi", "", "", 1.5, false},
      {"initiator >= 1.5x libiscsi iscsi-perf", "initiator", "", "", 1.5, false},
      {"NBD export >= 1.5x qemu-nbd", "nbd", "", "", 1.5, false},
      {"seq read >= 80% of raw TCP, digests off (tcp)", "", "uiscsi-target+uiscsi", "seq-read-256k", 0.8, false},
      {"seq read >= 80% of raw TCP, digests off (placement)", "", "uiscsi-target+uiscsi/placement", "seq-read-256k",
       0.8, false},
      {"seq read >= 70% of raw TCP, CRC32C (tcp)", "", "uiscsi-target+uiscsi/crc32c", "seq-read-256k", 0.7, false},
      {"seq read >= 70% of raw TCP, CRC32C (placement)", "", "uiscsi-target+uiscsi/placement+crc32c",
       "seq-read-256k", 0.7, false},
      {"target CPU s/GB below tgtd (iscsi-perf)", "target/iscsi-perf", "", "", 1.0, true},
      {"target CPU s/GB below tgtd (uiscsi initiator)", "target/uiscsi", "", "", 1.0, true},
      {"initiator CPU s/GB below iscsi-perf", "initiator", "", "", 1.0, true},
      {"NBD export CPU s/GB below qemu-nbd", "nbd", "", "", 1.0, true},
  };
  return goals;
}

}  // namespace uiscsi::bench
