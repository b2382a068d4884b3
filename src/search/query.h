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
#include <vector>

namespace tandem::search {

// Maximum number of phrases taken from one query; further words are ignored.
inline constexpr int kMaxQueryPhrases = 16;

// Maximum bytes of user text considered; the rest is ignored.
inline constexpr std::size_t kMaxQueryBytes = 1024;

// Returns an FTS5 expression such as `"fast" "collab"*` that matches
// documents containing every word, the last one as a prefix. Returns an empty
// string when the text has no searchable word (empty, only punctuation or
// emoji): callers then return no results instead of running a query.
// Pure and thread-safe.
std::string build_match_expression(std::string_view user_text);

// Returns the FTS5 query for a search inside one workspace, optionally limited
// to one tag: the text expression restricted to the title and body columns,
// ANDed with the workspace token of the meta column, or with the tag token
// (which includes the workspace) when a tag is given. `text_expression`
// comes from build_match_expression and must not be empty.
std::string build_filtered_query(std::string_view workspace_id,
                                 const std::string* tag,
                                 std::string_view text_expression);

// Same filters, but the text must occur in the title (relevance candidates).
std::string build_title_query(std::string_view workspace_id, const std::string* tag,
                              std::string_view text_expression);

// The words of a query as the index compares them: case-folded, with the
// Latin-1 diacritics removed. The last word matches as a prefix.
struct QueryTerms {
  std::vector<std::string> words;
};

// Returns the terms that build_match_expression(user_text) searches for, in
// order; empty exactly when that expression is empty.
QueryTerms query_terms(std::string_view user_text);

// Returns the token lowercased (ASCII and Latin-1) with Latin-1 diacritics
// removed ("Crème" -> "creme"), close to what the unicode61 tokenizer with
// remove_diacritics stores. Other characters are kept as they are.
std::string fold_token(std::string_view token);

// Same as fold_token, writing into `out` (cleared first) to reuse its buffer.
void fold_token(std::string_view token, std::string& out);

// Calls visit(begin, end) with the byte range of every token of `text`, in
// order, splitting where is_token_code_point is false.
template <class Visit>
void for_each_token(std::string_view text, Visit&& visit);

// True when the code point is a token character for the unicode61 tokenizer
// (letters, numbers, private use). This is an approximation: a few letters and
// numbers inside punctuation and symbol blocks count as separators.
bool is_token_code_point(char32_t code_point);

namespace detail {
// Decodes one UTF-8 sequence at text[pos]; sets `length` to the bytes it
// takes (1 for an invalid byte, which is then reported as not a token).
bool decode_token_char(std::string_view text, std::size_t pos, std::size_t& length);
}  // namespace detail

template <class Visit>
void for_each_token(std::string_view text, Visit&& visit) {
  std::size_t start = std::string_view::npos;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    const bool token = detail::decode_token_char(text, pos, length);
    if (token && start == std::string_view::npos) {
      start = pos;
    } else if (!token && start != std::string_view::npos) {
      visit(start, pos);
      start = std::string_view::npos;
    }
    pos += length;
  }
  if (start != std::string_view::npos) {
    visit(start, text.size());
  }
}

}  // namespace tandem::search
