// Domain errors: the closed set of failure kinds that any Tandem component may
// return. Components return them as values (Result<T>); exceptions never cross
// a component boundary. HTTP and protocol layers map each kind in one place,
// with an exhaustive switch so that a new kind without a mapping fails to build.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace tandem {

enum class ErrorCode {
  invalid_request,    // malformed or out-of-range input
  invalid_operation,  // an edit that does not apply to the document
  unauthorized,       // missing or invalid credentials
  forbidden,          // authenticated, but the role does not allow it
  not_found,          // the addressed object does not exist (or is hidden)
  version_conflict,   // the base version is newer than or too far behind current
  payload_too_large,  // a body or field exceeds a configured limit
  rate_limited,       // too many requests; retry later
  internal,           // storage or invariant failure; details are logged
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  // Set only for version_conflict: the document's current version.
  std::optional<std::int64_t> current_version;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// Returns the snake_case wire name of a code, e.g. "not_found".
std::string_view code_name(ErrorCode code);

// Builds an unexpected error value of the given kind, for `return fail(...)`.
std::unexpected<Error> fail(ErrorCode code, std::string message);

}  // namespace tandem
