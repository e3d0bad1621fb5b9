#include "target/backend/raid/member_files.h"

#include "target/backend/file_backend.h"
#include "target/backend/raid/detail/assembly.h"

namespace uiscsi::target::raid {

std::unique_ptr<Backend> open_member_file(const std::filesystem::path& path, std::uint64_t create_size,
                                          std::uint32_t block_size, std::error_code& ec) {
  auto file = FileBackend::open({path, block_size, create_size, false, true}, ec);
  if (!file) return nullptr;
  Superblock sb;
  if (!detail::read_superblock(*file, sb) && sb.block_size != block_size) {
    file.reset();
    return FileBackend::open({path, sb.block_size, 0, false, true}, ec);
  }
  return file;
}

std::unique_ptr<RaidBackend> assemble_member_files(const std::vector<std::filesystem::path>& paths,
                                                   const RuntimeOptions& runtime, std::vector<std::string>& messages,
                                                   std::error_code& ec) {
  std::vector<MemberDevice> members;
  for (const auto& p : paths) {
    auto b = open_member_file(p, 0, 512, ec);
    if (!b) {
      messages.push_back(p.string() + ": " + ec.message());
      return nullptr;
    }
    members.push_back({p.string(), std::move(b)});
  }
  return RaidBackend::assemble(std::move(members), runtime, messages, ec);
}

}  // namespace uiscsi::target::raid
