// PduWriter -> PduParser: round trips with every digest combination, every byte-boundary
// split of a multi-PDU stream, random chunking, digest corruption at every byte, the
// header-stage length check (with an allocation counter), and direct data placement (through
// put() and, as a transport reading into the destination does, through skip_placed()), and
// the writer's file segments (the gap a transport fills with sendfile).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory_resource>
#include <random>
#include <vector>

#include "iscsi/pdu.h"

using namespace uiscsi::iscsi;

namespace {

using Bytes = std::vector<std::byte>;
using Event = PduParser::Event;

Bytes pattern(std::size_t n, unsigned seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::byte(static_cast<unsigned char>(i * 31 + seed * 7 + 1));
  return out;
}

Bytes flatten(std::span<const iovec> iov) {
  Bytes out;
  for (const iovec& v : iov) {
    const auto* p = static_cast<const std::byte*>(v.iov_base);
    out.insert(out.end(), p, p + v.iov_len);
  }
  return out;
}

// One PDU to send: its header and data (the data is split over two iovecs on purpose).
struct Spec {
  Bhs bhs;
  Bytes ahs;
  Bytes data;
};

// What the parser delivered for one PDU.
struct Parsed {
  Bhs bhs;
  Bytes ahs;
  Bytes data;
  friend bool operator==(const Parsed&, const Parsed&) = default;
};

Bytes write_stream(const std::vector<Spec>& specs, DigestConfig digests) {
  PduWriter writer(digests);
  Bytes stream;
  for (const Spec& s : specs) {
    const std::size_t half = s.data.size() / 2;
    const iovec data[2] = {{const_cast<std::byte*>(s.data.data()), half},
                           {const_cast<std::byte*>(s.data.data()) + half, s.data.size() - half}};
    OutgoingPdu pdu{s.bhs, s.ahs, data};
    std::error_code ec;
    const auto iov = writer.prepare(pdu, ec);
    REQUIRE_FALSE(ec);
    const Bytes bytes = flatten(iov);
    REQUIRE(bytes.size() == writer.size());
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  return stream;
}

// The PDUs a correct parser must deliver for `specs` (the writer fills in the lengths).
std::vector<Parsed> expected(const std::vector<Spec>& specs) {
  std::vector<Parsed> out;
  for (const Spec& s : specs) {
    Bhs b = s.bhs;
    b.set_total_ahs_length(static_cast<std::uint8_t>(s.ahs.size() / 4));
    b.set_data_segment_length(static_cast<std::uint32_t>(s.data.size()));
    out.push_back({b, s.ahs, s.data});
  }
  return out;
}

struct Outcome {
  std::vector<Parsed> pdus;
  std::size_t headers = 0;
  std::error_code ec;
  std::size_t consumed = 0;  // total bytes consumed, up to and including the failing put()
};

// Feeds `stream` to a parser in chunks whose sizes `next_chunk(remaining)` picks, checking
// the put() contract on every call.
Outcome parse(std::span<const std::byte> stream, const PduLimits& limits,
              const std::function<std::size_t(std::size_t)>& next_chunk) {
  PduParser parser(limits);
  Outcome out;
  bool in_pdu = false;
  while (true) {
    const std::size_t remaining = stream.size() - out.consumed;
    auto chunk = stream.subspan(out.consumed, remaining == 0 ? 0 : std::min(remaining, next_chunk(remaining)));
    while (true) {
      const auto r = parser.put(chunk);
      REQUIRE(r.consumed <= chunk.size());
      chunk = chunk.subspan(r.consumed);
      out.consumed += r.consumed;
      if (r.ec) {
        REQUIRE(r.event == Event::need_more);
        out.ec = r.ec;
        return out;
      }
      if (r.event == Event::need_more) {
        REQUIRE(chunk.empty());  // need_more means everything was taken
        break;
      }
      if (r.event == Event::header) {
        REQUIRE_FALSE(in_pdu);
        in_pdu = true;
        ++out.headers;
        continue;
      }
      REQUIRE(in_pdu);
      in_pdu = false;
      Pdu pdu = parser.take();
      REQUIRE_FALSE(pdu.data_placed);
      out.pdus.push_back({pdu.bhs, Bytes(pdu.ahs.begin(), pdu.ahs.end()),
                          Bytes(pdu.data.begin(), pdu.data.end())});
    }
    if (out.consumed == stream.size()) {
      // A PDU without data still owes its Event::pdu; the loop above drained it.
      REQUIRE_FALSE(in_pdu);
      return out;
    }
  }
}

std::size_t whole(std::size_t remaining) { return remaining; }

PduLimits limits_for(DigestConfig d, std::uint32_t max = 8192) {
  return {.max_recv_data_segment_length = max, .header_digest = d.header_digest, .data_digest = d.data_digest};
}

const DigestConfig kAllDigests[] = {{false, false}, {true, false}, {false, true}, {true, true}};

std::string describe(DigestConfig d) {
  return std::string("HeaderDigest=") + (d.header_digest ? "CRC32C" : "None") +
         " DataDigest=" + (d.data_digest ? "CRC32C" : "None");
}

// A stream exercising AHS, odd data lengths (padding), empty data and an unknown opcode.
std::vector<Spec> mixed_specs() {
  std::vector<Spec> specs;

  ScsiCommand cmd;
  cmd.write = true;
  cmd.read = true;
  cmd.initiator_task_tag = 0x1001;
  cmd.expected_data_transfer_length = 5;
  cmd.set_cdb(pattern(18, 1));  // 18-byte CDB: a padded Extended CDB AHS
  cmd.bidirectional_read_data_length = 4096;
  Spec command{cmd.encode(), {}, pattern(5, 2)};
  cmd.encode_ahs(command.ahs);
  specs.push_back(command);

  specs.push_back({NopOut{.initiator_task_tag = 0x1002, .cmd_sn = 3}.encode(), {}, {}});
  specs.push_back({DataOut{.final = true, .initiator_task_tag = 0x1001, .buffer_offset = 5}.encode(), {},
                   pattern(13, 3)});
  Bhs unknown;
  unknown.set_opcode(Opcode{0x1d});
  specs.push_back({unknown, {}, pattern(4, 4)});
  specs.push_back({TextRequest{.initiator_task_tag = 0x1003}.encode(), {}, pattern(2, 5)});
  return specs;
}

// Counts the allocations made through it.
class CountingResource final : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace

TEST_CASE("pdu parser: writer -> parser round trip, every digest combination and edge length",
          "[iscsi][pdu]") {
  for (const DigestConfig digests : kAllDigests) {
    for (const std::size_t length : {0u, 1u, 2u, 3u, 4u, 5u, 8191u, 8192u}) {
      INFO(describe(digests) << " DataSegmentLength=" << length);
      const std::vector<Spec> specs{
          {DataIn{.final = true, .initiator_task_tag = 7, .data_sn = 1}.encode(), {}, pattern(length, 9)}};
      const Bytes stream = write_stream(specs, digests);
      const std::size_t expected_size = kBhsLength + (digests.header_digest ? 4 : 0) + length +
                                        padding_length(length) +
                                        (digests.data_digest && length != 0 ? 4 : 0);
      CHECK(stream.size() == expected_size);
      const Outcome out = parse(stream, limits_for(digests), whole);
      REQUIRE_FALSE(out.ec);
      CHECK(out.headers == 1);
      CHECK(out.pdus == expected(specs));
      CHECK(DataIn::decode(out.pdus.at(0).bhs).initiator_task_tag == 7);
    }
  }
}

TEST_CASE("pdu parser: every byte-boundary split of a multi-PDU stream", "[iscsi][pdu]") {
  const auto specs = mixed_specs();
  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    const Bytes stream = write_stream(specs, digests);
    const PduLimits limits = limits_for(digests);
    const auto want = expected(specs);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      INFO("split at " << split);
      bool first = true;
      const Outcome out = parse(stream, limits, [&](std::size_t remaining) {
        const std::size_t n = first ? split : remaining;
        first = false;
        return n;
      });
      REQUIRE_FALSE(out.ec);
      REQUIRE(out.pdus == want);
    }
    // And one byte at a time: every boundary at once.
    const Outcome bytewise = parse(stream, limits, [](std::size_t) { return std::size_t{1}; });
    REQUIRE_FALSE(bytewise.ec);
    CHECK(bytewise.pdus == want);
    CHECK(bytewise.headers == want.size());
  }
}

