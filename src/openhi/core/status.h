#pragma once
// Status and Result<T>: the one error convention of openhi (STYLE.md "Errors").
//
// Codes are chosen by what the caller should do, as in abseil:
//   kInvalidArgument     fix the input (malformed DICOM, bad JSON, bad ID)      -> ValidationException
//   kNotFound            the named thing does not exist                        -> ResourceNotFoundException
//   kAlreadyExists       a create collided with an existing name/ID            -> ConflictException
//   kFailedPrecondition  the target is in the wrong state (non-empty, DELETED) -> ConflictException
//   kAborted             optimistic-concurrency conflict (stale version)       -> ConflictException
//   kResourceExhausted   a quota or size limit was hit                         -> ServiceQuotaExceededException
//   kUnauthenticated     bad or missing credentials / signature                -> AccessDeniedException
//   kPermissionDenied    authenticated but not allowed                         -> AccessDeniedException
//   kUnavailable         transient; retry with backoff                         -> ThrottlingException/503
//   kDataLoss            stored bytes are corrupt (checksum mismatch)          -> InternalServerException
//   kUnimplemented       not supported by this build / this codec              -> ValidationException
//   kInternal            a bug or an unexpected vendor failure                 -> InternalServerException
// The mapping to HTTP and AWS error names lives in one table: ahi/errors.h.
//
// Thread safety: Status and Result are values; distinct objects may be used from distinct threads.

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace openhi {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,
  kResourceExhausted,
  kUnauthenticated,
  kPermissionDenied,
  kUnavailable,
  kDataLoss,
  kUnimplemented,
  kDeadlineExceeded,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status whose failure is irrelevant (best-effort cleanup).
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Internal("Result constructed from OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // Precondition: ok(). Accessing the value of an error aborts (a bug, not user input).
  T& value() & { CheckOk(); return *value_; }
  const T& value() const& { CheckOk(); return *value_; }
  T&& value() && { CheckOk(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void CheckOk() const {
    if (!ok()) std::abort();
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace openhi

#define OPENHI_CONCAT_INNER(a, b) a##b
#define OPENHI_CONCAT(a, b) OPENHI_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define OPENHI_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::openhi::Status openhi_status_ = (expr);        \
    if (!openhi_status_.ok()) return openhi_status_; \
  } while (0)

// OPENHI_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error if MakeX() failed.
#define OPENHI_ASSIGN_OR_RETURN(lhs, expr) \
  OPENHI_ASSIGN_OR_RETURN_IMPL(OPENHI_CONCAT(openhi_result_, __LINE__), lhs, expr)
#define OPENHI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
