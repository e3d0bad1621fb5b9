#include <catch2/catch.hpp>

#include "target/iscsi/error.h"
#include "target/iscsi/task.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;

namespace {

iscsi::DataOut data_out(std::uint32_t ttt, std::uint32_t data_sn, std::uint32_t offset, bool final) {
  iscsi::DataOut d;
  d.target_transfer_tag = ttt;
  d.data_sn = data_sn;
  d.buffer_offset = offset;
  d.final = final;
  return d;
}

struct Tags {
  std::uint32_t next = 10;
  std::uint32_t operator()() { return next++; }
};

}  // namespace

TEST_CASE("DataOutTracker: immediate data only", "[iscsi][task]") {
  DataOutTracker t(4096, 4096, true, {});
  CHECK(!t.check_command());
  CHECK(t.complete());
  std::vector<R2tPlan> r2ts;
  Tags tags;
  std::uint32_t sn = 0;
  t.plan_r2ts(tags, sn, r2ts);
  CHECK(r2ts.empty());
}

TEST_CASE("DataOutTracker: immediate, unsolicited, then R2Ts within MaxBurstLength", "[iscsi][task]") {
  const DataOutLimits limits{.first_burst_length = 8192, .max_burst_length = 16384, .max_outstanding_r2t = 2,
                             .initial_r2t = false, .immediate_data = true};
  DataOutTracker t(65536, 2048, false, limits);
  REQUIRE(!t.check_command());
  std::vector<R2tPlan> r2ts;
  Tags tags;
  std::uint32_t sn = 0;
  t.plan_r2ts(tags, sn, r2ts);
  CHECK(r2ts.empty());  // the unsolicited burst is not over yet

  CHECK(!t.on_data_out(data_out(iscsi::kReservedTag, 0, 2048, false), 4096));
  CHECK(!t.on_data_out(data_out(iscsi::kReservedTag, 1, 6144, true), 2048));
  CHECK(t.received() == 8192);
  CHECK(t.unsolicited_done());

  t.plan_r2ts(tags, sn, r2ts);
  REQUIRE(r2ts.size() == 2);  // MaxOutstandingR2T
  CHECK(r2ts[0].buffer_offset == 8192);
  CHECK(r2ts[0].desired_data_transfer_length == 16384);
  CHECK(r2ts[0].r2t_sn == 0);
  CHECK(r2ts[1].buffer_offset == 24576);
  CHECK(r2ts[1].r2t_sn == 1);
  CHECK(t.outstanding_r2ts() == 2);

  // The second burst first: bursts are tracked separately.
  CHECK(!t.on_data_out(data_out(r2ts[1].target_transfer_tag, 0, 24576, false), 8192));
  CHECK(!t.on_data_out(data_out(r2ts[1].target_transfer_tag, 1, 32768, true), 8192));
  CHECK(t.outstanding_r2ts() == 1);
  r2ts.clear();
  t.plan_r2ts(tags, sn, r2ts);
  REQUIRE(r2ts.size() == 1);
  CHECK(r2ts[0].buffer_offset == 40960);
  CHECK(r2ts[0].desired_data_transfer_length == 16384);
  CHECK(r2ts[0].r2t_sn == 2);
  const auto third = r2ts[0].target_transfer_tag;
  CHECK(!t.on_data_out(data_out(10, 0, 8192, true), 16384));
  r2ts.clear();
  t.plan_r2ts(tags, sn, r2ts);
  REQUIRE(r2ts.size() == 1);
  CHECK(r2ts[0].buffer_offset == 57344);
  CHECK(r2ts[0].desired_data_transfer_length == 8192);  // the rest
  CHECK(!t.on_data_out(data_out(third, 0, 40960, true), 16384));
  CHECK(!t.complete());
  CHECK(!t.on_data_out(data_out(r2ts[0].target_transfer_tag, 0, 57344, true), 8192));
  CHECK(t.complete());
}