TEST_CASE("pdu parser: random chunk sizes", "[iscsi][pdu]") {
  std::mt19937 rng(7143);
  auto specs = mixed_specs();
  specs.push_back({DataIn{.initiator_task_tag = 9}.encode(), {}, pattern(8192, 6)});
  specs.push_back({DataIn{.initiator_task_tag = 9}.encode(), {}, pattern(4001, 7)});
  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    const Bytes stream = write_stream(specs, digests);
    for (int round = 0; round < 100; ++round) {
      std::uniform_int_distribution<std::size_t> size(1, round % 2 ? 7 : 1500);
      const Outcome out = parse(stream, limits_for(digests), [&](std::size_t) { return size(rng); });
      REQUIRE_FALSE(out.ec);
      REQUIRE(out.pdus == expected(specs));
    }
  }
}

TEST_CASE("pdu parser: a corrupted byte anywhere in a digested part is detected", "[iscsi][pdu]") {
  ScsiCommand cmd;
  cmd.set_cdb(pattern(20, 8));
  Spec spec{cmd.encode(), {}, pattern(7, 9)};  // 7 bytes of data: 1 byte of padding
  cmd.encode_ahs(spec.ahs);
  const std::size_t header_length = kBhsLength + spec.ahs.size();

  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    const Bytes clean = write_stream({spec}, digests);
    const std::size_t header_end = header_length + (digests.header_digest ? 4 : 0);
    for (std::size_t at = 0; at < clean.size(); ++at) {
      const bool in_header = at < header_end;
      if (in_header ? !digests.header_digest : !digests.data_digest) continue;
      INFO("corrupt byte " << at);
      Bytes bad = clean;
      bad[at] ^= std::byte{0x5a};
      // Enough trailing bytes that a corrupted length cannot starve the parser.
      bad.resize(bad.size() + 2048);
      const Outcome out = parse(bad, limits_for(digests), whole);
      CHECK(out.pdus.empty());
      CHECK(out.ec == (in_header ? pdu_errc::header_digest_mismatch : pdu_errc::data_digest_mismatch));
      CHECK(is_digest_error(out.ec));
    }
  }
}

