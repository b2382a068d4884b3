// The `tandem ot` subcommand: a JSON-lines interface to the json0 engine, so
// that tests and tools in any language run the shipped code.
//
// Each input line is {"fn": NAME, "args": [...]}, with NAME and args:
//   apply [document, op]            -> the new document
//   transform [op, other, side]     -> op transformed against other ("left"/"right")
//   compose [a, b]                  -> one op with the effect of a then b
//   invert [op]                     -> the op that undoes op
//   normalize [op]                  -> op (or one bare component) normalized
//   transformCursor [cursor, op, side], cursor = {"path": [...], "offset": n}
//                                   -> the moved cursor, or null if its string is gone
// Each output line is {"result": ...} or {"error": {"code", "message"}}.
#pragma once

#include <istream>
#include <ostream>

namespace tandem::ot {

// Reads one JSON request per line from `in` and writes one JSON line per
// request to `out`, until end of input. Returns the process exit code, 0,
// because a bad request gets an error line rather than a failed exit.
int run_cli(std::istream& in, std::ostream& out);

}  // namespace tandem::ot
