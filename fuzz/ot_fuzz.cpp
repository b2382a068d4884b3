// libFuzzer target for the json0 engine. The input is split at newlines
// into a document and two ops (arbitrary bytes, usually not even JSON);
// every engine function runs on whatever parses. Besides "no crash and no
// sanitizer report", it checks two invariants and traps when one breaks:
// a rejected op leaves the document unchanged, and an applied op followed
// by its inverse restores the document.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json.hpp>

#include "ot/json0.h"
#include "ot/value.h"

namespace {

namespace json = boost::json;
using namespace tandem::ot;

std::optional<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = 64;
  json::error_code ec;
  auto value = json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  return value;
}

std::optional<Op> parse_op_line(std::string_view text) {
  auto value = parse_json(text);
  if (!value) return std::nullopt;
  auto op = parse_op(*value);
  if (!op) return std::nullopt;
  return std::move(*op);
}

std::string_view next_line(std::string_view& rest) {
  auto end = rest.find('\n');
  auto line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

void check_apply(const json::value& doc, const Op& op) {
  json::value copy = doc;
  if (!tandem::ot::apply(copy, op)) {
    if (copy != doc) __builtin_trap();  // a rejected op changed the document
    return;
  }
  if (!tandem::ot::apply(copy, invert(op))) __builtin_trap();  // the inverse must apply
  if (!deep_equal(copy, doc)) __builtin_trap();                 // and restore the document
}

void exercise(const std::optional<json::value>& doc, const Op& a, const std::optional<Op>& b) {
  (void)normalize(a);
  (void)invert(a);
  if (doc) check_apply(*doc, a);
  if (b) {
    (void)transform(a, *b, Side::left);
    (void)transform(a, *b, Side::right);
    (void)compose(a, *b);
  }
  Cursor cursor{a.empty() ? Path{} : a.front().p, 1};
  (void)transform_cursor(cursor, a, Side::left);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kMaxInput = 1 << 16;
  if (size > kMaxInput) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data), size);

  auto doc = parse_json(next_line(rest));
  if (doc && !canonicalize(*doc)) doc.reset();
  auto a = parse_op_line(next_line(rest));
  auto b = parse_op_line(next_line(rest));
  if (a) exercise(doc, *a, b);
  if (b) exercise(doc, *b, a);
  return 0;
}
