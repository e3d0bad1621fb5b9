#include <catch2/catch.hpp>

#include "target/iscsi/command_window.h"

using uiscsi::target::iscsit::CommandWindow;
using Verdict = CommandWindow::Verdict;

TEST_CASE("CommandWindow: in order, ahead and outside", "[iscsi][cmdsn]") {
  CommandWindow w(100, 4);
  CHECK(w.exp_cmd_sn() == 100);
  CHECK(w.max_cmd_sn() == 103);
  CHECK(w.check(100) == Verdict::next);
  CHECK(w.check(101) == Verdict::ahead);
  CHECK(w.check(103) == Verdict::ahead);
  CHECK(w.check(104) == Verdict::outside);  // beyond MaxCmdSN: ignored (RFC 7143 4.2.2.1)
  CHECK(w.check(99) == Verdict::outside);   // already had it
}

TEST_CASE("CommandWindow: MaxCmdSN moves only forward as commands finish", "[iscsi][cmdsn]") {
  CommandWindow w(1, 2);
  w.accept();  // CmdSN 1
  CHECK(w.exp_cmd_sn() == 2);
  CHECK(w.max_cmd_sn() == 2);
  w.accept();  // CmdSN 2: the window is now closed
  CHECK(w.max_cmd_sn() == 2);
  CHECK(w.max_cmd_sn() == w.exp_cmd_sn() - 1);
  CHECK(w.check(3) == Verdict::outside);
  w.finished();
  CHECK(w.max_cmd_sn() == 3);
  CHECK(w.check(3) == Verdict::next);
  w.finished();
  CHECK(w.max_cmd_sn() == 4);
  w.finished();  // more finishes than commands change nothing
  CHECK(w.max_cmd_sn() == 4);
}

TEST_CASE("CommandWindow: wraps around 2^32", "[iscsi][cmdsn]") {
  CommandWindow w(0xfffffffe, 8);
  CHECK(w.max_cmd_sn() == 5);
  CHECK(w.check(0xfffffffe) == Verdict::next);
  CHECK(w.check(0xffffffff) == Verdict::ahead);
  CHECK(w.check(0) == Verdict::ahead);
  CHECK(w.check(5) == Verdict::ahead);
  CHECK(w.check(6) == Verdict::outside);
  CHECK(w.check(0xfffffffd) == Verdict::outside);
  w.accept();
  w.accept();
  CHECK(w.exp_cmd_sn() == 0);
  CHECK(w.check(0) == Verdict::next);
  // 2^31 away is undefined in serial arithmetic and treated as outside.
  CHECK(w.check(0x80000000u) == Verdict::outside);
}
