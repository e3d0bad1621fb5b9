// An owned, parity-aligned scratch buffer that never throws: a failed allocation leaves it
// empty and the caller reports not_enough_memory. The contents start uninitialised (every
// user fills the buffer by reading a member or computing parity into it).
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "target/backend/raid/parity.h"

namespace uiscsi::target::raid::detail {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes) noexcept
      : data_(static_cast<std::byte*>(::operator new(bytes, std::align_val_t{parity::kAlignment}, std::nothrow))),
        size_(data_ ? bytes : 0) {}

  bool ok() const noexcept { return data_ != nullptr; }
  std::byte* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(std::byte* p) const noexcept { ::operator delete(p, std::align_val_t{parity::kAlignment}); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace uiscsi::target::raid::detail
