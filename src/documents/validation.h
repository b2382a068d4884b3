// Input rules for workspace and document fields. Each check returns
// invalid_request (or payload_too_large) with a message that names the field
// and the rejected value, and states what is accepted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tandem::documents {

inline constexpr std::size_t kMaxNameChars = 200;    // workspace names, in code points
inline constexpr std::size_t kMaxTitleChars = 500;   // document titles, in code points
inline constexpr std::size_t kMaxTagBytes = 64;      // one tag, in bytes
inline constexpr std::size_t kMaxTags = 32;          // tags per document
inline constexpr std::size_t kMaxUserIdBytes = 128;  // user ids (token `sub`)

// True when `text` is valid UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

// Number of code points in valid UTF-8.
std::size_t count_code_points(std::string_view text);

Status check_workspace_name(std::string_view name);
Status check_title(std::string_view title);
Status check_user_id(std::string_view user_id);

// Validates each tag and returns the list without duplicates, in first-seen order.
Result<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags);

// Checks that serialized content fits the limit (payload_too_large otherwise).
Status check_content_size(std::size_t serialized_bytes, std::size_t max_bytes);

}  // namespace tandem::documents