TEST_CASE("DataOutTracker: what the initiator may not do", "[iscsi][task]") {
  const DataOutLimits limits{.first_burst_length = 8192, .max_burst_length = 16384, .max_outstanding_r2t = 1,
                             .initial_r2t = false, .immediate_data = true};
  const std::error_code protocol = errc::protocol_error;

  SECTION("immediate data when ImmediateData=No") {
    DataOutLimits l = limits;
    l.immediate_data = false;
    CHECK(DataOutTracker(4096, 512, true, l).check_command() == protocol);
  }
  SECTION("immediate data beyond FirstBurstLength or the expected length") {
    CHECK(DataOutTracker(65536, 8704, true, limits).check_command() == protocol);
    CHECK(DataOutTracker(1024, 2048, true, limits).check_command() == protocol);
  }
  SECTION("unsolicited Data-Out announced with InitialR2T=Yes") {
    DataOutLimits l = limits;
    l.initial_r2t = true;
    CHECK(DataOutTracker(65536, 0, false, l).check_command() == protocol);
  }
  SECTION("unsolicited Data-Out announced though the immediate data filled the burst") {
    CHECK(DataOutTracker(8192, 8192, false, limits).check_command() == protocol);
  }
  SECTION("a wrong DataSN, BufferOffset or burst end") {
    DataOutTracker t(65536, 0, false, limits);
    REQUIRE(!t.check_command());
    CHECK(t.on_data_out(data_out(iscsi::kReservedTag, 1, 0, false), 512) == protocol);
    CHECK(t.on_data_out(data_out(iscsi::kReservedTag, 0, 512, false), 512) == protocol);
    CHECK(!t.on_data_out(data_out(iscsi::kReservedTag, 0, 0, false), 4096));
    // Beyond FirstBurstLength.
    CHECK(t.on_data_out(data_out(iscsi::kReservedTag, 1, 4096, true), 8192) == protocol);
    CHECK(!t.on_data_out(data_out(iscsi::kReservedTag, 1, 4096, true), 4096));
    // After the unsolicited burst ended.
    CHECK(t.on_data_out(data_out(iscsi::kReservedTag, 2, 8192, true), 512) == protocol);
    std::vector<R2tPlan> r2ts;
    Tags tags;
    std::uint32_t sn = 0;
    t.plan_r2ts(tags, sn, r2ts);
    REQUIRE(r2ts.size() == 1);
    const auto ttt = r2ts[0].target_transfer_tag;
    CHECK(t.on_data_out(data_out(ttt + 1, 0, 8192, false), 512) == protocol);   // unknown TTT
    CHECK(t.on_data_out(data_out(ttt, 0, 8192, true), 512) == protocol);        // F before the end
    CHECK(t.on_data_out(data_out(ttt, 0, 8192, false), 16384) == protocol);    // F missing at the end
    CHECK(t.on_data_out(data_out(ttt, 0, 8192, true), 16896) == protocol);     // beyond the burst
    CHECK(!t.on_data_out(data_out(ttt, 0, 8192, true), 16384));
  }
}

TEST_CASE("DataInSplitter: segments and bursts", "[iscsi][task]") {
  SECTION("exact multiples") {
    DataInSplitter s(32768, 8192, 16384);
    std::vector<DataInSegment> got;
    while (auto seg = s.next()) got.push_back(*seg);
    REQUIRE(got.size() == 4);
    CHECK(got[0].buffer_offset == 0);
    CHECK(!got[0].final);
    CHECK(got[1].final);  // end of the first MaxBurstLength sequence
    CHECK(!got[1].last);
    CHECK(!got[2].final);
    CHECK(got[3].final);
    CHECK(got[3].last);
  }
  SECTION("a burst that is not a multiple of the segment") {
    DataInSplitter s(30000, 8192, 10000);
    std::vector<DataInSegment> got;
    while (auto seg = s.next()) got.push_back(*seg);
    std::uint32_t total = 0, burst = 0;
    for (const auto& g : got) {
      CHECK(g.buffer_offset == total);
      CHECK(g.length <= 8192);
      total += g.length;
      burst += g.length;
      CHECK(burst <= 10000);
      if (g.final) burst = 0;
    }
    CHECK(total == 30000);
    CHECK(got.back().last);
    CHECK(got.back().final);
  }
  SECTION("no data") {
    DataInSplitter s(0, 8192, 16384);
    CHECK(!s.next());
  }
}

TEST_CASE("Residuals (RFC 7143 11.4.5)", "[iscsi][task]") {
  const Residual over = residual_of(512, 1024);
  CHECK(over.overflow);
  CHECK(!over.underflow);
  CHECK(over.count == 512);
  const Residual under = residual_of(10000, 512);
  CHECK(under.underflow);
  CHECK(under.count == 9488);
  CHECK(!residual_of(512, 512).overflow);
  CHECK(!residual_of(512, 512).underflow);
  // A read that sent less than the command wanted reports what really went out.
  const Residual short_read = read_residual(4096, 4096, 1024);
  CHECK(short_read.underflow);
  CHECK(short_read.count == 3072);
  CHECK(read_residual(1024, 4096, 1024).overflow);
}
