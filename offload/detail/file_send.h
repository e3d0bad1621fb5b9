// Moving a data segment that lives in a file (iscsi::FileSegment) to a socket: sendfile(2),
// which hands page-cache pages to the socket with no copy through user space, and pread(2)
// into a buffer for when the path does not send files or the file cannot be spliced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace uiscsi::offload::detail {

struct FileSendProgress {
  enum class Stop {
    done,         // all `length` bytes were sent
    would_block,  // the socket buffer is full (EAGAIN): wait for it to be writable
    error,        // `ec`: a socket or file error, offload::errc::file_ended at end of file
  };
  std::size_t sent = 0;  // bytes sent by this call, whatever `stop` says
  Stop stop = Stop::done;
  std::error_code ec;
};

// Sends [offset, offset + length) of `file` to the non-blocking socket `socket` with as many
// sendfile(2) calls as it takes, until done, the socket is full, or an error. Never raises
// SIGPIPE (sendfile has no MSG_NOSIGNAL): a peer that is gone gives EPIPE, as sendmsg does.
FileSendProgress send_file(int socket, int file, std::uint64_t offset, std::size_t length);

// Whether `ec` from send_file() with nothing sent means only that this file cannot be
// spliced (no splice_read: many /proc files, some devices), so reading it still works.
bool splice_unsupported(std::error_code ec) noexcept;

// Reads exactly out.size() bytes of `file` at `offset` (pread(2), retried on short reads).
// offload::errc::file_ended if the file ends first, the system error otherwise.
std::error_code read_file(int file, std::uint64_t offset, std::span<std::byte> out);

}  // namespace uiscsi::offload::detail
