#include "search/text.h"

#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace tandem::search {
namespace {

void append_line(std::string& out, std::string_view text) {
  if (text.empty()) {
    return;
  }
  if (!out.empty()) {
    out += '\n';
  }
  out += strip_control_characters(text);
}

// Walks the value with an explicit stack, so deeply nested content cannot
// exhaust the thread's stack.
void collect_strings(const boost::json::value& root, std::string& out) {
  std::vector<const boost::json::value*> pending{&root};
  while (!pending.empty()) {
    const boost::json::value* value = pending.back();
    pending.pop_back();

    if (value->is_string()) {
      const boost::json::string& text = value->get_string();
      append_line(out, std::string_view(text.data(), text.size()));
    } else if (value->is_array()) {
      const boost::json::array& array = value->get_array();
      for (auto it = array.rbegin(); it != array.rend(); ++it) {
        pending.push_back(&*it);
      }
    } else if (value->is_object()) {
      const boost::json::object& object = value->get_object();
      std::vector<const boost::json::value*> children;
      for (const auto& entry : object) {
        children.push_back(&entry.value());
      }
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        pending.push_back(*it);
      }
    }
  }
}

}  // namespace

std::string strip_control_characters(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      c = ' ';
    }
  }
  return out;
}

Result<std::string> extract_text(std::string_view content_json) {
  boost::system::error_code error;
  boost::json::parse_options options;
  options.max_depth = 10000;
  const boost::json::value root = boost::json::parse(content_json, error, {}, options);
  if (error) {
    return fail(ErrorCode::invalid_request,
                "content is not valid JSON: " + error.message());
  }

  std::string out;
  collect_strings(root, out);
  return out;
}

}  // namespace tandem::search
