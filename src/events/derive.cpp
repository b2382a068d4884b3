#include "events/derive.h"

#include <map>
#include <optional>

#include "ot/json0.h"

namespace tandem::events {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxUserIdBytes = 128;
constexpr std::size_t kExcerptContextBytes = 80;  // bytes kept on each side of a mention

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@' || c == '+' || c == '-';
}

// Calls `found(id, position)` for each token in `text`.
template <class F>
void scan_tokens(std::string_view text, F found) {
  std::size_t at = text.find("<@");
  while (at != std::string_view::npos) {
    std::size_t end = at + 2;
    while (end < text.size() && end - at - 2 <= kMaxUserIdBytes && is_id_char(text[end])) ++end;
    std::size_t length = end - at - 2;
    if (end < text.size() && text[end] == '>' && length >= 1 && length <= kMaxUserIdBytes) {
      found(text.substr(at + 2, length), at);
      at = text.find("<@", end + 1);
    } else {
      at = text.find("<@", at + 2);
    }
  }
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Up to kExcerptContextBytes of `text` on each side of [at, at + length),
// cut at UTF-8 character boundaries, with "…" where text was cut.
std::string excerpt_around(std::string_view text, std::size_t at, std::size_t length) {
  std::size_t begin = at > kExcerptContextBytes ? at - kExcerptContextBytes : 0;
  while (begin > 0 && is_continuation(text[begin])) --begin;
  std::size_t end = std::min(text.size(), at + length + kExcerptContextBytes);
  while (end < text.size() && is_continuation(text[end])) ++end;
  std::string excerpt;
  if (begin > 0) excerpt += "…";
  excerpt += text.substr(begin, end - begin);
  if (end < text.size()) excerpt += "…";
  return excerpt;
}

// The net change per user id, and where each user was first seen after the op.
struct Tally {
  int delta = 0;
  std::optional<ot::Path> path;
  std::string excerpt;
};

struct Counter {
  std::map<std::string, Tally> mentions;
  std::map<std::string, Tally> assignees;
  std::vector<std::pair<TargetKind, std::string>> order;  // first appearance after the op

  Tally& tally(TargetKind kind, std::string_view user) {
    auto& map = kind == TargetKind::mention ? mentions : assignees;
    auto [it, inserted] = map.try_emplace(std::string(user));
    return it->second;
  }

  void seen_after(TargetKind kind, std::string_view user, const ot::Path& path, std::string excerpt) {
    Tally& entry = tally(kind, user);
    entry.delta += 1;
    if (!entry.path) {
      entry.path = path;
      entry.excerpt = std::move(excerpt);
      order.emplace_back(kind, std::string(user));
    }
  }

  // Walks `value` (found under object key `key` of `parent`, if any) at
  // `path`, adding `sign` for every token and assignee inside.
  void collect(const json::value& value, const std::string* key, const json::object* parent, ot::Path& path,
               int sign) {
    if (const auto* text = value.if_string()) {
      std::string_view view(*text);
      if (key != nullptr && *key == "assignee" && !view.empty() && view.size() <= kMaxUserIdBytes) {
        if (sign > 0) {
          seen_after(TargetKind::assign, view, path, task_text(parent));
        } else {
          tally(TargetKind::assign, view).delta -= 1;
        }
      }
      scan_tokens(view, [&](std::string_view user, std::size_t at) {
        if (sign > 0) {
          seen_after(TargetKind::mention, user, path, excerpt_around(view, at, user.size() + 3));
        } else {
          tally(TargetKind::mention, user).delta -= 1;
        }
      });
    } else if (const auto* object = value.if_object()) {
      for (const auto& member : *object) {
        std::string name(member.key());
        path.emplace_back(name);
        collect(member.value(), &name, object, path, sign);
        path.pop_back();
      }
    } else if (const auto* array = value.if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        path.emplace_back(static_cast<std::int64_t>(i));
        collect((*array)[i], nullptr, nullptr, path, sign);
        path.pop_back();
      }
    }
  }

  // `parent` is the object holding the value after the op, when known.
  void collect_at(const json::value& value, const ot::Path& at, const json::object* parent, int sign) {
    ot::Path path = at;
    const std::string* key = nullptr;
    if (!at.empty()) key = std::get_if<std::string>(&at.back());
    collect(value, key, parent, path, sign);
  }

  // The text of a task object (its "text" or "title" string), for excerpts.
  static std::string task_text(const json::object* task) {
    if (task == nullptr) return {};
    for (const char* field : {"text", "title"}) {
      if (const auto* value = task->if_contains(field); value != nullptr && value->is_string()) {
        std::string_view text(value->get_string());
        return text.size() <= 2 * kExcerptContextBytes ? std::string(text) : excerpt_around(text, 0, 0);
      }
    }
    return {};
  }
};

