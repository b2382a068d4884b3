#include "search/snippet.h"

#include <algorithm>
#include <vector>

namespace tandem::search {
namespace {

struct Token {
  std::size_t begin = 0;
  std::size_t end = 0;
  int term = -1;  // index of the matched term, or -1
};

// `folded` is scratch space, reused across calls to avoid an allocation per token.
int match_term(std::string_view token, const QueryTerms& terms, std::string& folded) {
  fold_token(token, folded);
  const std::size_t count = terms.words.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& word = terms.words[i];
    const bool last = i + 1 == count;
    if (folded == word || (last && folded.starts_with(word))) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::vector<Token> tokenize(std::string_view text, const QueryTerms& terms) {
  std::vector<Token> tokens;
  std::string folded;
  for_each_token(text, [&](std::size_t begin, std::size_t end) {
    tokens.push_back({begin, end, match_term(text.substr(begin, end - begin), terms, folded)});
  });
  return tokens;
}

// Returns the first token of the best window; windows start up to two tokens
// before a match so the reader sees some context.
std::size_t best_window(const std::vector<Token>& tokens, std::size_t max_tokens) {
  constexpr std::size_t kLeadingContext = 2;
  std::size_t best_start = 0;
  std::size_t best_score = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].term < 0) {
      continue;
    }
    // Near the end, start earlier so the window stays full.
    const std::size_t latest_full = tokens.size() > max_tokens ? tokens.size() - max_tokens : 0;
    const std::size_t start =
        std::min(i >= kLeadingContext ? i - kLeadingContext : 0, latest_full);
    const std::size_t end = std::min(tokens.size(), start + max_tokens);
    std::vector<int> seen;
    for (std::size_t j = start; j < end; ++j) {
      if (tokens[j].term >= 0 && std::find(seen.begin(), seen.end(), tokens[j].term) == seen.end()) {
        seen.push_back(tokens[j].term);
      }
    }
    if (seen.size() > best_score) {
      best_score = seen.size();
      best_start = start;
    }
  }
  return best_start;
}

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c; break;
    }
  }
}

std::string_view trim_space(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text);
  return out;
}

bool contains_match(std::string_view text, const QueryTerms& terms) {
  bool found = false;
  std::string folded;
  for_each_token(text, [&](std::size_t begin, std::size_t end) {
    found = found || match_term(text.substr(begin, end - begin), terms, folded) >= 0;
  });
  return found;
}

std::string make_snippet(std::string_view text, const QueryTerms& terms,
                         std::size_t max_tokens) {
  text = text.substr(0, kSnippetScanBytes);
  const std::vector<Token> tokens = tokenize(text, terms);
  if (tokens.empty() || max_tokens == 0) {
    return {};
  }
  const std::size_t first = best_window(tokens, max_tokens);
  const std::size_t last = std::min(tokens.size(), first + max_tokens) - 1;

  // Text between tokens inside the window is kept as written; whitespace runs
  // (such as the line breaks between content strings) become one space.
  // Punctuation before the first token and after the last one is kept when
  // the window reaches that end of the text.
  std::string html;
  if (first > 0) {
    html += "… ";
  } else {
    append_escaped(html, trim_space(text.substr(0, tokens.front().begin)));
  }
  for (std::size_t i = first; i <= last; ++i) {
    const Token& token = tokens[i];
    if (i > first) {
      std::string_view gap = text.substr(tokens[i - 1].end, token.begin - tokens[i - 1].end);
      const bool only_space = gap.find_first_not_of(" \t\r\n") == std::string_view::npos;
      append_escaped(html, only_space ? std::string_view(" ") : gap);
    }
    const std::string_view word = text.substr(token.begin, token.end - token.begin);
    if (token.term >= 0) {
      html += "<mark>";
      append_escaped(html, word);
      html += "</mark>";
    } else {
      append_escaped(html, word);
    }
  }
  if (last + 1 < tokens.size()) {
    html += " …";
  } else {
    append_escaped(html, trim_space(text.substr(tokens.back().end)));
  }
  return html;
}

}  // namespace tandem::search
