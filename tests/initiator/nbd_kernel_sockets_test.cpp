// The client side of attaching /dev/nbdN (nbd::connect_kernel_sockets, kernel_device.h),
// against nbd::Server on a LUN of the fake target: as many sockets through NBD_OPT_GO as
// asked for, since the export offers CAN_MULTI_CONN, with the export's size and block
// size; and a socket nobody serves gives none and a reason. The netlink part
// needs the nbd module and runs in the kernel lab (tests/kernel/uiscsid_nbd.sh).
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fake_lun.h"
#include "initiator/block_device.h"
#include "initiator/nbd/kernel_device.h"
#include "initiator/nbd/protocol.h"
#include "initiator/nbd/server.h"

namespace uiscsi::initiator::nbd {
namespace {

using Fixture = test::FakeLun;

void close_all(const KernelSockets& k) {
  for (const int fd : k.fds) ::close(fd);
}

}  // namespace

TEST_CASE("nbd kernel sockets: as many connections as asked for on a CAN_MULTI_CONN export", "[nbd]") {
  Fixture f;
  Server server(f.io);
  REQUIRE_FALSE(test::run(f.io, server.add_export("", *f.device)));
  REQUIRE_FALSE(server.listen_unix(f.socket_path));

  const KernelSockets four = test::run(f.io, connect_kernel_sockets(f.socket_path, "", 4));
  INFO(four.error);
  CHECK(four.fds.size() == 4);
  CHECK((four.flags & NBD_FLAG_CAN_MULTI_CONN) != 0);
  CHECK(four.size == f.device->geometry().size());
  CHECK(four.minimum_block == f.device->geometry().block_size);
  for (const int fd : four.fds) CHECK(fd >= 0);
  close_all(four);

  const KernelSockets one = test::run(f.io, connect_kernel_sockets(f.socket_path, "", 1));
  CHECK(one.fds.size() == 1);
  close_all(one);
  test::run(f.io, server.stop());
}

TEST_CASE("nbd kernel sockets: no server gives no socket and says why", "[nbd]") {
  Fixture f;
  const KernelSockets none = test::run(f.io, connect_kernel_sockets(f.socket_path, "", 4));
  CHECK(none.fds.empty());
  CHECK_THAT(none.error, Catch::Contains(f.socket_path));
}

}  // namespace uiscsi::initiator::nbd
