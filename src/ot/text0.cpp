#include "ot/text0.h"

#include <algorithm>

#include "ot/transform_x.h"
#include "ot/utf16.h"

namespace tandem::ot {
namespace {

std::string describe_text(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::size_t shown = std::min(text.size(), kMaxShown);
  while (shown < text.size() && (static_cast<unsigned char>(text[shown]) & 0xC0) == 0x80) --shown;
  std::string quoted(1, '"');
  quoted.append(text.substr(0, shown));
  if (text.size() > kMaxShown) quoted.append("...");
  quoted.push_back('"');
  return quoted;
}

Status apply_one(boost::json::string& text, const TextComponent& c, std::vector<TextUndo>& undo) {
  std::string_view view(text.data(), text.size());
  auto at = utf16_to_byte(view, c.p);
  if (!at) {
    auto error = at.error();
    error.message = "text0 offset " + std::to_string(c.p) + ": " + error.message;
    return std::unexpected(std::move(error));
  }

  if (c.insert) {
    text.insert(*at, c.text.utf8);
    undo.push_back(TextUndo{*at, c.text.utf8.size(), {}});
    return {};
  }

  std::size_t length = c.text.utf8.size();
  if (view.substr(*at, length) != c.text.utf8) {
    auto actual = utf16_slice(view.substr(*at), 0, c.text.units);
    return fail(ErrorCode::value_mismatch, "delete of " + describe_text(c.text.utf8) + " at offset " +
                                               std::to_string(c.p) + " does not match the text there, " +
                                               describe_text(actual.value_or(std::string())));
  }
  undo.push_back(TextUndo{*at, 0, std::string(view.substr(*at, length))});
  text.erase(*at, length);
  return {};
}

std::int64_t transform_position(std::int64_t position, const TextComponent& c, bool insert_after) {
  if (c.insert) {
    if (c.p < position || (c.p == position && insert_after)) return position + c.text.units;
    return position;
  }
  if (position <= c.p) return position;
  if (position <= c.p + c.text.units) return c.p;
  return position - c.text.units;
}

Result<TextComponent> make_delete(std::string_view text, std::int64_t begin, std::int64_t end, std::int64_t at) {
  auto slice = utf16_slice(text, begin, end);
  if (!slice) return std::unexpected(slice.error());
  return TextComponent{at, false, make_text(std::move(*slice))};
}

// Delete against delete: drop the part the other delete already removed.
Status transform_delete_delete(TextOp& dest, const TextComponent& c, const TextComponent& other) {
  const auto& d = c.text;
  if (c.p >= other.p + other.text.units) {
    return text_append(dest, TextComponent{c.p - other.text.units, false, d});
  }
  if (c.p + d.units <= other.p) return text_append(dest, c);

  std::string kept;
  if (c.p < other.p) {
    auto head = utf16_slice(d.utf8, 0, other.p - c.p);
    if (!head) return std::unexpected(head.error());
    kept = std::move(*head);
  }
  if (c.p + d.units > other.p + other.text.units) {
    auto tail = utf16_slice(d.utf8, other.p + other.text.units - c.p, d.units);
    if (!tail) return std::unexpected(tail.error());
    kept += *tail;
  }

  auto start = std::max(c.p, other.p);
  auto end = std::min(c.p + d.units, other.p + other.text.units);
  auto mine = utf16_slice(d.utf8, start - c.p, end - c.p);
  auto theirs = utf16_slice(other.text.utf8, start - other.p, end - other.p);
  if (!mine || !theirs) return std::unexpected(!mine ? mine.error() : theirs.error());
  if (*mine != *theirs) {
    return fail(ErrorCode::transform_conflict,
                "concurrent deletes remove different text in the same region of the string");
  }

  if (kept.empty()) return {};
  return text_append(dest, TextComponent{transform_position(c.p, other, false), false, make_text(std::move(kept))});
}

Status transform_component(TextOp& dest, const TextComponent& c, const TextComponent& other, Side side) {
  if (c.insert) {
    return text_append(dest, TextComponent{transform_position(c.p, other, side == Side::right), true, c.text});
  }
  if (!other.insert) return transform_delete_delete(dest, c, other);

  // Delete against insert: split the delete around the inserted text.
  std::string_view rest = c.text.utf8;
  std::string tail_storage;
  if (c.p < other.p) {
    auto head = make_delete(rest, 0, other.p - c.p, c.p);
    if (!head) return std::unexpected(head.error());
    if (auto status = text_append(dest, std::move(*head)); !status) return status;
    auto tail = utf16_slice(rest, other.p - c.p, c.text.units);
    if (!tail) return std::unexpected(tail.error());
    tail_storage = std::move(*tail);
    rest = tail_storage;
  }
  if (rest.empty()) return {};
  return text_append(dest, TextComponent{c.p + other.text.units, false, make_text(std::string(rest))});
}

}  // namespace

Status text_apply(boost::json::string& text, const TextOp& op, std::vector<TextUndo>& undo) {
  for (const auto& c : op) {
    if (auto status = apply_one(text, c, undo); !status) return status;
  }
  return {};
}

void text_undo(boost::json::string& text, const std::vector<TextUndo>& undo) {
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->inserted > 0) {
      text.erase(it->at, it->inserted);
    } else {
      text.insert(it->at, it->removed);
    }
  }
}

Status text_append(TextOp& op, TextComponent c) {
  if (c.text.utf8.empty()) return {};
  if (op.empty()) {
    op.push_back(std::move(c));
    return {};
  }

  auto& last = op.back();
  if (last.insert && c.insert && last.p <= c.p && c.p <= last.p + last.text.units) {
    auto merged = utf16_inject(last.text.utf8, c.p - last.p, c.text.utf8);
    if (!merged) return std::unexpected(merged.error());
    last.text = make_text(std::move(*merged));
    return {};
  }
  if (!last.insert && !c.insert && c.p <= last.p && last.p <= c.p + c.text.units) {
    auto merged = utf16_inject(c.text.utf8, last.p - c.p, last.text.utf8);
    if (!merged) return std::unexpected(merged.error());
    last = TextComponent{c.p, false, make_text(std::move(*merged))};
    return {};
  }
  op.push_back(std::move(c));
  return {};
}

Result<TextOp> text_compose(TextOp a, const TextOp& b) {
  for (const auto& c : b) {
    if (auto status = text_append(a, c); !status) return std::unexpected(status.error());
  }
  return a;
}

TextOp text_invert(const TextOp& op) {
  TextOp inverse(op.rbegin(), op.rend());
  for (auto& c : inverse) c.insert = !c.insert;
  return inverse;
}

Result<TextOp> text_transform(const TextOp& op, const TextOp& other, Side side) {
  return transform_op<TextComponent>(op, other, side, transform_component, text_append);
}

std::int64_t text_transform_cursor(std::int64_t position, const TextOp& op, Side side) {
  for (const auto& c : op) position = transform_position(position, c, side == Side::right);
  return position;
}

}  // namespace tandem::ot