TEST_CASE("pdu parser: DataSegmentLength above the limit fails at the header stage, allocating nothing",
          "[iscsi][pdu]") {
  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    Bhs bhs = DataOut{.initiator_task_tag = 1}.encode();
    bhs.set_data_segment_length(8193);
    Bytes header(bhs.raw.begin(), bhs.raw.end());
    if (digests.header_digest) {
      std::array<std::byte, kDigestLength> d{};
      store_digest(header_digest(bhs, {}), d);
      header.insert(header.end(), d.begin(), d.end());
    }
    CountingResource memory;
    PduParser parser(limits_for(digests), &memory);
    // Only the header is given: the error must not wait for (or allocate for) the data.
    const auto r = parser.put(header);
    CHECK(r.ec == pdu_errc::data_segment_too_long);
    CHECK(r.consumed == header.size());
    CHECK(memory.allocations == 0);
    // Poisoned: the same error again, nothing consumed.
    const auto again = parser.put(header);
    CHECK(again.ec == pdu_errc::data_segment_too_long);
    CHECK(again.consumed == 0);
    CHECK(parser.error() == pdu_errc::data_segment_too_long);
  }

  SECTION("at the limit the data buffer is allocated through the resource") {
    CountingResource memory;
    PduParser parser(limits_for({}, 16), &memory);
    const Bytes stream = write_stream({{NopOut{}.encode(), {}, pattern(16, 1)}}, {});
    auto r = parser.put(stream);
    REQUIRE(r.event == Event::header);
    CHECK(memory.allocations == 0);
    r = parser.put(std::span(stream).subspan(r.consumed));
    REQUIRE(r.event == Event::pdu);
    CHECK(memory.allocations == 1);
    const Pdu pdu = parser.take();
    CHECK(pdu.data.get_allocator().resource() == &memory);
    CHECK(pdu.data == std::pmr::vector<std::byte>(pdu.data.begin(), pdu.data.end()));
  }
}

