#include "documents/validation.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace tandem::documents {
namespace {

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// Shortens a rejected value for an error message.
std::string excerpt(std::string_view text) {
  if (text.size() <= 40) return std::string(text);
  std::size_t cut = 40;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0xff >> (length + 1));
    for (int k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::size_t count_code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

Status check_workspace_name(std::string_view name) {
  if (name.find_first_not_of(" \t") == std::string_view::npos) {
    return fail(ErrorCode::invalid_request, "invalid field 'name': it is empty; give the workspace a name");
  }
  if (has_control_characters(name)) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'name' \"{}\": control characters are not allowed", excerpt(name)));
  }
  if (count_code_points(name) > kMaxNameChars) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'name' \"{}\": longer than {} characters", excerpt(name), kMaxNameChars));
  }
  return {};
}

Status check_title(std::string_view title) {
  if (has_control_characters(title)) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'title' \"{}\": control characters are not allowed", excerpt(title)));
  }
  if (count_code_points(title) > kMaxTitleChars) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'title' \"{}\": longer than {} characters", excerpt(title), kMaxTitleChars));
  }
  return {};
}

Status check_user_id(std::string_view user_id) {
  if (user_id.empty() || user_id.size() > kMaxUserIdBytes || has_control_characters(user_id) ||
      !is_valid_utf8(user_id)) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid user id \"{}\": expected 1 to {} bytes of printable UTF-8",
                            excerpt(user_id), kMaxUserIdBytes));
  }
  return {};
}

Result<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> unique;
  for (const std::string& tag : tags) {
    bool blank_edge = !tag.empty() && (tag.front() == ' ' || tag.back() == ' ');
    if (tag.empty() || tag.size() > kMaxTagBytes || has_control_characters(tag) || blank_edge) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid tag \"{}\" in 'tags': a tag is 1 to {} bytes, with no control "
                              "characters and no leading or trailing spaces",
                              excerpt(tag), kMaxTagBytes));
    }
    if (std::find(unique.begin(), unique.end(), tag) == unique.end()) {
      unique.push_back(tag);
    }
  }
  if (unique.size() > kMaxTags) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'tags': {} tags given, at most {} are allowed", unique.size(), kMaxTags));
  }
  return unique;
}

Status check_content_size(std::size_t serialized_bytes, std::size_t max_bytes) {
  if (serialized_bytes > max_bytes) {
    return fail(ErrorCode::payload_too_large,
                fmt::format("field 'content' is {} bytes, more than the limit of {} bytes", serialized_bytes,
                            max_bytes));
  }
  return {};
}

}  // namespace tandem::documents
