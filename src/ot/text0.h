// The text0 type that json0 embeds for string edits: inserts and deletes at
// UTF-16 offsets. Behaviour follows ot-json0 1.1.0's lib/text0.js, except
// that offsets past the end and offsets inside a surrogate pair are rejected.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/json/string.hpp>

#include "ot/error.h"
#include "ot/op.h"

namespace tandem::ot {

// One applied text component, enough to undo it: `inserted` bytes were put
// at byte offset `at`, or `removed` bytes were taken from there.
struct TextUndo {
  std::size_t at = 0;
  std::size_t inserted = 0;
  std::string removed;
};

// Applies `op` to `text` in place. On failure the components applied so far
// stay applied and are listed in `undo`, so the caller can roll them back.
Status text_apply(boost::json::string& text, const TextOp& op, std::vector<TextUndo>& undo);

// Reverts the edits listed in `undo`, newest first.
void text_undo(boost::json::string& text, const std::vector<TextUndo>& undo);

// Appends `c` to `op`, merging it into the last component where text0 does.
Status text_append(TextOp& op, TextComponent c);

Result<TextOp> text_compose(TextOp a, const TextOp& b);
TextOp text_invert(const TextOp& op);

// Transforms `op` against the concurrent `other`; `side` breaks ties between
// inserts at the same offset (left goes first).
Result<TextOp> text_transform(const TextOp& op, const TextOp& other, Side side);

// Moves a cursor offset through `op`; `side` right puts it after an insert at
// the same offset.
std::int64_t text_transform_cursor(std::int64_t position, const TextOp& op, Side side);

}  // namespace tandem::ot
