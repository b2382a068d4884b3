// AMQP topic routing: a topic is a list of words separated by dots; in a
// binding pattern `*` matches exactly one word and `#` matches zero or more.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace tandem::events {

// True when `topic` matches the binding `pattern`.
bool topic_matches(std::string_view pattern, std::string_view topic);

// invalid_request unless `pattern` is one or more non-empty words, where a
// word containing `*` or `#` consists of that one character only.
Status validate_pattern(std::string_view pattern);

// Encodes a user id as one topic word: '.', '*', '#' and '%' become
// %2E, %2A, %23 and %25, so any id stays a single word.
std::string topic_word(std::string_view text);

}  // namespace tandem::events
