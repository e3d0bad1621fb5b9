// open-iscsi's exit codes (include/iscsi_err.h) and their messages, which uiscsiadm exits
// with and prints ("iscsiadm: initiator reported error (24 - iSCSI login failed due to
// authorization failure)"), so that scripts written for iscsiadm keep working.
#pragma once

#include <string_view>
#include <system_error>

namespace uiscsi::initiator::daemon {

inline constexpr int kErrSuccess = 0;
inline constexpr int kErrGeneric = 1;           // ISCSI_ERR
inline constexpr int kErrSessionNotFound = 2;   // ISCSI_ERR_SESS_NOT_FOUND
inline constexpr int kErrTransport = 4;         // ISCSI_ERR_TRANS
inline constexpr int kErrLogin = 5;             // ISCSI_ERR_LOGIN
inline constexpr int kErrDatabase = 6;          // ISCSI_ERR_IDBM
inline constexpr int kErrInvalid = 7;           // ISCSI_ERR_INVAL
inline constexpr int kErrTransportTimeout = 8;  // ISCSI_ERR_TRANS_TIMEOUT
inline constexpr int kErrInternal = 9;          // ISCSI_ERR_INTERNAL
inline constexpr int kErrLogout = 10;           // ISCSI_ERR_LOGOUT
inline constexpr int kErrPduTimeout = 11;       // ISCSI_ERR_PDU_TIMEOUT
inline constexpr int kErrTransportNotFound = 12;  // ISCSI_ERR_TRANS_NOT_FOUND
inline constexpr int kErrSessionExists = 15;    // ISCSI_ERR_SESS_EXISTS
inline constexpr int kErrDaemonIo = 18;         // ISCSI_ERR_ISCSID_COMM_ERR
inline constexpr int kErrFatalLogin = 19;       // ISCSI_ERR_FATAL_LOGIN
inline constexpr int kErrDaemonNotConnected = 20;  // ISCSI_ERR_ISCSID_NOTCONN
inline constexpr int kErrNoObjectsFound = 21;   // ISCSI_ERR_NO_OBJS_FOUND
inline constexpr int kErrLoginAuthFailed = 24;  // ISCSI_ERR_LOGIN_AUTH_FAILED
inline constexpr int kErrOperationNotSupported = 27;  // ISCSI_ERR_OP_NOT_SUPP

// open-iscsi's text for `code` ("iSCSI login failed due to authorization failure"), or
// "unknown error".
std::string_view iscsi_err_text(int code) noexcept;

// The exit code a failed login or discovery stands for, as iscsid classifies it: a refused
// authentication or authorization is 24, a target that does not exist 19, other refusals
// 5, no connection 4, a login timeout 8, a data path (node.conn[0].offload) this host
// cannot use 12 (iscsiadm's "transport not loaded").
int login_error_status(const std::error_code& ec) noexcept;

}  // namespace uiscsi::initiator::daemon
