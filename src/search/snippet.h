// Snippets: FTS5 marks matches with two control characters that the indexed
// text never contains (see extract_text); render_snippet turns them into
// <mark> elements and HTML-escapes everything else.
#pragma once

#include <string>
#include <string_view>

namespace tandem::search {

inline constexpr std::string_view kMatchStart = "\x01";
inline constexpr std::string_view kMatchEnd = "\x02";

// Returns `marked` with kMatchStart/kMatchEnd replaced by <mark>/</mark> and
// `& < > " '` escaped. An unbalanced start marker is closed at the end.
std::string render_snippet(std::string_view marked);

// True when `marked` contains at least one match marker.
bool has_match(std::string_view marked);

}  // namespace tandem::search