TEST_CASE("pdu parser: place_data writes the data segment into multi-iovec destinations",
          "[iscsi][pdu]") {
  const Bytes data = pattern(21, 3);  // 3 bytes of padding
  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    const Bytes stream = write_stream(
        {{DataOut{.initiator_task_tag = 5}.encode(), {}, data}, {NopOut{}.encode(), {}, pattern(3, 1)}}, digests);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      INFO("split at " << split);
      // Destination: 4 + 0 + 10 + 9 bytes (the last 2 must stay untouched).
      Bytes a(4, std::byte{0xee}), c(10, std::byte{0xee}), d(9, std::byte{0xee});
      const iovec dest[] = {{a.data(), a.size()}, {nullptr, 0}, {c.data(), c.size()}, {d.data(), d.size()}};
      CountingResource memory;
      PduParser parser(limits_for(digests), &memory);
      std::vector<Pdu> pdus;
      std::span<const std::byte> rest(stream);
      std::size_t chunk = split;
      while (pdus.size() < 2) {
        auto input = rest.first(std::min(chunk, rest.size()));
        const auto r = parser.put(input);
        REQUIRE_FALSE(r.ec);
        rest = rest.subspan(r.consumed);
        if (r.event == Event::need_more) {
          chunk = rest.size();
        } else if (r.event == Event::header) {
          if (parser.bhs().opcode() == Opcode::scsi_data_out) {
            REQUIRE_FALSE(parser.place_data(dest));
            CHECK(parser.place_data(dest) == pdu_errc::placement_not_allowed);  // only once
          }
        } else {
          pdus.push_back(parser.take());
        }
        chunk = chunk > r.consumed ? chunk - r.consumed : rest.size();
      }
      REQUIRE(rest.empty());
      CHECK(pdus[0].data_placed);
      CHECK(pdus[0].data.empty());
      Bytes placed = a;
      placed.insert(placed.end(), c.begin(), c.end());
      placed.insert(placed.end(), d.begin(), d.end());
      CHECK(Bytes(placed.begin(), placed.begin() + 21) == data);
      CHECK(placed[21] == std::byte{0xee});
      CHECK(placed[22] == std::byte{0xee});
      // The placed PDU allocated nothing; the second one owns its 3 bytes.
      CHECK_FALSE(pdus[1].data_placed);
      CHECK(pdus[1].data.size() == 3);
      CHECK(memory.allocations == 1);
    }
  }
}

TEST_CASE("pdu parser: place_data errors leave the parser usable", "[iscsi][pdu]") {
  const Bytes stream = write_stream({{DataOut{}.encode(), {}, pattern(10, 1)}}, {});
  PduParser parser;
  Bytes small(9);
  const iovec too_small[] = {{small.data(), small.size()}};
  CHECK(parser.place_data(too_small) == pdu_errc::placement_not_allowed);  // no header yet
  auto r = parser.put(stream);
  REQUIRE(r.event == Event::header);
  CHECK(parser.place_data(too_small) == pdu_errc::placement_too_small);
  r = parser.put(std::span(stream).subspan(r.consumed));
  REQUIRE(r.event == Event::pdu);
  CHECK(parser.place_data(too_small) == pdu_errc::placement_not_allowed);  // too late
  const Pdu pdu = parser.take();
  CHECK_FALSE(pdu.data_placed);
  CHECK(Bytes(pdu.data.begin(), pdu.data.end()) == pattern(10, 1));
}

TEST_CASE("pdu parser: a placed data segment still gets its digest checked", "[iscsi][pdu]") {
  Bytes stream = write_stream({{DataOut{}.encode(), {}, pattern(6, 1)}}, {false, true});
  stream[kBhsLength + 2] ^= std::byte{1};
  PduParser parser(limits_for({false, true}));
  Bytes dest(6);
  const iovec iov[] = {{dest.data(), dest.size()}};
  auto r = parser.put(stream);
  REQUIRE(r.event == Event::header);
  REQUIRE_FALSE(parser.place_data(iov));
  r = parser.put(std::span(stream).subspan(r.consumed));
  CHECK(r.ec == pdu_errc::data_digest_mismatch);
}

