// apply: validates each component against the document before changing it,
// records how to undo every change, and rolls back on the first error, so an
// op is applied completely or not at all without copying the document.
#include <string>

#include <boost/json.hpp>

#include "ot/json0.h"
#include "ot/text0.h"
#include "ot/value.h"

namespace tandem::ot {
namespace {

std::string describe(const Path& path, std::size_t depth) {
  Path prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(depth));
  return json::serialize(path_to_json(prefix));
}

std::string kind_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::string: return "a string";
    case json::kind::array: return "a list";
    case json::kind::object: return "an object";
    default: return "a number";
  }
}

// Reads a list index step; fails on a key such as "0", which ot-json0
// accepts in apply but compares as a different step in transform.
Result<std::size_t> list_index(const json::array& list, const Path& path, std::size_t depth, bool allow_end) {
  const auto* index = std::get_if<std::int64_t>(&path[depth]);
  if (index == nullptr) {
    return fail(ErrorCode::invalid_path, "path " + describe(path, depth + 1) +
                                             ": a list index must be an integer, not the string \"" +
                                             std::get<std::string>(path[depth]) + "\"");
  }
  auto limit = list.size() + (allow_end ? 1 : 0);
  if (static_cast<std::uint64_t>(*index) >= limit) {
    return fail(ErrorCode::out_of_range, "path " + describe(path, depth + 1) + ": index " +
                                             std::to_string(*index) + " is out of range for a list of " +
                                             std::to_string(list.size()) + " elements");
  }
  return static_cast<std::size_t>(*index);
}

Result<const std::string*> object_key(const Path& path, std::size_t depth) {
  const auto* key = std::get_if<std::string>(&path[depth]);
  if (key == nullptr) {
    return fail(ErrorCode::invalid_path, "path " + describe(path, depth + 1) +
                                             ": an object key must be a string, not the number " +
                                             std::to_string(std::get<std::int64_t>(path[depth])));
  }
  return key;
}

// Walks the first `depth` steps of `path`; every step must exist.
Result<json::value*> walk(json::value& root, const Path& path, std::size_t depth) {
  json::value* at = &root;
  for (std::size_t i = 0; i < depth; ++i) {
    if (auto* list = at->if_array()) {
      auto index = list_index(*list, path, i, false);
      if (!index) return std::unexpected(index.error());
      at = &(*list)[*index];
    } else if (auto* object = at->if_object()) {
      auto key = object_key(path, i);
      if (!key) return std::unexpected(key.error());
      auto* next = object->if_contains(**key);
      if (next == nullptr) {
        return fail(ErrorCode::invalid_path, "path " + describe(path, i + 1) + ": key not found");
      }
      at = next;
    } else {
      return fail(ErrorCode::type_mismatch,
                  "path " + describe(path, i + 1) + ": cannot step into " + kind_name(*at));
    }
  }
  return at;
}

enum class UndoKind { restore, list_erase, list_insert, list_move, object_erase, object_insert, text };

// How to revert one applied component.
struct Undo {
  UndoKind kind;
  const Component* component;
  json::value saved;
  std::vector<TextUndo> text;
};

json::value& child(json::value& parent, const PathElem& step) {
  if (auto* list = parent.if_array()) return (*list)[static_cast<std::size_t>(std::get<std::int64_t>(step))];
  return parent.get_object()[std::get<std::string>(step)];
}

