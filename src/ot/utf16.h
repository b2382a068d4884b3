// UTF-16 offsets into UTF-8 text. json0 counts string offsets in UTF-16 code
// units, as JavaScript strings do; Tandem stores UTF-8. These functions
// convert at that boundary. Inputs are valid UTF-8 (Boost.JSON rejects
// invalid UTF-8 and lone surrogate escapes when it parses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ot/error.h"

namespace tandem::ot {

// Returns the length of `text` in UTF-16 code units.
std::int64_t utf16_length(std::string_view text);

// Returns the byte offset of UTF-16 offset `units` in `text`. Fails with
// out_of_range past the end and with invalid_text when the offset falls
// between the two halves of a surrogate pair (JavaScript would split the
// character there and leave lone surrogates).
Result<std::size_t> utf16_to_byte(std::string_view text, std::int64_t units);

// Returns the UTF-16 range [begin, end) of `text`, clamped to its length the
// way JavaScript's String.prototype.slice clamps. Fails with invalid_text
// when a bound falls inside a surrogate pair.
Result<std::string> utf16_slice(std::string_view text, std::int64_t begin, std::int64_t end);

// Returns `text` with `insert` placed at UTF-16 offset `units`, clamped to
// the end as JavaScript's slice does. Fails as utf16_to_byte does.
Result<std::string> utf16_inject(std::string_view text, std::int64_t units, std::string_view insert);

}  // namespace tandem::ot
