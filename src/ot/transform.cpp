// json0 transform, following ot-json0 1.1.0's json.transformComponent rule
// by rule (tie-breaks and quirks included; docs/ot.md lists them). The one
// deliberate difference: legacy si/sd and t:"text0" edits of the same string
// are transformed against each other, where ot-json0 ignores the pair.
#include <optional>
#include <string>

#include "ot/json0.h"
#include "ot/text0.h"
#include "ot/transform_x.h"
#include "ot/value.h"

namespace tandem::ot {
namespace {

// A path step as JavaScript reads `p[i]`: missing steps are undefined.
const PathElem* step(const Path& path, std::int64_t i) {
  if (i < 0 || i >= static_cast<std::int64_t>(path.size())) return nullptr;
  return &path[static_cast<std::size_t>(i)];
}

std::optional<std::int64_t> as_index(const PathElem* e) {
  if (e == nullptr) return std::nullopt;
  if (const auto* index = std::get_if<std::int64_t>(e)) return *index;
  return std::nullopt;
}

// JavaScript `===` on path steps.
bool same(const PathElem* a, const PathElem* b) { return a != nullptr && b != nullptr && *a == *b; }

// JavaScript `==` on path steps: undefined equals undefined, and a key equals
// an index with the same decimal spelling.
bool loosely_same(const PathElem* a, const PathElem* b) {
  if (a == nullptr || b == nullptr) return a == b;
  if (a->index() == b->index()) return *a == *b;
  const auto* index = std::get_if<std::int64_t>(a) ? a : b;
  const auto* key = index == a ? b : a;
  return std::to_string(std::get<std::int64_t>(*index)) == std::get<std::string>(*key);
}

// `a < b` and `a <= b` for list indexes. Comparisons involving keys or
// missing steps only happen for ops that cannot share a document, and are false.
bool less(const PathElem* a, const PathElem* b) {
  auto x = as_index(a);
  auto y = as_index(b);
  return x && y && *x < *y;
}
bool less_equal(const PathElem* a, const PathElem* b) {
  auto x = as_index(a);
  auto y = as_index(b);
  return x && y && *x <= *y;
}

void bump(Path& path, std::int64_t i, std::int64_t delta) {
  if (i < 0 || i >= static_cast<std::int64_t>(path.size())) return;
  if (auto* index = std::get_if<std::int64_t>(&path[static_cast<std::size_t>(i)])) *index += delta;
}

// Path length, counting the operand of na and t as one more step.
std::int64_t operand_length(const Component& c) {
  return static_cast<std::int64_t>(c.p.size()) + ((c.na || c.subtype) ? 1 : 0);
}

// ot-json0's commonLengthForOps: the depth at which `b` may be affected by
// `a`, or nullopt when their paths diverge before that.
std::optional<std::int64_t> common_length(const Component& a, const Component& b) {
  auto alen = operand_length(a);
  auto blen = operand_length(b);
  if (alen == 0) return -1;
  if (blen == 0) return std::nullopt;
  --alen;
  --blen;
  for (std::int64_t i = 0; i < alen; ++i) {
    if (i >= blen || !same(step(a.p, i), step(b.p, i))) return std::nullopt;
  }
  return alen;
}

// The string a text edit targets, and its edits in text0 form.
Path text_target(const Component& c) {
  return c.subtype ? c.p : Path(c.p.begin(), c.p.end() - 1);
}
TextOp text_edits(const Component& c) {
  if (c.subtype) return c.o;
  return TextOp{TextComponent{std::get<std::int64_t>(c.p.back()), c.si.has_value(), c.si ? *c.si : *c.sd}};
}

// Both components edit text in one string: transform with text0 and emit
// the result in the form `c` came in.
Status transform_text(Op& dest, const Component& c, const Component& other, Side side) {
  auto result = text_transform(text_edits(c), text_edits(other), side);
  if (!result) return std::unexpected(result.error());

  if (c.subtype) {
    if (result->empty()) return {};
    Component transformed = c;
    transformed.o = std::move(*result);
    return append(dest, std::move(transformed));
  }
  auto path = text_target(c);
  for (auto& edit : *result) {
    Component piece;
    piece.p = path;
    piece.p.emplace_back(edit.p);
    (edit.insert ? piece.si : piece.sd) = std::move(edit.text);
    if (auto status = append(dest, std::move(piece)); !status) return status;
  }
  return {};
}

// If `c` deletes a value that `other` edits inside, apply that edit to the
// value `c` carries, so that inverting `c` restores the edited value.
Status absorb_nested_edit(Component& c, const Component& other, std::optional<std::int64_t> common2,
                          std::int64_t length, std::int64_t other_length) {
  if (!common2 || other_length <= length || !loosely_same(step(c.p, *common2), step(other.p, *common2))) return {};
  if (!c.ld && !c.od) return {};

  Component nested = other;
  nested.p.erase(nested.p.begin(), nested.p.begin() + std::min<std::int64_t>(length, nested.p.size()));
  json::value& carried = c.ld ? *c.ld : *c.od;
  if (auto status = ot::apply(carried, Op{std::move(nested)}); !status) {
    auto error = status.error();
    error.message = "cannot carry a concurrent edit into the deleted value: " + error.message;
    return std::unexpected(std::move(error));
  }
  return {};
}

// c against a list move `other` (see the lm branch of ot-json0's transformComponent).
// Returns false when c is dropped.
bool transform_against_move(Component& c, const Component& other, std::int64_t common, std::int64_t length,
                            std::int64_t other_length, Side side) {
  auto at = static_cast<std::size_t>(common);
  auto other_from = as_index(step(other.p, common)).value_or(-1);
  auto other_to = *other.lm;

  if (c.lm && length == other_length) {
    auto from = as_index(step(c.p, common)).value_or(-1);
    auto to = *c.lm;
    if (other_from == other_to) return true;
    if (from == other_from) {
      if (side == Side::right) return false;
      c.p[at] = other_to;
      if (from == to) c.lm = other_to;
      return true;
    }
    if (from > other_from) bump(c.p, common, -1);
    if (from > other_to) {
      bump(c.p, common, 1);
    } else if (from == other_to && other_from > other_to) {
      bump(c.p, common, 1);
      if (from == to) *c.lm += 1;
    }
    if (to > other_from) {
      *c.lm -= 1;
    } else if (to == other_from && to > from) {
      *c.lm -= 1;
    }
    if (to > other_to) {
      *c.lm += 1;
    } else if (to == other_to) {
      bool same_direction = (other_to > other_from && to > from) || (other_to < other_from && to < from);
      if (same_direction) {
        if (side == Side::right) *c.lm += 1;
      } else if (to > from) {
        *c.lm += 1;
      } else if (to == other_from) {
        *c.lm -= 1;
      }
    }
    return true;
  }

  auto p = as_index(step(c.p, common));
  if (!p) return true;
  if (c.li && !c.ld && length == other_length) {
    if (*p > other_from) bump(c.p, common, -1);
    if (*p > other_to) bump(c.p, common, 1);
    return true;
  }
  // Everything else follows the moved element.
  if (*p == other_from) {
    c.p[at] = other_to;
  } else {
    if (*p > other_from) bump(c.p, common, -1);
    if (*p > other_to) {
      bump(c.p, common, 1);
    } else if (*p == other_to && other_from > other_to) {
      bump(c.p, common, 1);
    }
  }
  return true;
}

// The structural rules: c against a list or object edit `other`. Returns
// false when c is dropped. May append an extra component to dest first.
Result<bool> transform_structure(Op& dest, Component& c, const Component& other, std::int64_t common,
                                 std::int64_t length, std::int64_t other_length, Side side) {
  bool same_operand = length == other_length;
  const PathElem* mine = step(c.p, common);
  const PathElem* theirs = step(other.p, common);

  if (other.li && other.ld) {
    if (!same(theirs, mine)) return true;
    if (!same_operand) return false;
    if (c.ld) {
      if (c.li && side == Side::left) {
        c.ld = *other.li;
      } else {
        return false;
      }
    }
    return true;
  }
  if (other.li) {
    if (c.li && !c.ld && same_operand && same(mine, theirs)) {
      if (side == Side::right) bump(c.p, common, 1);
    } else if (less_equal(theirs, mine)) {
      bump(c.p, common, 1);
    }
    if (c.lm && same_operand) {
      auto index = as_index(theirs);
      if (index && *index <= *c.lm) *c.lm += 1;
    }
    return true;
  }
  if (other.ld) {
    if (c.lm && same_operand) {
      if (same(theirs, mine)) return false;
      auto p = as_index(theirs);
      auto from = as_index(mine);
      auto to = *c.lm;
      if (p && (*p < to || (*p == to && from && *from < to))) *c.lm -= 1;
    }
    if (less(theirs, mine)) {
      bump(c.p, common, -1);
    } else if (same(theirs, mine)) {
      if (other_length < length) return false;
      if (c.ld) {
        if (!c.li) return false;
        c.ld.reset();
      }
    }
    return true;
  }
  if (other.lm) return transform_against_move(c, other, common, length, other_length, side);
  if (other.oi && other.od) {
    if (!same(mine, theirs)) return true;
    if (!c.oi || !same_operand) return false;
    if (side == Side::right) return false;
    c.od = *other.oi;
    return true;
  }
  if (other.oi) {
    if (c.oi && same(mine, theirs)) {
      if (side == Side::right) return false;
      Component replaced;
      replaced.p = c.p;
      replaced.od = *other.oi;
      if (auto status = append(dest, std::move(replaced)); !status) return std::unexpected(status.error());
    }
    return true;
  }
  if (other.od) {
    if (!loosely_same(mine, theirs)) return true;
    if (!same_operand) return false;
    if (!c.oi) return false;
    c.od.reset();
    return true;
  }
  return true;
}

Status transform_component(Op& dest, const Component& original, const Component& other, Side side) {
  Component c = original;
  auto common = common_length(other, c);
  auto common2 = common_length(c, other);
  auto length = operand_length(c);
  auto other_length = operand_length(other);

  if (auto status = absorb_nested_edit(c, other, common2, length, other_length); !status) return status;

  if (common) {
    bool both_legacy = c.is_legacy_text() && other.is_legacy_text();
    bool mixed_forms = c.is_text() && other.is_text() && !both_legacy && c.subtype != other.subtype;
    bool text_pair = both_legacy || (c.subtype && other.subtype) ||
                     (mixed_forms && text_target(c) == text_target(other));
    if (text_pair) return transform_text(dest, c, other, side);

    if (!other.subtype && !other.na && !other.is_legacy_text()) {
      auto keep = transform_structure(dest, c, other, *common, length, other_length, side);
      if (!keep) return std::unexpected(keep.error());
      if (!*keep) return {};
    }
  }
  return append(dest, std::move(c));
}

}  // namespace

Result<Op> transform(const Op& op, const Op& other, Side side) {
  return transform_op<Component>(op, other, side, transform_component, append);
}

Result<std::optional<Cursor>> transform_cursor(const Cursor& cursor, const Op& op, Side side) {
  // The cursor travels as a probe edit of its string: path rules move it
  // like any edit inside that string, and edits of the string itself move
  // the offset as text0's transformCursor does.
  Cursor result = cursor;
  for (const auto& c : op) {
    if (c.is_text() && text_target(c) == result.path) {
      result.offset = text_transform_cursor(result.offset, text_edits(c), side);
      continue;
    }

    Component probe;
    probe.p = result.path;
    probe.subtype = true;
    probe.o = TextOp{TextComponent{result.offset, true, make_text(" ")}};
    Op moved;
    if (auto status = transform_component(moved, probe, c, side); !status) return std::unexpected(status.error());
    if (moved.empty()) return std::optional<Cursor>();
    result.path = moved.front().p;
  }
  return std::optional<Cursor>(std::move(result));
}

}  // namespace tandem::ot
