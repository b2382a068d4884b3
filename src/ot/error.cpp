#include "ot/error.h"

#include <utility>

namespace tandem::ot {

std::string_view code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_op: return "invalid_op";
    case ErrorCode::invalid_path: return "invalid_path";
    case ErrorCode::type_mismatch: return "type_mismatch";
    case ErrorCode::out_of_range: return "out_of_range";
    case ErrorCode::value_mismatch: return "value_mismatch";
    case ErrorCode::key_exists: return "key_exists";
    case ErrorCode::not_finite: return "not_finite";
    case ErrorCode::invalid_text: return "invalid_text";
    case ErrorCode::transform_conflict: return "transform_conflict";
  }
  return "invalid_op";
}

std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace tandem::ot
