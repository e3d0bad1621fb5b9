// Byte sizes as people write them in the configuration file: a plain number of bytes, or a
// number with a binary unit ("512", "4K", "1G", "1GiB", "16 MiB"). Units are powers of
// 1024 whichever spelling is used (K, KB, KiB all mean 1024), because disk sizes in this
// file are about blocks, and a block device of "1G" that is not a whole number of 4 KiB
// blocks would only confuse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::target::config {

// nullopt with `error` set when `text` is not such a size or is 2^64 bytes or more.
std::optional<std::uint64_t> parse_size(std::string_view text, std::string& error);

// The shortest exact form: "1 GiB", "1536 KiB", "1000 bytes".
std::string format_size(std::uint64_t bytes);

}  // namespace uiscsi::target::config
