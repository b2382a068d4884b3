// Opaque listing cursors. A cursor carries the `rev` (position in update
// order) of the last document of a page; the next page starts below it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tandem::storage::sqlite {

std::string encode_cursor(std::int64_t rev);

// invalid_request naming the value when `cursor` was not made by encode_cursor.
Result<std::int64_t> decode_cursor(std::string_view cursor);

}  // namespace tandem::storage::sqlite
