// Extracts the searchable text of a document's content JSON.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace tandem::search {

// Returns every string value inside `content_json` (object keys excluded), in
// document order, one per line. Other control characters become spaces.
// invalid_request when the input is not valid JSON. Pure and thread-safe.
Result<std::string> extract_text(std::string_view content_json);

// Returns `text` with every control character (below U+0020, and U+007F)
// replaced by a space; used for titles too.
std::string strip_control_characters(std::string_view text);

}  // namespace tandem::search