TEST_CASE("pdu parser: abandon_placement stops writes mid-PDU and keeps the framing", "[iscsi][pdu]") {
  const Bytes stream = write_stream({{DataOut{}.encode(), {}, pattern(8, 2)},
                                     {DataOut{}.encode(), {}, pattern(4, 3)}},
                                    {false, true});
  PduParser parser(limits_for({false, true}));
  Bytes dest(8, std::byte{0xee});
  const iovec iov[] = {{dest.data(), dest.size()}};
  std::span<const std::byte> in(stream);
  auto r = parser.put(in);
  REQUIRE(r.event == Event::header);
  in = in.subspan(r.consumed);
  REQUIRE_FALSE(parser.place_data(iov));
  r = parser.put(in.first(3));  // three bytes land, then the task is cancelled
  in = in.subspan(r.consumed);
  parser.abandon_placement();
  do {
    r = parser.put(in);
    in = in.subspan(r.consumed);
    REQUIRE_FALSE(r.ec);  // the discarded bytes still pass the data digest
  } while (r.event != Event::pdu);
  const Pdu first = parser.take();
  CHECK(first.data_placed);
  const Bytes expected = pattern(8, 2);
  CHECK(std::equal(dest.begin(), dest.begin() + 3, expected.begin()));
  CHECK(std::all_of(dest.begin() + 3, dest.end(), [](std::byte b) { return b == std::byte{0xee}; }));
  // The next PDU is parsed and owned as usual.
  r = parser.put(in);
  REQUIRE(r.event == Event::header);
  in = in.subspan(r.consumed);
  r = parser.put(in);
  REQUIRE(r.event == Event::pdu);
  const Pdu second = parser.take();
  CHECK_FALSE(second.data_placed);
  CHECK(Bytes(second.data.begin(), second.data.end()) == pattern(4, 3));
}

namespace {

// A transport's direct placement, simulated: the first `copied` bytes of the first PDU's data
// segment go through put() (they were in the receive buffer), the rest is written straight
// into placement_window() in pieces of at most `piece` bytes (as readv(2) would) and reported
// with skip_placed(); everything after the data segment goes through put() again.
struct DirectRun {
  std::vector<Pdu> pdus;
  std::error_code ec;
  std::size_t skipped = 0;  // bytes reported through skip_placed()
};

DirectRun run_direct(std::span<const std::byte> stream, DigestConfig digests, std::span<const iovec> dest,
                     std::size_t copied, std::size_t piece, std::size_t pdu_count) {
  PduParser parser(limits_for(digests));
  DirectRun out;
  std::span<const std::byte> rest = stream;
  bool placed_one = false;
  while (out.pdus.size() < pdu_count) {
    if (parser.placement_active()) {
      REQUIRE(parser.data_remaining() > 0);
      iovec scratch[3];
      const auto window = parser.placement_window(scratch);
      REQUIRE_FALSE(window.empty());
      std::size_t n = 0;
      for (const iovec& v : window) {
        const std::size_t k = std::min({v.iov_len, piece - n, rest.size() - n});
        std::memcpy(v.iov_base, rest.data() + n, k);
        n += k;
        if (n == piece || n == rest.size()) break;
      }
      REQUIRE_FALSE(parser.skip_placed(n));
      out.skipped += n;
      rest = rest.subspan(n);
      continue;
    }
    const auto r = parser.put(rest);
    rest = rest.subspan(r.consumed);
    if (r.ec) {
      out.ec = r.ec;
      return out;
    }
    if (r.event == Event::header && !placed_one && parser.bhs().opcode() == Opcode::scsi_data_out) {
      REQUIRE_FALSE(parser.place_data(dest));
      placed_one = true;
      // Move into the data segment and copy the first `copied` bytes, as the read-ahead would.
      const auto c = parser.put(rest.first(std::min(copied, rest.size())));
      REQUIRE_FALSE(c.ec);
      rest = rest.subspan(c.consumed);
      copied = 0;
      if (c.event == Event::pdu) out.pdus.push_back(parser.take());
    } else if (r.event == Event::pdu) {
      out.pdus.push_back(parser.take());
    }
  }
  REQUIRE(rest.empty());
  return out;
}

}  // namespace

