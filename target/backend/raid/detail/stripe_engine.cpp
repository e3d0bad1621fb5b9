// RAID 0: chunks striped over every member, no redundancy. A member error is returned as it
// is (there is nothing to fail over to, so the member is not marked faulty).
#include "target/backend/raid/detail/chunk_walk.h"
#include "target/backend/raid/detail/engine.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

class StripeEngine final : public Engine {
 public:
  explicit StripeEngine(Volume& volume) noexcept : v_(volume) {}

  std::error_code read(std::uint64_t lba, std::span<std::byte> out) noexcept override {
    const std::uint32_t bs = v_.block_size();
    return walk_chunks(lba, out.size() / bs, v_.chunk_blocks(),
                       [&](std::uint64_t chunk, std::uint64_t offset, std::uint64_t blocks, std::uint64_t at) {
                         Member* m = member(chunk);
                         if (m == nullptr) return volume_io_error();
                         return v_.read(*m, row(chunk), offset, out.subspan(at * bs, blocks * bs), false);
                       });
  }

  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) noexcept override {
    const std::uint32_t bs = v_.block_size();
    return walk_chunks(lba, in.size() / bs, v_.chunk_blocks(),
                       [&](std::uint64_t chunk, std::uint64_t offset, std::uint64_t blocks, std::uint64_t at) {
                         Member* m = member(chunk);
                         if (m == nullptr) return volume_io_error();
                         return v_.write(*m, row(chunk), offset, in.subspan(at * bs, blocks * bs), fua, false);
                       });
  }

  std::error_code rebuild_row(std::uint64_t, std::span<Member* const>) noexcept override {
    return raid_errc::no_redundancy;
  }
  std::error_code sync_row(std::uint64_t, bool, bool&) noexcept override { return raid_errc::no_redundancy; }

 private:
  std::uint64_t row(std::uint64_t chunk) const noexcept { return chunk / v_.layout().raid_devices(); }
  Member* member(std::uint64_t chunk) const noexcept {
    return v_.holder(static_cast<std::uint32_t>(chunk % v_.layout().raid_devices()), row(chunk));
  }

  Volume& v_;
};

}  // namespace

std::unique_ptr<Engine> make_stripe_engine(Volume& volume) { return std::make_unique<StripeEngine>(volume); }

}  // namespace uiscsi::target::raid::detail
