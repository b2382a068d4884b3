// The json0 op model: an op is a list of components, each with a path `p`
// and one instruction (na, li, ld, li+ld, lm, oi, od, oi+od, si, sd, or the
// text0 subtype form t+o). Parsing validates the shape; whether an op fits a
// given document is checked by apply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "ot/error.h"

namespace tandem::ot {

namespace json = boost::json;

// The role of an op in a transform. On a tie (two inserts at the same place,
// two replaces of the same key) the left op wins.
enum class Side { left, right };

// A path step: a list index or an object key. Equality is JavaScript's
// `===`: the index 0 and the key "0" differ.
using PathElem = std::variant<std::int64_t, std::string>;
using Path = std::vector<PathElem>;

// UTF-8 text with its length in UTF-16 code units cached, because json0
// offsets and lengths count UTF-16 units.
struct Text {
  std::string utf8;
  std::int64_t units = 0;
};
Text make_text(std::string utf8);

// One text0 component: insert or delete `text` at UTF-16 offset `p`.
struct TextComponent {
  std::int64_t p = 0;
  bool insert = true;
  Text text;
};
using TextOp = std::vector<TextComponent>;

// A json0 component. Presence of each optional mirrors presence of the field
// in JSON, because the json0 rules test exactly that. A valid component has
// exactly one of the instruction sets listed at the top of this file.
struct Component {
  Path p;
  std::optional<double> na;
  std::optional<json::value> li, ld, oi, od;
  std::optional<std::int64_t> lm;
  // Legacy string edits: the last path step is the UTF-16 offset.
  std::optional<Text> si, sd;
  // The embedded subtype form {t: "text0", o: [...]}; `p` is the string itself.
  bool subtype = false;
  TextOp o;

  bool is_legacy_text() const { return si.has_value() || sd.has_value(); }
  bool is_text() const { return subtype || is_legacy_text(); }
};
using Op = std::vector<Component>;

// Parses one component. Number values are canonicalized (see value.h).
// Fails with invalid_op on a shape json0 does not define (missing or
// non-array p, no or conflicting instructions, a non-integer or negative
// list index, lm or offset, a non-finite number, an unknown subtype).
Result<Component> parse_component(const json::value& value);

// Parses an op, which must be a JSON array of components.
Result<Op> parse_op(const json::value& value);

// Serializes in the same shape ot-json0 produces.
json::value to_json(const Component& component);
json::value to_json(const Op& op);
json::value path_to_json(const Path& path);

// Parses a path: an array of strings and non-negative integers.
Result<Path> parse_path(const json::value& value);

}  // namespace tandem::ot
