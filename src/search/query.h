// Turns raw user text into an FTS5 MATCH expression that cannot fail to parse.
//
// Every whitespace-separated chunk of the input becomes one quoted FTS5 phrase
// after the characters that the unicode61 tokenizer treats as separators are
// replaced by spaces, so FTS5 operators (AND, OR, NOT, NEAR), column filters
// (`:`), `*`, `^`, `-`, parentheses and quotes are only ever matched as text.
// The last phrase matches as a prefix ("collab" finds "collaboration").
#pragma once

#include <string>
#include <string_view>

namespace tandem::search {

// Maximum number of phrases taken from one query; further words are ignored.
inline constexpr int kMaxQueryPhrases = 16;

// Maximum bytes of user text considered; the rest is ignored.
inline constexpr std::size_t kMaxQueryBytes = 1024;

// Returns an FTS5 expression such as `"fast" "collab"*` that matches
// documents containing every word, the last one as a prefix. Returns an empty
// string when the text has no searchable word (empty, only punctuation or
// emoji): callers then answer with no results instead of running a query.
// Pure and thread-safe.
std::string build_match_expression(std::string_view user_text);

// Returns the FTS5 query for a search inside one workspace, optionally limited
// to one tag: the text expression restricted to the title and body columns,
// ANDed with the workspace and tag tokens of the meta column. `text_expression`
// comes from build_match_expression and must not be empty.
std::string build_filtered_query(std::string_view workspace_id,
                                 const std::string* tag,
                                 std::string_view text_expression);

// Same filters, but the text must occur in the title (relevance candidates).
std::string build_title_query(std::string_view workspace_id, const std::string* tag,
                              std::string_view text_expression);

// True when the code point is a token character for the unicode61 tokenizer
// (letters, numbers, private use), as far as this approximation knows.
bool is_token_code_point(char32_t code_point);

}  // namespace tandem::search
