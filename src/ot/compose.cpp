// append, compose, normalize and invert, following ot-json0 1.1.0's
// json.append: a new component merges only with the last one, and only when
// both paths are equal.
#include <utility>

#include "ot/json0.h"
#include "ot/text0.h"
#include "ot/value.h"

namespace tandem::ot {
namespace {

Path string_path(const Component& c) { return Path(c.p.begin(), c.p.end() - 1); }

TextComponent legacy_to_text(const Component& c) {
  return TextComponent{std::get<std::int64_t>(c.p.back()), c.si.has_value(), c.si ? *c.si : *c.sd};
}

Component text_to_legacy(Path path, TextComponent text) {
  Component c;
  path.emplace_back(text.p);
  c.p = std::move(path);
  (text.insert ? c.si : c.sd) = std::move(text.text);
  return c;
}

// Two legacy string edits merge through text0's compose when they edit the
// same string; the result goes back to one or two legacy components.
Status append_legacy(Op& op, Component c) {
  auto& last = op.back();
  auto path = string_path(c);
  if (path != string_path(last)) {
    op.push_back(std::move(c));
    return {};
  }

  auto merged = text_compose(TextOp{legacy_to_text(last)}, TextOp{legacy_to_text(c)});
  if (!merged) return std::unexpected(merged.error());
  last = text_to_legacy(path, std::move(merged->front()));
  for (std::size_t i = 1; i < merged->size(); ++i) op.push_back(text_to_legacy(path, std::move((*merged)[i])));
  return {};
}

}  // namespace

Status append(Op& op, Component c) {
  if (op.empty()) {
    op.push_back(std::move(c));
    return {};
  }
  auto& last = op.back();
  if (c.is_legacy_text() && last.is_legacy_text()) return append_legacy(op, std::move(c));
  if (c.p != last.p) {
    op.push_back(std::move(c));
    return {};
  }

  if (c.subtype && last.subtype) {
    auto merged = text_compose(std::move(last.o), c.o);
    if (!merged) return std::unexpected(merged.error());
    last.o = std::move(*merged);
  } else if (last.na && c.na) {
    double sum = *last.na + *c.na;
    if (!make_number(sum)) return fail(ErrorCode::not_finite, "composed na is not a finite number");
    last.na = sum;
  } else if (last.li && !c.li && c.ld && strict_equal(*c.ld, *last.li)) {
    // An insert directly deleted again cancels (only for primitives, whose
    // JavaScript `===` compares values).
    if (last.ld) {
      last.li.reset();
    } else {
      op.pop_back();
    }
  } else if (last.od && !last.oi && c.oi && !c.od) {
    last.oi = std::move(c.oi);
  } else if (last.oi && c.od) {
    if (c.oi) {
      last.oi = std::move(c.oi);
    } else if (last.od) {
      last.oi.reset();
    } else {
      op.pop_back();
    }
  } else if (c.lm && std::get<std::int64_t>(c.p.back()) == *c.lm) {
    // A move onto itself does nothing.
  } else {
    op.push_back(std::move(c));
  }
  return {};
}

Result<Op> compose(const Op& a, const Op& b) {
  Op result = a;
  for (const auto& c : b) {
    if (auto status = append(result, c); !status) return std::unexpected(status.error());
  }
  return result;
}

Result<Op> normalize(const Op& op) { return compose(Op{}, op); }

Op invert(const Op& op) {
  Op inverse;
  inverse.reserve(op.size());
  for (auto it = op.rbegin(); it != op.rend(); ++it) {
    const Component& c = *it;
    Component i;
    i.p = c.p;
    if (c.subtype) {
      i.subtype = true;
      i.o = text_invert(c.o);
    }
    i.sd = c.si;
    i.si = c.sd;
    i.od = c.oi;
    i.oi = c.od;
    i.ld = c.li;
    i.li = c.ld;
    if (c.na) i.na = -*c.na;
    if (c.lm) {
      i.lm = std::get<std::int64_t>(c.p.back());
      i.p.back() = *c.lm;
    }
    inverse.push_back(std::move(i));
  }
  return inverse;
}

}  // namespace tandem::ot
