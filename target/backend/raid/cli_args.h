// The command line of uiscsi-raid, parsed (no I/O here).
//
//   uiscsi-raid create --level L --raid-devices N [--chunk SIZE] [--spare FILE]...
//                      [--size SIZE] [--block-size B] [--bitmap-region SIZE] [--no-zero] FILE...
//   uiscsi-raid assemble [--detail] [--force] FILE...
//   uiscsi-raid fail MEMBER FILE...
//   uiscsi-raid remove MEMBER FILE...
//   uiscsi-raid add [--size SIZE] [--force] [--rate MB/s] MEMBER FILE...
//   uiscsi-raid rebuild [--rate MB/s] FILE...
//   uiscsi-raid scrub [--repair] FILE...
//
// FILE... are the volume's members (files or block devices, any order). MEMBER is a path,
// or for fail/remove the device number from --detail. SIZE takes a K, M, G or T suffix
// (powers of 1024). Options may come before or after files, as --opt VALUE or --opt=VALUE.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "target/backend/raid/layout.h"

namespace uiscsi::target::raid {

enum class CliAction { help, create, assemble, fail, remove, add, rebuild, scrub };

struct CliCommand {
  CliAction action = CliAction::help;
  std::vector<std::string> files;
  // create
  Level level = Level::raid5;
  std::uint32_t raid_devices = 0;  // 0: as many as files
  std::uint64_t chunk_bytes = 64 * 1024;
  std::vector<std::string> spares;
  std::uint64_t size_bytes = 0;  // create/add: size of member files that do not exist yet
  std::uint32_t block_size = 512;
  std::uint64_t bitmap_region_bytes = 64ull * 1024 * 1024;
  bool zero = true;
  // assemble
  bool detail = false;
  bool force = false;  // assemble: start dirty+degraded; add: take over a foreign member
  // fail, remove, add
  std::string member;
  // add, rebuild
  double rate_mb_per_s = 0;
  // scrub
  bool repair = false;
};

struct CliParse {
  std::optional<CliCommand> command;
  std::string error;  // why not, when command is empty
};

CliParse parse_cli(std::span<const std::string_view> args);

// "64K" -> 65536; nullopt for anything else (no digits, unknown suffix, overflow).
std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

std::string cli_usage();

}  // namespace uiscsi::target::raid