// Reverts one change. The document is in the state right after the change,
// so every path resolves; a failure here would be a bug in apply.
void revert(json::value& root, Undo& undo) {
  const Path& path = undo.component->p;
  if (undo.kind == UndoKind::text) {
    auto depth = undo.component->subtype ? path.size() : path.size() - 1;
    auto target = walk(root, path, depth);
    if (target) text_undo((*target)->get_string(), undo.text);
    return;
  }
  if (undo.kind == UndoKind::restore && path.empty()) {
    root = std::move(undo.saved);
    return;
  }

  auto parent = walk(root, path, path.size() - 1);
  if (!parent) return;
  json::value& container = **parent;
  const auto& last = path.back();
  switch (undo.kind) {
    case UndoKind::restore: child(container, last) = std::move(undo.saved); break;
    case UndoKind::list_erase: {
      auto& list = container.get_array();
      list.erase(list.begin() + std::get<std::int64_t>(last));
      break;
    }
    case UndoKind::list_insert: {
      auto& list = container.get_array();
      list.insert(list.begin() + std::get<std::int64_t>(last), std::move(undo.saved));
      break;
    }
    case UndoKind::list_move: {
      auto& list = container.get_array();
      auto from = static_cast<std::ptrdiff_t>(*undo.component->lm);
      auto to = static_cast<std::ptrdiff_t>(std::get<std::int64_t>(last));
      json::value moved = std::move(list[static_cast<std::size_t>(from)]);
      list.erase(list.begin() + from);
      list.insert(list.begin() + to, std::move(moved));
      break;
    }
    case UndoKind::object_erase: container.get_object().erase(std::get<std::string>(last)); break;
    case UndoKind::object_insert:
      container.get_object().emplace(std::get<std::string>(last), std::move(undo.saved));
      break;
    case UndoKind::text: break;
  }
}

Status apply_text(json::value& root, const Component& c, std::vector<Undo>& undo) {
  auto depth = c.subtype ? c.p.size() : c.p.size() - 1;
  auto target = walk(root, c.p, depth);
  if (!target) return std::unexpected(target.error());
  auto* text = (*target)->if_string();
  if (text == nullptr) {
    return fail(ErrorCode::type_mismatch,
                "path " + describe(c.p, depth) + ": a string edit needs a string, found " + kind_name(**target));
  }

  std::vector<TextUndo> changes;
  Status status;
  if (c.subtype) {
    status = text_apply(*text, c.o, changes);
  } else {
    auto offset = std::get<std::int64_t>(c.p.back());
    TextOp single{TextComponent{offset, c.si.has_value(), c.si ? *c.si : *c.sd}};
    status = text_apply(*text, single, changes);
  }
  if (!changes.empty()) undo.push_back(Undo{UndoKind::text, &c, nullptr, std::move(changes)});
  if (!status) {
    auto error = status.error();
    error.message = "path " + describe(c.p, depth) + ": " + error.message;
    return std::unexpected(std::move(error));
  }
  return {};
}

Status apply_number_add(json::value& root, const Component& c, std::vector<Undo>& undo) {
  auto target = walk(root, c.p, c.p.size());
  if (!target) return std::unexpected(target.error());
  if (!(*target)->is_number()) {
    return fail(ErrorCode::type_mismatch,
                "path " + describe(c.p, c.p.size()) + ": na needs a number, found " + kind_name(**target));
  }
  auto sum = make_number(to_double(**target) + *c.na);
  if (!sum) {
    return fail(ErrorCode::not_finite, "path " + describe(c.p, c.p.size()) + ": na result is not a finite number");
  }
  undo.push_back(Undo{UndoKind::restore, &c, std::move(**target), {}});
  **target = std::move(*sum);
  return {};
}

Status check_equal(const json::value& actual, const json::value& expected, const Path& path, const char* field) {
  if (deep_equal(actual, expected)) return {};
  return fail(ErrorCode::value_mismatch, "path " + describe(path, path.size()) + ": " + field + " " +
                                             json::serialize(expected) + " does not match the document value " +
                                             json::serialize(actual));
}

