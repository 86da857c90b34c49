// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status and absl::StatusOr.
//
// The installed Abseil (20220623) ships no status macros, so the project keeps
// this minimal pair. Both evaluate their argument exactly once.
#ifndef SCT_COMMON_STATUS_MACROS_H_
#define SCT_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SCT_STATUS_CONCAT_INNER_(a, b) a##b
#define SCT_STATUS_CONCAT_(a, b) SCT_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status sct_status_ = (expr);               \
    if (!sct_status_.ok()) return sct_status_;         \
  } while (false)

// `ASSIGN_OR_RETURN(lhs, expr)`: evaluates `expr` (a StatusOr<T>); on error
// returns its status, otherwise move-assigns the value to `lhs`, which may be
// a declaration (`auto x`, `std::string y`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, expr) \
  SCT_ASSIGN_OR_RETURN_IMPL_(SCT_STATUS_CONCAT_(sct_statusor_, __LINE__), lhs, expr)

#define SCT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // SCT_COMMON_STATUS_MACROS_H_
