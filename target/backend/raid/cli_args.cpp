#include "target/backend/raid/cli_args.h"

#include <charconv>
#include <limits>

namespace uiscsi::target::raid {
namespace {

std::optional<CliAction> parse_action(std::string_view s) noexcept {
  if (s == "create") return CliAction::create;
  if (s == "assemble") return CliAction::assemble;
  if (s == "fail") return CliAction::fail;
  if (s == "remove") return CliAction::remove;
  if (s == "add") return CliAction::add;
  if (s == "rebuild") return CliAction::rebuild;
  if (s == "scrub") return CliAction::scrub;
  if (s == "help" || s == "--help" || s == "-h") return CliAction::help;
  return std::nullopt;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) noexcept {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Which options each action takes, and whether they take a value.
bool option_allowed(CliAction a, std::string_view name) noexcept {
  switch (a) {
    case CliAction::create:
      return name == "level" || name == "raid-devices" || name == "chunk" || name == "spare" || name == "size" ||
             name == "block-size" || name == "bitmap-region" || name == "no-zero";
    case CliAction::assemble: return name == "detail" || name == "force";
    case CliAction::add: return name == "size" || name == "force" || name == "rate";
    case CliAction::rebuild: return name == "rate";
    case CliAction::scrub: return name == "repair";
    case CliAction::fail:
    case CliAction::remove:
    case CliAction::help: break;
  }
  return false;
}

bool takes_value(std::string_view name) noexcept {
  return name != "detail" && name != "force" && name != "repair" && name != "no-zero";
}

CliParse failure(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::uint64_t scale = 1;
  switch (text.back()) {
    case 'K': case 'k': scale = 1ull << 10; break;
    case 'M': case 'm': scale = 1ull << 20; break;
    case 'G': case 'g': scale = 1ull << 30; break;
    case 'T': case 't': scale = 1ull << 40; break;
    default: break;
  }
  if (scale != 1) text.remove_suffix(1);
  const auto v = parse_number<std::uint64_t>(text);
  if (!v || *v > std::numeric_limits<std::uint64_t>::max() / scale) return std::nullopt;
  return *v * scale;
}

CliParse parse_cli(std::span<const std::string_view> args) {
  if (args.empty()) return failure("no command given (try 'help')");
  const auto action = parse_action(args[0]);
  if (!action) return failure("unknown command '" + std::string(args[0]) + "'");
  CliCommand cmd;
  cmd.action = *action;
  if (cmd.action == CliAction::help) return {cmd, {}};

  std::vector<std::string> positional;
  bool level_given = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!a.starts_with("--")) {
      positional.emplace_back(a);
      continue;
    }
    a.remove_prefix(2);
    std::string_view name = a;
    std::optional<std::string_view> value;
    if (const auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (!option_allowed(cmd.action, name))
      return failure("option --" + std::string(name) + " does not apply to '" + std::string(args[0]) + "'");
    if (takes_value(name) && !value) {
      if (i + 1 == args.size()) return failure("option --" + std::string(name) + " needs a value");
      value = args[++i];
    } else if (!takes_value(name) && value) {
      return failure("option --" + std::string(name) + " takes no value");
    }
    const std::string bad = "bad value for --" + std::string(name) + ": '" + std::string(value.value_or("")) + "'";
    if (name == "level") {
      const auto l = parse_level(*value);
      if (!l) return failure(bad + " (0, 1, 5, 6 or 10)");
      cmd.level = *l;
      level_given = true;
    } else if (name == "raid-devices") {
      const auto n = parse_number<std::uint32_t>(*value);
      if (!n || *n == 0) return failure(bad);
      cmd.raid_devices = *n;
    } else if (name == "chunk" || name == "size" || name == "bitmap-region") {
      const auto s = parse_size(*value);
      if (!s || *s == 0) return failure(bad);
      (name == "chunk" ? cmd.chunk_bytes : name == "size" ? cmd.size_bytes : cmd.bitmap_region_bytes) = *s;
    } else if (name == "block-size") {
      const auto b = parse_number<std::uint32_t>(*value);
      if (!b) return failure(bad);
      cmd.block_size = *b;
    } else if (name == "spare") {
      cmd.spares.emplace_back(*value);
    } else if (name == "rate") {
      const auto r = parse_number<std::uint64_t>(*value);
      if (!r) return failure(bad + " (whole MB/s)");
      cmd.rate_mb_per_s = static_cast<double>(*r);
    } else if (name == "no-zero") {
      cmd.zero = false;
    } else if (name == "detail") {
      cmd.detail = true;
    } else if (name == "force") {
      cmd.force = true;
    } else if (name == "repair") {
      cmd.repair = true;
    }
  }

  const bool needs_member = cmd.action == CliAction::fail || cmd.action == CliAction::remove || cmd.action == CliAction::add;
  if (needs_member) {
    if (positional.empty()) return failure("which member? (MEMBER FILE...)");
    cmd.member = positional.front();
    positional.erase(positional.begin());
  }
  cmd.files = std::move(positional);
  if (cmd.files.empty()) return failure("no member files given");
  if (cmd.action == CliAction::create) {
    if (!level_given) return failure("create needs --level");
    if (cmd.raid_devices == 0) cmd.raid_devices = static_cast<std::uint32_t>(cmd.files.size());
    if (cmd.raid_devices != cmd.files.size())
      return failure("--raid-devices " + std::to_string(cmd.raid_devices) + " but " +
                     std::to_string(cmd.files.size()) + " files given (spares go with --spare)");
  }
  return {cmd, {}};
}

std::string cli_usage() {
  return "usage: uiscsi-raid COMMAND [OPTIONS] FILE...\n"
         "\n"
         "  create --level L --raid-devices N [--chunk SIZE] [--spare FILE]... [--size SIZE]\n"
         "         [--block-size B] [--bitmap-region SIZE] [--no-zero] FILE...\n"
         "      write superblocks on FILE... (created sparse with --size if missing)\n"
         "  assemble [--detail] [--force] FILE...\n"
         "      check that the members form a volume (resyncing it after a crash)\n"
         "  fail MEMBER FILE...       mark a member faulty\n"
         "  remove MEMBER FILE...     drop a faulty or spare member (path or device number)\n"
         "  add [--size SIZE] [--force] [--rate MB/s] MEMBER FILE...\n"
         "      add a member; it is rebuilt into a free slot or becomes a spare\n"
         "  rebuild [--rate MB/s] FILE...   run pending rebuilds, with progress\n"
         "  scrub [--repair] FILE...  check parity and copies (exit 3 on mismatches left)\n"
         "\n"
         "Levels: 0, 1, 5, 6, 10. SIZE takes K, M, G, T (powers of 1024).\n";
}

}  // namespace uiscsi::target::raid