const json::value* find(const json::value& root, const ot::Path& path) {
  const json::value* node = &root;
  for (const ot::PathElem& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      const auto* object = node->if_object();
      if (object == nullptr) return nullptr;
      node = object->if_contains(*key);
    } else {
      const auto* array = node->if_array();
      auto index = std::get<std::int64_t>(step);
      if (array == nullptr || index < 0 || static_cast<std::size_t>(index) >= array->size()) return nullptr;
      node = &(*array)[static_cast<std::size_t>(index)];
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

// The object that contains the value at `path`, or null.
const json::object* parent_object(const json::value& root, const ot::Path& path) {
  if (path.empty()) return nullptr;
  const json::value* parent = find(root, ot::Path(path.begin(), path.end() - 1));
  return parent != nullptr ? parent->if_object() : nullptr;
}

// The path of the string a text component edits.
ot::Path text_path(const ot::Component& c) {
  if (c.subtype) return c.p;
  return ot::Path(c.p.begin(), c.p.end() - 1);
}

// False when a text component cannot change the mentions of the string it
// edits: no "<@" before the edit, no '<' or '@' inserted, and no delete
// that could join a '<' to a later '@'. This keeps the common keystroke
// from copying and rescanning a long string.
bool may_change_mentions(std::string_view before, const ot::Component& c) {
  if (before.find("<@") != std::string_view::npos) return true;
  bool deletes = c.sd.has_value();
  auto inserts_marker = [](std::string_view text) { return text.find_first_of("<@") != std::string_view::npos; };
  if (c.si && inserts_marker(c.si->utf8)) return true;
  for (const ot::TextComponent& text : c.o) {
    if (text.insert && inserts_marker(text.text.utf8)) return true;
    deletes = deletes || !text.insert;
  }
  return deletes && before.find('<') != std::string_view::npos;
}

bool is_assignee_path(const ot::Path& path) {
  const auto* key = path.empty() ? nullptr : std::get_if<std::string>(&path.back());
  return key != nullptr && *key == "assignee";
}

// Applies one component (moved into a one-element op and back).
ot::Status apply_one(json::value& document, ot::Component& component) {
  ot::Op single;
  single.push_back(std::move(component));
  ot::Status status = ot::apply(document, single);
  component = std::move(single.front());
  return status;
}

// Undoes the first `count` components, which were applied.
void undo_prefix(json::value& document, const ot::Op& op, std::size_t count) {
  ot::Op prefix(op.begin(), op.begin() + static_cast<std::ptrdiff_t>(count));
  // The inverse of components that applied always applies.
  (void)ot::apply(document, ot::invert(prefix));
}

}  // namespace

std::vector<std::string> mention_tokens(std::string_view text) {
  std::vector<std::string> users;
  scan_tokens(text, [&](std::string_view user, std::size_t) { users.emplace_back(user); });
  return users;
}

ot::Result<std::vector<Target>> apply_and_derive(json::value& document, ot::Op& op) {
  Counter counter;
  for (std::size_t i = 0; i < op.size(); ++i) {
    ot::Component& c = op[i];

    // Text edits change one string in place: count it before and after,
    // unless the edit cannot change its mentions.
    std::optional<json::value> before_text;
    bool count_text = false;
    if (c.is_text()) {
      ot::Path path = text_path(c);
      if (const json::value* text = find(document, path); text != nullptr && text->is_string()) {
        count_text = is_assignee_path(path) || may_change_mentions(text->get_string(), c);
        if (count_text) before_text = *text;
      }
    }

    if (ot::Status applied = apply_one(document, c); !applied) {
      undo_prefix(document, op, i);
      ot::Error error = applied.error();
      if (op.size() > 1) error.message = "component " + std::to_string(i) + ": " + error.message;
      return std::unexpected(std::move(error));
    }

    if (c.is_text()) {
      if (!count_text) continue;
      ot::Path path = text_path(c);
      const json::object* parent = parent_object(document, path);
      if (before_text) counter.collect_at(*before_text, path, nullptr, -1);
      if (const json::value* after = find(document, path); after != nullptr) {
        counter.collect_at(*after, path, parent, +1);
      }
      continue;
    }
    // Inserts, deletes and replaces carry the old and new values themselves.
    const json::object* parent = parent_object(document, c.p);
    if (c.ld) counter.collect_at(*c.ld, c.p, nullptr, -1);
    if (c.od) counter.collect_at(*c.od, c.p, nullptr, -1);
    if (c.li) counter.collect_at(*c.li, c.p, parent, +1);
    if (c.oi) counter.collect_at(*c.oi, c.p, parent, +1);
  }

  std::vector<Target> targets;
  for (const auto& [kind, user] : counter.order) {
    const Tally& tally = counter.tally(kind, user);
    if (tally.delta <= 0) continue;
    targets.push_back(Target{kind, user, *tally.path, tally.excerpt});
  }
  return targets;
}

}  // namespace tandem::events
