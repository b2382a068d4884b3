#include "ot/op.h"

#include <cmath>
#include <string_view>

#include <boost/json.hpp>

#include "ot/utf16.h"
#include "ot/value.h"

namespace tandem::ot {
namespace {

std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::invalid_op, std::move(message));
}

// Reads a non-negative integer: an int64, or a double with an integral value
// (JSON "1.0" is the number 1 in JavaScript).
std::optional<std::int64_t> read_index(const json::value& value) {
  if (value.is_int64()) {
    auto index = value.get_int64();
    return index >= 0 ? std::optional(index) : std::nullopt;
  }
  if (value.is_uint64()) {
    auto index = value.get_uint64();
    return index <= static_cast<std::uint64_t>(kMaxSafeInteger) ? std::optional(static_cast<std::int64_t>(index))
                                                                : std::nullopt;
  }
  if (value.is_double()) {
    double number = value.get_double();
    if (number >= 0 && number <= kMaxSafeInteger && std::trunc(number) == number) {
      return static_cast<std::int64_t>(number);
    }
  }
  return std::nullopt;
}

Result<json::value> read_value(const json::value& value, std::string_view field) {
  json::value copy = value;
  if (auto status = canonicalize(copy); !status) {
    return fail(status.error().code, std::string(field) + ": " + status.error().message);
  }
  return copy;
}

Result<TextComponent> parse_text_component(const json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return invalid("text0 component must be an object, got " + json::serialize(value));

  TextComponent component;
  const auto* position = object->if_contains("p");
  auto offset = position ? read_index(*position) : std::nullopt;
  if (!offset) return invalid("text0 component needs \"p\", a non-negative integer offset");
  component.p = *offset;

  const auto* insert = object->if_contains("i");
  const auto* remove = object->if_contains("d");
  bool has_insert = insert && insert->is_string();
  bool has_remove = remove && remove->is_string();
  if (has_insert == has_remove) {
    return invalid("text0 component needs exactly one of \"i\" or \"d\" as a string");
  }
  for (const auto& member : *object) {
    if (member.key() != "p" && member.key() != "i" && member.key() != "d") {
      return invalid("unknown field \"" + std::string(member.key()) + "\" in text0 component");
    }
  }

  component.insert = has_insert;
  const auto& text = has_insert ? insert->get_string() : remove->get_string();
  component.text = make_text(std::string(text));
  return component;
}

Result<TextOp> parse_text_op(const json::value& value) {
  const auto* array = value.if_array();
  if (array == nullptr) return invalid("\"o\" must be an array of text0 components");
  TextOp op;
  op.reserve(array->size());
  for (const auto& element : *array) {
    auto component = parse_text_component(element);
    if (!component) return std::unexpected(component.error());
    op.push_back(std::move(*component));
  }
  return op;
}

Result<Text> read_text(const json::value& value, std::string_view field) {
  if (!value.is_string()) return invalid(std::string(field) + " must be a string");
  return make_text(std::string(value.get_string()));
}

// Checks that the set of instruction fields is one json0 defines.
Status check_instruction_set(const Component& c, bool has_t) {
  bool list = c.li || c.ld;
  bool object = c.oi || c.od;
  int kinds = int(c.na.has_value()) + int(list) + int(c.lm.has_value()) + int(object) +
              int(c.si.has_value()) + int(c.sd.has_value()) + int(has_t);
  if (kinds == 0) return invalid("component has no instruction (na, li, ld, lm, oi, od, si, sd or t)");
  if (kinds > 1) return invalid("component mixes instructions; use one of na, li/ld, lm, oi/od, si, sd, t");

  bool root_allowed = c.na || has_t;
  if (c.p.empty() && !root_allowed) {
    return invalid("component path must not be empty for this instruction");
  }
  if (c.lm && !std::holds_alternative<std::int64_t>(c.p.back())) {
    return invalid("the last path step of lm must be an integer list index");
  }
  if (c.is_legacy_text() && !std::holds_alternative<std::int64_t>(c.p.back())) {
    return invalid("the last path step of si/sd must be an integer string offset");
  }
  return {};
}

}  // namespace

Text make_text(std::string utf8) {
  auto units = utf16_length(utf8);
  return Text{std::move(utf8), units};
}

Result<Path> parse_path(const json::value& value) {
  const auto* array = value.if_array();
  if (array == nullptr) return invalid("path \"p\" must be an array, got " + json::serialize(value));
  Path path;
  path.reserve(array->size());
  for (const auto& step : *array) {
    if (step.is_string()) {
      path.emplace_back(std::string(step.get_string()));
      continue;
    }
    auto index = read_index(step);
    if (!index) {
      return invalid("path step " + json::serialize(step) +
                     " is neither a string key nor a non-negative integer index");
    }
    path.emplace_back(*index);
  }
  return path;
}

