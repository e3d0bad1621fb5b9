// Internal helpers: iovec slicing and copying, and the Logical Block Provisioning VPD
// parser, truncated at every byte boundary.
#include <catch2/catch.hpp>
#include <numeric>

#include "initiator/detail/iovec.h"
#include "initiator/detail/provisioning_vpd.h"
#include "iscsi/scsi_data_error.h"

namespace uiscsi::initiator::detail {

TEST_CASE("iovec: slices cut at both ends", "[internals]") {
  std::vector<std::byte> bytes(100);
  const iovec v[3] = {{bytes.data(), 10}, {bytes.data() + 10, 50}, {bytes.data() + 60, 40}};
  CHECK(total_size(v) == 100);
  for (std::size_t offset = 0; offset <= 100; ++offset) {
    for (std::size_t length = 0; offset + length <= 100; length += 7) {
      std::vector<iovec> out;
      slice(v, offset, length, out);
      CHECK(total_size(out) == length);
      // The slice is contiguous over the same memory: its pieces follow each other.
      std::byte* next = bytes.data() + offset;
      for (const iovec& piece : out) {
        CHECK(piece.iov_base == next);
        CHECK(piece.iov_len > 0);
        next += piece.iov_len;
      }
    }
  }
}

TEST_CASE("iovec: copy_into places bytes across iovecs, and refuses what does not fit", "[internals]") {
  std::vector<std::byte> a(3), b(5), c(8);
  const iovec v[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
  std::vector<std::byte> src(6);
  std::iota(reinterpret_cast<unsigned char*>(src.data()), reinterpret_cast<unsigned char*>(src.data()) + 6, 1);
  REQUIRE(copy_into(v, 2, src));
  CHECK(a[2] == std::byte{1});
  CHECK(b[0] == std::byte{2});
  CHECK(b[4] == std::byte{6});
  CHECK(c[0] == std::byte{0});
  CHECK_FALSE(copy_into(v, 11, src));  // 11 + 6 > 16
  CHECK_FALSE(copy_into(v, 17, {}));
  CHECK(copy_into(v, 16, {}));
}

TEST_CASE("provisioning VPD: fields, and every truncation", "[internals]") {
  // B2h, page length 4: threshold exponent 3, LBPU | LBPWS | LBPRZ (xx1b) | DP, thin.
  const std::vector<std::byte> page = {std::byte{0x00}, std::byte{0xb2}, std::byte{0x00}, std::byte{0x04},
                                       std::byte{0x03}, std::byte{0xc5}, std::byte{0x02}, std::byte{0x00}};
  ProvisioningVpd v;
  REQUIRE_FALSE(parse_provisioning_vpd(page, v));
  CHECK(v.threshold_exponent == 3);
  CHECK(v.lbpu);
  CHECK(v.lbpws);
  CHECK_FALSE(v.lbpws10);
  CHECK(v.lbprz == 1);
  CHECK_FALSE(v.anc_sup);
  CHECK(v.dp);
  CHECK(v.provisioning_type == 2);

  for (std::size_t n = 0; n < page.size(); ++n) {
    INFO("first " << n << " bytes");
    ProvisioningVpd out;
    out.threshold_exponent = 99;
    const std::error_code ec = parse_provisioning_vpd(std::span(page).first(n), out);
    if (n < 7) {
      CHECK(ec == iscsi::scsi::data_errc::truncated);
      CHECK(out.threshold_exponent == 99);  // untouched on error
    } else {
      CHECK_FALSE(ec);
    }
  }
  std::vector<std::byte> other = page;
  other[1] = std::byte{0xb0};
  CHECK(parse_provisioning_vpd(other, v) == iscsi::scsi::data_errc::unexpected_format);
}

}  // namespace uiscsi::initiator::detail