TEST_CASE("pdu parser: skip_placed takes any part of a placed data segment, at any split",
          "[iscsi][pdu]") {
  const Bytes data = pattern(21, 4);  // 3 bytes of padding
  for (const DigestConfig digests : kAllDigests) {
    INFO(describe(digests));
    const Bytes stream = write_stream(
        {{DataOut{.initiator_task_tag = 5}.encode(), {}, data}, {NopOut{}.encode(), {}, pattern(3, 1)}}, digests);
    for (std::size_t copied = 0; copied <= data.size(); ++copied) {
      for (std::size_t piece : {std::size_t{1}, std::size_t{5}, data.size()}) {
        INFO("copied " << copied << ", direct pieces of " << piece);
        // 4 + 0 + 10 + 9 bytes: the window crosses iovecs and skips the empty one.
        Bytes a(4, std::byte{0xee}), c(10, std::byte{0xee}), d(9, std::byte{0xee});
        const iovec dest[] = {{a.data(), a.size()}, {nullptr, 0}, {c.data(), c.size()}, {d.data(), d.size()}};
        const DirectRun run = run_direct(stream, digests, dest, copied, piece, 2);
        REQUIRE_FALSE(run.ec);
        CHECK(run.skipped == data.size() - copied);
        REQUIRE(run.pdus.size() == 2);
        CHECK(run.pdus[0].data_placed);
        Bytes placed = a;
        placed.insert(placed.end(), c.begin(), c.end());
        placed.insert(placed.end(), d.begin(), d.end());
        CHECK(Bytes(placed.begin(), placed.begin() + 21) == data);
        CHECK(placed[21] == std::byte{0xee});  // never beyond the data segment
        CHECK(Bytes(run.pdus[1].data.begin(), run.pdus[1].data.end()) == pattern(3, 1));
      }
    }
  }
}

TEST_CASE("pdu parser: a byte corrupted in a directly placed segment fails the data digest",
          "[iscsi][pdu]") {
  const Bytes data = pattern(40, 6);
  for (std::size_t bad = 0; bad < data.size(); ++bad) {
    Bytes stream = write_stream({{DataOut{}.encode(), {}, data}}, {true, true});
    stream[kBhsLength + 4 + bad] ^= std::byte{0x10};  // as if it was damaged in flight
    Bytes dest(40);
    const iovec iov[] = {{dest.data(), dest.size()}};
    const DirectRun run = run_direct(stream, {true, true}, iov, 7, 16, 1);
    CHECK(run.ec == pdu_errc::data_digest_mismatch);
  }
}

TEST_CASE("pdu parser: placement_window and skip_placed refuse what is not a placed data segment",
          "[iscsi][pdu]") {
  const Bytes stream = write_stream({{DataOut{}.encode(), {}, pattern(10, 1)}}, {});
  PduParser parser;
  Bytes dest(10);
  const iovec iov[] = {{dest.data(), 4}, {dest.data() + 4, 6}};
  iovec one[1];
  CHECK_FALSE(parser.placement_active());
  CHECK(parser.skip_placed(1) == pdu_errc::placement_not_allowed);  // no header yet
  auto r = parser.put(stream);
  REQUIRE(r.event == Event::header);
  CHECK(parser.data_remaining() == 10);
  CHECK_FALSE(parser.placement_active());  // not placed
  CHECK(parser.placement_window(one).empty());
  CHECK(parser.skip_placed(1) == pdu_errc::placement_not_allowed);
  REQUIRE_FALSE(parser.place_data(iov));
  REQUIRE(parser.placement_active());
  // A short array gets the first piece only.
  const auto w = parser.placement_window(one);
  REQUIRE(w.size() == 1);
  CHECK(w[0].iov_base == dest.data());
  CHECK(w[0].iov_len == 4);
  CHECK(parser.skip_placed(11) == pdu_errc::placement_not_allowed);  // beyond the segment
  std::memcpy(dest.data(), stream.data() + kBhsLength, 6);
  REQUIRE_FALSE(parser.skip_placed(6));
  CHECK(parser.data_remaining() == 4);
  SECTION("abandoned: the rest must go through put()") {
    parser.abandon_placement();
    CHECK_FALSE(parser.placement_active());
    CHECK(parser.skip_placed(4) == pdu_errc::placement_not_allowed);
    r = parser.put(std::span(stream).subspan(kBhsLength + 6));
    CHECK(r.event == Event::pdu);
  }
  SECTION("complete: nothing more to skip") {
    std::memcpy(dest.data() + 6, stream.data() + kBhsLength + 6, 4);
    REQUIRE_FALSE(parser.skip_placed(4));
    CHECK_FALSE(parser.placement_active());
    CHECK(parser.skip_placed(0) == pdu_errc::placement_not_allowed);
    r = parser.put({});
    CHECK(r.event == Event::need_more);  // the padding is still to come
    r = parser.put(std::span(stream).subspan(kBhsLength + 10));
    REQUIRE(r.event == Event::pdu);
    CHECK(r.consumed == 2);
    CHECK(parser.take().data_placed);
    CHECK(dest == pattern(10, 1));
  }
}