Result<Component> parse_component(const json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return invalid("component must be an object, got " + json::serialize(value));

  Component c;
  bool has_path = false;
  bool has_t = false;
  const json::value* subtype_op = nullptr;

  for (const auto& member : *object) {
    std::string_view key = member.key();
    const json::value& field = member.value();
    if (key == "p") {
      auto path = parse_path(field);
      if (!path) return std::unexpected(path.error());
      c.p = std::move(*path);
      has_path = true;
    } else if (key == "na") {
      if (!field.is_number()) return invalid("na must be a number, got " + json::serialize(field));
      double amount = to_double(field);
      if (!std::isfinite(amount)) return fail(ErrorCode::not_finite, "na is not a finite number");
      c.na = amount;
    } else if (key == "li" || key == "ld" || key == "oi" || key == "od") {
      auto copy = read_value(field, key);
      if (!copy) return std::unexpected(copy.error());
      if (key == "li") {
        c.li = std::move(*copy);
      } else if (key == "ld") {
        c.ld = std::move(*copy);
      } else if (key == "oi") {
        c.oi = std::move(*copy);
      } else {
        c.od = std::move(*copy);
      }
    } else if (key == "lm") {
      auto index = read_index(field);
      if (!index) return invalid("lm must be a non-negative integer index, got " + json::serialize(field));
      c.lm = *index;
    } else if (key == "si" || key == "sd") {
      auto text = read_text(field, key);
      if (!text) return std::unexpected(text.error());
      (key == "si" ? c.si : c.sd) = std::move(*text);
    } else if (key == "t") {
      if (!field.is_string() || field.get_string() != "text0") {
        return invalid("unsupported subtype " + json::serialize(field) + "; only \"text0\" is known");
      }
      has_t = true;
    } else if (key == "o") {
      subtype_op = &field;
    } else {
      return invalid("unknown field \"" + std::string(key) + "\" in component");
    }
  }

  if (!has_path) return invalid("component is missing its path \"p\"");
  if (has_t != (subtype_op != nullptr)) return invalid("a subtype component needs both \"t\" and \"o\"");
  if (has_t) {
    auto text_op = parse_text_op(*subtype_op);
    if (!text_op) return std::unexpected(text_op.error());
    c.o = std::move(*text_op);
    c.subtype = true;
  }
  if (auto status = check_instruction_set(c, has_t); !status) return std::unexpected(status.error());
  return c;
}

Result<Op> parse_op(const json::value& value) {
  const auto* array = value.if_array();
  if (array == nullptr) return invalid("op must be an array of components, got " + json::serialize(value));
  Op op;
  op.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto component = parse_component((*array)[i]);
    if (!component) {
      auto error = component.error();
      error.message = "component " + std::to_string(i) + ": " + error.message;
      return std::unexpected(std::move(error));
    }
    op.push_back(std::move(*component));
  }
  return op;
}

json::value path_to_json(const Path& path) {
  json::array array;
  array.reserve(path.size());
  for (const auto& step : path) {
    if (const auto* index = std::get_if<std::int64_t>(&step)) {
      array.emplace_back(*index);
    } else {
      array.emplace_back(std::get<std::string>(step));
    }
  }
  return array;
}

json::value to_json(const Component& c) {
  json::object object;
  object["p"] = path_to_json(c.p);
  if (c.na) object["na"] = make_number(*c.na).value_or(json::value(*c.na));
  if (c.li) object["li"] = *c.li;
  if (c.ld) object["ld"] = *c.ld;
  if (c.lm) object["lm"] = *c.lm;
  if (c.oi) object["oi"] = *c.oi;
  if (c.od) object["od"] = *c.od;
  if (c.si) object["si"] = c.si->utf8;
  if (c.sd) object["sd"] = c.sd->utf8;
  if (c.subtype) {
    object["t"] = "text0";
    json::array text_op;
    for (const auto& component : c.o) {
      json::object entry;
      entry["p"] = component.p;
      entry[component.insert ? "i" : "d"] = component.text.utf8;
      text_op.emplace_back(std::move(entry));
    }
    object["o"] = std::move(text_op);
  }
  return object;
}

json::value to_json(const Op& op) {
  json::array array;
  array.reserve(op.size());
  for (const auto& component : op) array.push_back(to_json(component));
  return array;
}

}  // namespace tandem::ot