Status apply_list(json::array& list, const Component& c, std::vector<Undo>& undo) {
  auto depth = c.p.size() - 1;
  bool insert_only = c.li && !c.ld;
  auto index = list_index(list, c.p, depth, insert_only);
  if (!index) return std::unexpected(index.error());
  auto at = list.begin() + static_cast<std::ptrdiff_t>(*index);

  if (c.lm) {
    if (*c.lm >= static_cast<std::int64_t>(list.size())) {
      return fail(ErrorCode::out_of_range, "path " + describe(c.p, c.p.size()) + ": lm target " +
                                               std::to_string(*c.lm) + " is out of range for a list of " +
                                               std::to_string(list.size()) + " elements");
    }
    if (*c.lm != static_cast<std::int64_t>(*index)) {
      json::value moved = std::move(*at);
      list.erase(at);
      list.insert(list.begin() + static_cast<std::ptrdiff_t>(*c.lm), std::move(moved));
      undo.push_back(Undo{UndoKind::list_move, &c, nullptr, {}});
    }
    return {};
  }
  if (c.ld) {
    if (auto status = check_equal(*at, *c.ld, c.p, "ld"); !status) return status;
  }
  if (c.li && c.ld) {
    undo.push_back(Undo{UndoKind::restore, &c, std::move(*at), {}});
    *at = *c.li;
  } else if (c.li) {
    list.insert(at, *c.li);
    undo.push_back(Undo{UndoKind::list_erase, &c, nullptr, {}});
  } else {
    undo.push_back(Undo{UndoKind::list_insert, &c, std::move(*at), {}});
    list.erase(at);
  }
  return {};
}

Status apply_object(json::object& object, const Component& c, std::vector<Undo>& undo) {
  auto key = object_key(c.p, c.p.size() - 1);
  if (!key) return std::unexpected(key.error());
  auto* existing = object.if_contains(**key);

  if (c.od) {
    if (existing == nullptr) {
      return fail(ErrorCode::value_mismatch,
                  "path " + describe(c.p, c.p.size()) + ": od names a key that does not exist");
    }
    if (auto status = check_equal(*existing, *c.od, c.p, "od"); !status) return status;
  } else if (existing != nullptr) {
    return fail(ErrorCode::key_exists, "path " + describe(c.p, c.p.size()) +
                                           ": oi on an existing key must carry od with the current value");
  }

  if (c.oi && c.od) {
    undo.push_back(Undo{UndoKind::restore, &c, std::move(*existing), {}});
    *existing = *c.oi;
  } else if (c.oi) {
    object.emplace(**key, *c.oi);
    undo.push_back(Undo{UndoKind::object_erase, &c, nullptr, {}});
  } else {
    undo.push_back(Undo{UndoKind::object_insert, &c, std::move(*existing), {}});
    object.erase(**key);
  }
  return {};
}

Status apply_component(json::value& root, const Component& c, std::vector<Undo>& undo) {
  if (c.is_text()) return apply_text(root, c, undo);
  if (c.na) return apply_number_add(root, c, undo);

  auto parent = walk(root, c.p, c.p.size() - 1);
  if (!parent) return std::unexpected(parent.error());
  bool list_op = c.li || c.ld || c.lm;
  if (list_op) {
    auto* list = (*parent)->if_array();
    if (list == nullptr) {
      return fail(ErrorCode::type_mismatch, "path " + describe(c.p, c.p.size() - 1) +
                                                ": li/ld/lm need a list, found " + kind_name(**parent));
    }
    return apply_list(*list, c, undo);
  }
  auto* object = (*parent)->if_object();
  if (object == nullptr) {
    return fail(ErrorCode::type_mismatch, "path " + describe(c.p, c.p.size() - 1) +
                                              ": oi/od need an object, found " + kind_name(**parent));
  }
  return apply_object(*object, c, undo);
}

}  // namespace

Status apply(json::value& document, const Op& op) {
  std::vector<Undo> undo;
  for (std::size_t i = 0; i < op.size(); ++i) {
    auto status = apply_component(document, op[i], undo);
    if (status) continue;

    for (auto it = undo.rbegin(); it != undo.rend(); ++it) revert(document, *it);
    auto error = status.error();
    if (op.size() > 1) error.message = "component " + std::to_string(i) + ": " + error.message;
    return std::unexpected(std::move(error));
  }
  return {};
}

}  // namespace tandem::ot
