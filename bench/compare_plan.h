// What `uiscsi-bench compare` measures: the four workloads, the subjects (a client, a
// target, a data path and digests), the comparisons between a subject and its peer, and
// the goals of issue 7 that the comparisons are checked against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "iscsi/negotiation_params.h"
#include "offload/path.h"

namespace uiscsi::bench {

struct CompareWorkload {
  std::string name;  // "seq-read-256k"
  bool read = true;
  bool random = false;
  std::uint32_t block_size = 0;
  std::uint32_t queue_depth = 0;
};

// 256 KiB sequential read and write at QD16, 4 KiB random read and write at QD32.
const std::vector<CompareWorkload>& compare_workloads();

enum class ClientKind : std::uint8_t {
  uiscsi_io,   // uiscsi's initiator (uiscsi-bench io, in this process)
  iscsi_perf,  // libiscsi's iscsi-perf (reads only)
  fio_nbd,     // fio ioengine=nbd against an NBD export of the LUN
};

struct Subject {
  std::string key;          // unique, e.g. "uiscsi-target+iscsi-perf"
  std::string description;  // for people
  ClientKind client = ClientKind::uiscsi_io;
  std::string target;       // "uiscsi-target" or "tgtd"
  std::string nbd_export;   // fio_nbd: "uiscsi-nbd" or "qemu-nbd"
  offload::Policy path = offload::Policy::tcp;
  iscsi::DigestType digests = iscsi::DigestType::none;  // header and data
};

// Whose CPU time a comparison sets side by side: the client's, or a daemon's by name.
struct Comparison {
  std::string key;       // "target/iscsi-perf"
  std::string question;  // "uiscsi-target vs tgtd, client iscsi-perf"
  std::string subject, peer;
  std::string subject_cpu, peer_cpu;  // "client", or a daemon name
};

struct Goal {
  std::string text;        // "target >= 1.5x tgtd"
  std::string comparison;  // a Comparison key, or "" for a raw-TCP goal
  std::string subject;     // for raw-TCP goals: the subject measured against raw TCP
  std::string workload;    // "" for every workload the comparison has
  double threshold = 0;    // ratio (>=), or fraction of raw TCP (>=)
  bool cpu = false;        // the goal is on CPU s/GB: subject's / peer's < threshold
};

const std::vector<Subject>& compare_subjects();
const std::vector<Comparison>& compare_comparisons();
const std::vector<Goal>& compare_goals();

}  // namespace uiscsi::bench
