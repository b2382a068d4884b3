#include "search/snippet.h"

namespace tandem::search {

std::string render_snippet(std::string_view marked) {
  std::string html;
  html.reserve(marked.size() + 32);
  bool open = false;
  for (char c : marked) {
    switch (c) {
      case '\x01':
        if (!open) {
          html += "<mark>";
          open = true;
        }
        break;
      case '\x02':
        if (open) {
          html += "</mark>";
          open = false;
        }
        break;
      case '&': html += "&amp;"; break;
      case '<': html += "&lt;"; break;
      case '>': html += "&gt;"; break;
      case '"': html += "&quot;"; break;
      case '\'': html += "&#39;"; break;
      default: html += c; break;
    }
  }
  if (open) {
    html += "</mark>";
  }
  return html;
}

bool has_match(std::string_view marked) {
  return marked.find(kMatchStart) != std::string_view::npos;
}

}  // namespace tandem::search