TEST_CASE("pdu parser: malformed AHS chain is bad_ahs", "[iscsi][pdu]") {
  // TotalAHSLength = 1 word, but the AHS claims AHSLength 9.
  Bhs bhs = ScsiCommand{}.encode();
  bhs.set_total_ahs_length(1);
  Bytes stream(bhs.raw.begin(), bhs.raw.end());
  for (auto b : {0x00, 0x09, 0x01, 0x00}) stream.push_back(std::byte(b));
  const Outcome out = parse(stream, {}, whole);
  CHECK(out.ec == pdu_errc::bad_ahs);
  CHECK(out.headers == 0);
}

TEST_CASE("pdu parser: limits change only between PDUs", "[iscsi][pdu]") {
  const Bytes plain = write_stream({{NopOut{}.encode(), {}, pattern(4, 1)}}, {});
  const Bytes digested = write_stream({{NopOut{}.encode(), {}, pattern(4, 1)}}, {true, true});
  PduParser parser;
  auto r = parser.put(std::span(plain).first(10));
  CHECK(parser.set_limits(limits_for({true, true})) == pdu_errc::mid_pdu);
  r = parser.put(std::span(plain).subspan(10));
  REQUIRE(r.event == Event::header);
  r = parser.put(std::span(plain).subspan(10 + r.consumed));
  REQUIRE(r.event == Event::pdu);
  // After the PDU (taken or not) the new limits apply to the next one.
  REQUIRE_FALSE(parser.set_limits(limits_for({true, true})));
  CHECK(parser.limits().header_digest);
  r = parser.put(digested);
  REQUIRE(r.event == Event::header);
  r = parser.put(std::span(digested).subspan(r.consumed));
  REQUIRE(r.event == Event::pdu);
  CHECK(r.consumed == digested.size() - kBhsLength - 4);
}

TEST_CASE("pdu writer: never copies the data and checks the field widths", "[iscsi][pdu]") {
  Bytes data = pattern(9, 2);
  const iovec iov[] = {{data.data(), 4}, {data.data() + 4, 0}, {data.data() + 4, 5}};
  PduWriter writer({true, true});
  OutgoingPdu pdu{NopOut{}.encode(), {}, iov};
  std::error_code ec;
  const auto out = writer.prepare(pdu, ec);
  REQUIRE_FALSE(ec);
  // BHS, header digest, 2 data views (the empty one dropped), padding, data digest.
  REQUIRE(out.size() == 6);
  CHECK(out[0].iov_base == pdu.bhs.raw.data());
  CHECK(out[2].iov_base == data.data());
  CHECK(out[3].iov_base == data.data() + 4);
  CHECK(out[4].iov_len == 3);
  CHECK(pdu.bhs.data_segment_length() == 9);
  CHECK(writer.size() == 48 + 4 + 9 + 3 + 4);

  SECTION("AHS not a multiple of 4") {
    const Bytes ahs(6);
    OutgoingPdu bad{NopOut{}.encode(), ahs, {}};
    CHECK(writer.prepare(bad, ec).empty());
    CHECK(ec == pdu_errc::bad_ahs);
    CHECK(writer.size() == 0);
  }
  SECTION("AHS above 255 words") {
    const Bytes ahs(kMaxAhsLength + 4);
    OutgoingPdu bad{NopOut{}.encode(), ahs, {}};
    CHECK(writer.prepare(bad, ec).empty());
    CHECK(ec == pdu_errc::ahs_too_long);
  }
  SECTION("data above the 24-bit DataSegmentLength") {
    // The length is checked before any byte is read.
    const iovec huge[] = {{data.data(), kMaxDataSegmentLength}, {data.data(), 1}};
    OutgoingPdu bad{NopOut{}.encode(), {}, huge};
    CHECK(writer.prepare(bad, ec).empty());
    CHECK(ec == pdu_errc::data_segment_too_long);
  }
}

