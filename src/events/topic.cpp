#include "events/topic.h"

#include <vector>

#include <fmt/format.h>

namespace tandem::events {
namespace {

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) {
      words.push_back(text.substr(start));
      return words;
    }
    words.push_back(text.substr(start, dot - start));
    start = dot + 1;
  }
}

// Dynamic programming over (pattern word, topic word): matched[j] is true
// when the pattern words seen so far match the first j topic words. This is
// linear in pattern x topic size, with no backtracking blow-up on many '#'.
bool match_words(const std::vector<std::string_view>& pattern, const std::vector<std::string_view>& topic) {
  std::vector<bool> matched(topic.size() + 1, false);
  matched[0] = true;
  for (std::string_view word : pattern) {
    std::vector<bool> next(topic.size() + 1, false);
    if (word == "#") {
      // '#' keeps every reachable position and extends it by any number of words.
      bool reachable = false;
      for (std::size_t j = 0; j <= topic.size(); ++j) {
        reachable = reachable || matched[j];
        next[j] = reachable;
      }
    } else {
      for (std::size_t j = 0; j < topic.size(); ++j) {
        if (matched[j] && (word == "*" || word == topic[j])) next[j + 1] = true;
      }
    }
    matched.swap(next);
  }
  return matched[topic.size()];
}

}  // namespace

bool topic_matches(std::string_view pattern, std::string_view topic) {
  return match_words(split_words(pattern), split_words(topic));
}

Status validate_pattern(std::string_view pattern) {
  for (std::string_view word : split_words(pattern)) {
    bool wildcard = word.find_first_of("*#") != std::string_view::npos;
    if (word.empty() || (wildcard && word.size() != 1)) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid binding pattern '{}': use dot-separated words, where '*' (one word) "
                              "and '#' (zero or more words) stand alone, e.g. doc.mention.*",
                              pattern));
    }
  }
  return {};
}

std::string topic_word(std::string_view text) {
  std::string word;
  word.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '.': word += "%2E"; break;
      case '*': word += "%2A"; break;
      case '#': word += "%23"; break;
      case '%': word += "%25"; break;
      default: word += c;
    }
  }
  return word;
}

}  // namespace tandem::events
