// Errors of the json0 engine. The engine depends on nothing else of Tandem,
// so it has its own closed set of error kinds. The server is to report each
// of them as `invalid_operation`.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tandem::ot {

enum class ErrorCode {
  invalid_op,          // the op or a component has the wrong JSON shape
  invalid_path,        // a path step is missing, of the wrong kind, or leads nowhere
  type_mismatch,       // the addressed value has the wrong JSON type
  out_of_range,        // a list index or string offset lies past the end
  value_mismatch,      // an ld, od or sd value differs from the document
  key_exists,          // oi without od on a key that already exists
  not_finite,          // a number is NaN or infinite, or a sum overflows
  invalid_text,        // invalid UTF-8, a lone surrogate, or an offset inside a surrogate pair
  transform_conflict,  // two ops contradict each other and cannot be transformed
};

struct Error {
  ErrorCode code = ErrorCode::invalid_op;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// Returns the snake_case wire name of a code, e.g. "value_mismatch".
std::string_view code_name(ErrorCode code);

// Builds an unexpected error value, for `return fail(...)`.
std::unexpected<Error> fail(ErrorCode code, std::string message);

}  // namespace tandem::ot