// A file segment: the iovecs leave a gap for it at file_position(); the file's bytes put
// there give the same wire bytes as the same data sent from memory.
TEST_CASE("pdu writer: a file segment goes between the header and the padding", "[iscsi][pdu]") {
  const Bytes data = pattern(4093, 5);  // 3 bytes of padding
  const Bytes ahs(8);
  const bool header_digest = GENERATE(false, true);
  PduWriter writer({header_digest, false});
  DataIn d;
  d.initiator_task_tag = 7;
  OutgoingPdu pdu{d.encode(), ahs, {}, FileSegment{.fd = 3, .offset = 100, .length = data.size()}};
  std::error_code ec;
  const auto out = writer.prepare(pdu, ec);
  REQUIRE_FALSE(ec);
  CHECK(pdu.bhs.data_segment_length() == data.size());
  CHECK(pdu.bhs.total_ahs_length() == 2);
  // BHS, AHS, header digest | (file) | padding.
  const std::size_t head = header_digest ? 3 : 2;
  REQUIRE(writer.file_position() == head);
  REQUIRE(out.size() == head + 1);
  CHECK(out[head].iov_len == 3);
  CHECK(writer.size() == 48 + 8 + (header_digest ? 4 : 0) + data.size() + 3);

  Bytes stream = flatten(out.first(head));
  stream.insert(stream.end(), data.begin(), data.end());
  const Bytes tail = flatten(out.subspan(head));
  stream.insert(stream.end(), tail.begin(), tail.end());
  CHECK(stream.size() == writer.size());
  const iovec mem{const_cast<std::byte*>(data.data()), data.size()};
  PduWriter memory_writer({header_digest, false});
  OutgoingPdu same{d.encode(), ahs, {&mem, 1}};
  const auto from_memory = memory_writer.prepare(same, ec);
  CHECK(flatten(from_memory) == stream);
  CHECK(memory_writer.file_position() == from_memory.size());  // no file: all of them

  SECTION("a length that needs no padding has no tail") {
    pdu.file.length = 4096;
    CHECK(writer.prepare(pdu, ec).size() == head);
    CHECK(writer.file_position() == head);
    CHECK(writer.size() == 48 + 8 + (header_digest ? 4 : 0) + 4096);
  }
}

TEST_CASE("pdu writer: a file segment refuses a data digest, memory data and a long range",
          "[iscsi][pdu]") {
  Bytes data = pattern(8, 1);
  const iovec mem{data.data(), data.size()};
  std::error_code ec;
  SECTION("DataDigest on") {
    PduWriter writer({false, true});
    OutgoingPdu pdu{DataIn{}.encode(), {}, {}, FileSegment{.fd = 3, .offset = 0, .length = 512}};
    CHECK(writer.prepare(pdu, ec).empty());
    CHECK(ec == pdu_errc::file_data_with_digest);
    CHECK(writer.size() == 0);
    CHECK(writer.file_position() == 0);
  }
  SECTION("memory data as well") {
    PduWriter writer;
    OutgoingPdu pdu{DataIn{}.encode(), {}, {&mem, 1}, FileSegment{.fd = 3, .offset = 0, .length = 512}};
    CHECK(writer.prepare(pdu, ec).empty());
    CHECK(ec == pdu_errc::file_data_with_digest);
  }
  SECTION("above the 24-bit DataSegmentLength") {
    PduWriter writer;
    OutgoingPdu pdu{DataIn{}.encode(), {}, {}, FileSegment{.fd = 3, .offset = 0, .length = kMaxDataSegmentLength + 1}};
    CHECK(writer.prepare(pdu, ec).empty());
    CHECK(ec == pdu_errc::data_segment_too_long);
    pdu.file.length = kMaxDataSegmentLength;
    CHECK_FALSE(writer.prepare(pdu, ec).empty());
    CHECK_FALSE(ec);
  }
  SECTION("a data digest with no data segment at all is fine") {
    PduWriter writer({true, true});
    OutgoingPdu pdu{NopIn{}.encode(), {}, {}, FileSegment{}};
    CHECK(writer.prepare(pdu, ec).size() == 2);
    CHECK_FALSE(ec);
  }
}
