#include "ot/cli.h"

#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "ot/json0.h"
#include "ot/value.h"

namespace tandem::ot {
namespace {

// Deep enough for any real document, shallow enough for the recursive
// helpers in value.cpp to stay well inside the stack.
constexpr std::size_t kMaxJsonDepth = 512;

json::value error_line(std::string_view code, std::string_view message) {
  return json::object{{"error", json::object{{"code", code}, {"message", message}}}};
}

json::value error_line(const Error& error) { return error_line(code_name(error.code), error.message); }

std::optional<Side> read_side(const json::value& value) {
  if (value == "left") return Side::left;
  if (value == "right") return Side::right;
  return std::nullopt;
}

Result<Cursor> read_cursor(const json::value& value) {
  const auto* object = value.if_object();
  const auto* path = object ? object->if_contains("path") : nullptr;
  const auto* offset = object ? object->if_contains("offset") : nullptr;
  if (path == nullptr || offset == nullptr || !offset->is_int64() || offset->get_int64() < 0) {
    return fail(ErrorCode::invalid_op, "cursor must be {\"path\": [...], \"offset\": non-negative integer}");
  }
  auto parsed = parse_path(*path);
  if (!parsed) return std::unexpected(parsed.error());
  return Cursor{std::move(*parsed), offset->get_int64()};
}

// normalize also takes one bare component, and components without a path.
Result<Op> read_loose_op(const json::value& value) {
  json::array components = value.is_array() ? value.get_array() : json::array{value};
  for (auto& component : components) {
    if (auto* object = component.if_object(); object && !object->contains("p")) (*object)["p"] = json::array();
  }
  return parse_op(components);
}

template <class T>
json::value wrap(Result<T> result, json::value (*encode)(const T&)) {
  if (!result) return error_line(result.error());
  return json::object{{"result", encode(*result)}};
}

json::value encode_op(const Op& op) { return to_json(op); }
json::value encode_cursor(const std::optional<Cursor>& cursor) {
  if (!cursor) return nullptr;
  return json::object{{"path", path_to_json(cursor->path)}, {"offset", cursor->offset}};
}

json::value run_apply(const json::array& args) {
  json::value document = args[0];
  if (auto status = canonicalize(document); !status) return error_line(status.error());
  auto op = parse_op(args[1]);
  if (!op) return error_line(op.error());
  if (auto status = ot::apply(document, *op); !status) return error_line(status.error());
  return json::object{{"result", std::move(document)}};
}

json::value run_transform(const json::array& args) {
  auto op = parse_op(args[0]);
  auto other = parse_op(args[1]);
  auto side = read_side(args[2]);
  if (!op) return error_line(op.error());
  if (!other) return error_line(other.error());
  if (!side) return error_line("invalid_request", "side must be \"left\" or \"right\"");
  return wrap<Op>(transform(*op, *other, *side), encode_op);
}

json::value run_compose(const json::array& args) {
  auto a = parse_op(args[0]);
  auto b = parse_op(args[1]);
  if (!a) return error_line(a.error());
  if (!b) return error_line(b.error());
  return wrap<Op>(compose(*a, *b), encode_op);
}

json::value run_cursor(const json::array& args) {
  auto cursor = read_cursor(args[0]);
  auto op = parse_op(args[1]);
  auto side = read_side(args[2]);
  if (!cursor) return error_line(cursor.error());
  if (!op) return error_line(op.error());
  if (!side) return error_line("invalid_request", "side must be \"left\" or \"right\"");
  return wrap<std::optional<Cursor>>(transform_cursor(*cursor, *op, *side), encode_cursor);
}

json::value run_invert(const json::array& args) {
  auto op = parse_op(args[0]);
  if (!op) return error_line(op.error());
  return json::object{{"result", to_json(invert(*op))}};
}

json::value run_normalize(const json::array& args) {
  auto op = read_loose_op(args[0]);
  if (!op) return error_line(op.error());
  return wrap<Op>(normalize(*op), encode_op);
}

json::value dispatch(const json::value& request) {
  const auto* object = request.if_object();
  const auto* fn = object ? object->if_contains("fn") : nullptr;
  const auto* args_value = object ? object->if_contains("args") : nullptr;
  if (fn == nullptr || !fn->is_string() || args_value == nullptr || !args_value->is_array()) {
    return error_line("invalid_request", "request must be {\"fn\": name, \"args\": [...]}");
  }
  const auto& name = fn->get_string();
  const auto& args = args_value->get_array();

  struct Entry {
    std::string_view name;
    std::size_t arity;
    json::value (*run)(const json::array&);
  };
  static constexpr Entry entries[] = {
      {"apply", 2, run_apply},
      {"transform", 3, run_transform},
      {"compose", 2, run_compose},
      {"invert", 1, run_invert},
      {"normalize", 1, run_normalize},
      {"transformCursor", 3, run_cursor},
  };
  for (const auto& entry : entries) {
    if (name != entry.name) continue;
    if (args.size() != entry.arity) {
      return error_line("invalid_request", std::string(entry.name) + " takes " + std::to_string(entry.arity) +
                                               " arguments, got " + std::to_string(args.size()));
    }
    return entry.run(args);
  }
  return error_line("invalid_request", "unknown fn \"" + std::string(name) +
                                           "\"; use apply, transform, compose, invert, normalize or transformCursor");
}

json::value handle_line(std::string_view line) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::error_code ec;
  json::value request = json::parse(line, ec, {}, options);
  if (ec) {
    return error_line("invalid_request", "input line is not valid JSON (" + ec.message() +
                                             "); strings must be valid UTF-8 without lone surrogates");
  }
  return dispatch(request);
}

}  // namespace

int run_cli(std::istream& in, std::ostream& out) {
  if (&in == &std::cin) std::ios::sync_with_stdio(false);

  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    out << json::serialize(handle_line(line)) << '\n';
    // Flush when the caller has nothing more queued, so that a client that
    // waits for each reply gets it, and a streaming client gets big writes.
    if (in.rdbuf()->in_avail() <= 0) out.flush();
  }
  out.flush();
  return 0;
}

}  // namespace tandem::ot
