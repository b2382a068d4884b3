// The json0 OT type, compatible with the npm package ot-json0 1.1.0, with a
// stricter apply. Pure functions over values: no I/O, no shared state, safe
// to call from any thread on distinct arguments.
//
// Where ot-json0 accepts ops that make replicas drift, apply returns an
// ErrorCode and changes nothing. It checks list bounds, ld/od/sd values, key
// existence for oi, lm targets, integer list indexes, finite numbers and
// surrogate pairs. Transform treats legacy si/sd and t:"text0" edits of one
// string as the same kind of edit. docs/ot.md lists the details.
#pragma once

#include <optional>

#include <boost/json/value.hpp>

#include "ot/error.h"
#include "ot/op.h"

namespace tandem::ot {

// Applies `op` to `document` in place. All or nothing: on any error the
// document is left exactly as it was. Call it as ot::apply: unqualified, the
// std::vector argument brings std::apply in by argument-dependent lookup.
Status apply(json::value& document, const Op& op);

// Returns the transformed `op`, to be applied after the concurrent `other`.
// ShareDB and Tandem's server transform the incoming op as left against each
// committed op as right. Fails with transform_conflict when the ops cannot
// both have been made on one document (e.g. deletes of different text at
// one offset), or with apply's errors when an ld/od value must absorb
// `other` and cannot.
Result<Op> transform(const Op& op, const Op& other, Side side);

// Returns one op with the effect of `a` then `b`. Only the last component of
// the running result merges with the next one, as in ot-json0.
Result<Op> compose(const Op& a, const Op& b);

// Returns the op that undoes `op` (applied after it).
Op invert(const Op& op);

// Returns `op` with adjacent components merged, as ot-json0's normalize.
Result<Op> normalize(const Op& op);

// json0's append: adds `c` to `op`, merging it with the last component
// where ot-json0 does. Exposed for compose-style callers and tests.
Status append(Op& op, Component c);

// A remote caret: a path to a string and a UTF-16 offset into it.
struct Cursor {
  Path path;
  std::int64_t offset = 0;
};

// Moves `cursor` through `op`, which was applied after the cursor was taken.
// Returns nullopt when the op deleted or replaced the string (or a
// container around it). `side` right keeps the cursor after text inserted
// exactly at it. See docs/ot.md for the rule.
Result<std::optional<Cursor>> transform_cursor(const Cursor& cursor, const Op& op, Side side);

}  // namespace tandem::ot
