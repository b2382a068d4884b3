// Search result snippets: a short window of the matched text, HTML-escaped,
// with the matching words wrapped in <mark>...</mark>.
//
// Snippets are built here from the stored text and the query terms instead of
// with FTS5's snippet(). That way a search evaluates its FTS5 query only once,
// which matters because evaluating a prefix term is expensive (docs/search.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "search/query.h"

namespace tandem::search {

// Tokens shown in a snippet.
inline constexpr std::size_t kSnippetTokens = 16;

// Bytes of text searched for the snippet window; matches further into a very
// large document are not shown (the snippet then starts the text).
inline constexpr std::size_t kSnippetScanBytes = 64 * 1024;

// Returns the window of `max_tokens` tokens of `text` (its first
// kSnippetScanBytes) with the most distinct
// matched terms (the earliest of equals), as HTML with matches marked and "…"
// where text was cut. Without any match it returns the start of the text.
// A token matches a term when their folded forms are equal, or for the last
// term, when the folded token starts with it.
std::string make_snippet(std::string_view text, const QueryTerms& terms,
                         std::size_t max_tokens = kSnippetTokens);

// True when some token of `text` matches a term.
bool contains_match(std::string_view text, const QueryTerms& terms);

// Returns `text` with `& < > " '` escaped.
std::string escape_html(std::string_view text);

}  // namespace tandem::search
