#include "search/query.h"

#include <vector>

#include "search/tokens.h"

namespace tandem::search {
namespace {

struct Decoded {
  char32_t code_point = 0;
  std::size_t length = 1;  // bytes consumed
  bool valid = false;
};

// Decodes one UTF-8 sequence at `text[pos]`; invalid bytes come back with
// valid = false and length 1 so the caller can skip them.
Decoded decode_utf8(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    return {lead, 1, true};
  }

  std::size_t length = 0;
  char32_t code_point = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    code_point = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    code_point = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return {};
  }
  if (pos + length > text.size()) {
    return {};
  }

  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[pos + i]);
    if ((next & 0xc0) != 0x80) {
      return {};
    }
    code_point = (code_point << 6) | (next & 0x3f);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return {};
  }
  return {code_point, length, true};
}

bool in_range(char32_t code_point, char32_t first, char32_t last) {
  return code_point >= first && code_point <= last;
}

// Splits on ASCII whitespace only; everything else stays inside the chunk.
std::vector<std::string_view> split_chunks(std::string_view text) {
  std::vector<std::string_view> chunks;
  std::size_t start = 0;
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || is_space(text[i])) {
      if (i > start) {
        chunks.push_back(text.substr(start, i - start));
      }
      start = i + 1;
    }
  }
  return chunks;
}

// Returns the chunk with every separator replaced by one space, or an empty
// string when no token character remains. The result contains only token
// characters and spaces, so it is safe inside an FTS5 string.
std::string sanitize_chunk(std::string_view chunk) {
  std::string words;
  bool has_token = false;
  bool pending_space = false;
  for (std::size_t pos = 0; pos < chunk.size();) {
    const Decoded decoded = decode_utf8(chunk, pos);
    const bool token = decoded.valid && is_token_code_point(decoded.code_point);
    if (token) {
      if (pending_space && has_token) {
        words += ' ';
      }
      words.append(chunk.substr(pos, decoded.length));
      has_token = true;
      pending_space = false;
    } else {
      pending_space = true;
    }
    pos += decoded.length;
  }
  return has_token ? words : std::string();
}

// Base letters of U+00C0..U+00FF; '\0' for the two symbols in that range.
constexpr char kLatin1Base[] =
    "aaaaaaaceeeeiiii"   // U+00C0..U+00CF
    "dnooooo\0ouuuuyts"  // U+00D0..U+00DF (D7 is the multiplication sign)
    "aaaaaaaceeeeiiii"   // U+00E0..U+00EF
    "dnooooo\0ouuuuyty"; // U+00F0..U+00FF (F7 is the division sign)

}  // namespace

namespace detail {

bool decode_token_char(std::string_view text, std::size_t pos, std::size_t& length) {
  const Decoded decoded = decode_utf8(text, pos);
  length = decoded.length;
  return decoded.valid && is_token_code_point(decoded.code_point);
}

}  // namespace detail

std::string fold_token(std::string_view token) {
  std::string folded;
  fold_token(token, folded);
  return folded;
}

void fold_token(std::string_view token, std::string& folded) {
  folded.clear();
  for (std::size_t pos = 0; pos < token.size();) {
    const Decoded decoded = decode_utf8(token, pos);
    const char32_t c = decoded.code_point;
    if (decoded.valid && c < 0x80) {
      folded += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (decoded.valid && c >= 0xc0 && c <= 0xff && kLatin1Base[c - 0xc0] != '\0') {
      folded += kLatin1Base[c - 0xc0];
    } else {
      folded.append(token.substr(pos, decoded.length));
    }
    pos += decoded.length;
  }
}

QueryTerms query_terms(std::string_view user_text) {
  QueryTerms terms;
  const std::string expression = build_match_expression(user_text);
  // The expression holds only token characters, spaces, quotes and one `*`.
  for_each_token(expression, [&](std::size_t begin, std::size_t end) {
    terms.words.push_back(fold_token(std::string_view(expression).substr(begin, end - begin)));
  });
  return terms;
}

bool is_token_code_point(char32_t c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  // Latin-1 punctuation and symbols, keeping the letters and numbers in it.
  if (in_range(c, 0x80, 0xbf)) {
    return c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 || c == 0xb9 || c == 0xba ||
           (c >= 0xbc && c <= 0xbe);
  }
  if (c == 0xd7 || c == 0xf7) {
    return false;
  }

  // Blocks that hold punctuation, symbols, spaces, emoji and joiners. The few
  // letters and numbers among them (such as circled digits) are treated as
  // separators too: a word made only of them finds nothing, which is safe.
  static constexpr char32_t kSeparatorBlocks[][2] = {
      {0x2000, 0x2bff},    // general punctuation up to misc symbols and arrows
      {0x2e00, 0x2e7f},    // supplemental punctuation
      {0x3000, 0x303f},    // CJK symbols and punctuation
      {0xfe00, 0xfe0f},    // variation selectors
      {0xfe10, 0xfe1f},    // vertical forms
      {0xfe30, 0xfe6f},    // CJK compatibility forms, small forms
      {0xfeff, 0xfeff},    // byte order mark
      {0xff00, 0xff0f},    // fullwidth punctuation
      {0xff1a, 0xff20},    // fullwidth punctuation
      {0xff3b, 0xff40},    // fullwidth punctuation
      {0xff5b, 0xff65},    // fullwidth punctuation
      {0xfff0, 0xffff},    // specials
      {0x1f000, 0x1faff},  // emoji, playing cards, pictographs
      {0xe0000, 0xe007f},  // tag characters used in flag emoji
  };
  for (const auto& block : kSeparatorBlocks) {
    if (in_range(c, block[0], block[1])) {
      return false;
    }
  }
  return true;
}

std::string build_match_expression(std::string_view user_text) {
  if (user_text.size() > kMaxQueryBytes) {
    user_text = user_text.substr(0, kMaxQueryBytes);
  }

  std::vector<std::string> phrases;
  for (std::string_view chunk : split_chunks(user_text)) {
    std::string words = sanitize_chunk(chunk);
    if (!words.empty()) {
      phrases.push_back(std::move(words));
    }
    if (phrases.size() == static_cast<std::size_t>(kMaxQueryPhrases)) {
      break;
    }
  }

  // Phrases separated by spaces are ANDed by FTS5; `*` after the closing
  // quote makes the last token of the last phrase a prefix.
  std::string expression;
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) {
      expression += ' ';
    }
    expression += '"';
    expression += phrases[i];
    expression += '"';
  }
  if (!expression.empty()) {
    expression += '*';
  }
  return expression;
}

namespace {

std::string build_query(std::string_view workspace_id, const std::string* tag,
                        std::string_view columns, std::string_view text_expression) {
  // The tag token already names the workspace, so it replaces the workspace
  // token instead of adding a third list to intersect.
  std::string query = "meta : ";
  query += tag != nullptr ? tag_token(workspace_id, *tag) : workspace_token(workspace_id);
  query += " AND ";
  query += columns;
  query += " : (";
  query += text_expression;
  query += ')';
  return query;
}

}  // namespace

std::string build_filtered_query(std::string_view workspace_id, const std::string* tag,
                                 std::string_view text_expression) {
  return build_query(workspace_id, tag, "{title body}", text_expression);
}

std::string build_title_query(std::string_view workspace_id, const std::string* tag,
                              std::string_view text_expression) {
  return build_query(workspace_id, tag, "title", text_expression);
}

}  // namespace tandem::search
