// Scratch resources of a compare run: a temporary directory (removed with everything in
// it), a free loopback port, and a LUN image whose pages are allocated up front.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace uiscsi::bench {

class TempDir {
 public:
  // mkdtemp("BASE/uiscsi-bench.XXXXXX"); nullopt and `error` on failure.
  static std::optional<TempDir> make(const std::string& base, std::string& error);
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&& other) noexcept {
    std::swap(path_, other.path_);
    return *this;
  }
  ~TempDir();
  const std::string& path() const noexcept { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// A TCP port on 127.0.0.1 that the kernel just handed out (bind to port 0), free again
// when this returns. 0 on failure.
std::uint16_t free_loopback_port();

// Creates `path` with `bytes` allocated (posix_fallocate), so that on tmpfs every block is
// a real page from the start and no target pays for allocation during a measurement.
bool make_lun_image(const std::string& path, std::uint64_t bytes, std::string& error);

}  // namespace uiscsi::bench
