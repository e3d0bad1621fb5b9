// What an NBD export of a block device looks like to clients (the transmission flags and
// block sizes the handshake announces), and how the device's errors become NBD errors.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <system_error>

#include "initiator/nbd/handshake.h"

namespace uiscsi::initiator {
class BlockDevice;
}

namespace uiscsi::initiator::nbd {

// The largest READ or WRITE payload announced (NBD_INFO_BLOCK_SIZE maximum) when the LUN
// allows more: 32 MiB, the limit most NBD clients and servers use.
inline constexpr std::uint32_t kMaxPayload = 32u << 20;

// MODE SENSE (6) of the LUN: whether the WP bit of the device-specific parameter is set
// (SBC-3 6.5.1). A LUN that does not answer is taken as writable (its writes then fail
// one by one with the target's own error).
boost::asio::awaitable<bool> write_protected(BlockDevice& device);

// Flags and block sizes of `device`: minimum = logical block; preferred = physical block;
// maximum = the largest transfer the device sends in one command, at most kMaxPayload.
// SEND_FLUSH, SEND_FUA, SEND_WRITE_ZEROES, SEND_FAST_ZERO and CAN_MULTI_CONN always; SEND_TRIM
// when the LUN takes UNMAP; READ_ONLY when `read_only`.
ExportDescription describe(const BlockDevice& device, std::string name, std::string description, bool read_only);

// The NBD error (NBD_EIO, ...) for an error of the block device or the session.
std::uint32_t to_nbd_error(const std::error_code& ec) noexcept;

}  // namespace uiscsi::initiator::nbd
