#include "search/tokens.h"

namespace tandem::search {
namespace {

std::string hex_token(std::string_view prefix, std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string token(prefix);
  token.reserve(prefix.size() + bytes.size() * 2);
  for (unsigned char byte : bytes) {
    token += digits[byte >> 4];
    token += digits[byte & 0x0f];
  }
  return token;
}

}  // namespace

std::string workspace_token(std::string_view workspace_id) {
  return hex_token("ws", workspace_id);
}

std::string tag_token(std::string_view workspace_id, std::string_view tag) {
  std::string token = hex_token("tg", workspace_id);
  token += "00";
  token += hex_token("", tag);
  return token;
}

std::string meta_text(std::string_view workspace_id, const std::vector<std::string>& tags) {
  std::string text = workspace_token(workspace_id);
  for (const std::string& tag : tags) {
    text += ' ';
    text += tag_token(workspace_id, tag);
  }
  return text;
}

}  // namespace tandem::search
