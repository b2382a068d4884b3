// The `tandem ot` subcommand: a JSON-lines interface to the json0 engine.
#pragma once

#include <istream>
#include <ostream>

namespace tandem::ot {

// Reads one JSON request per line from `in` and writes one JSON result line
// per request to `out`. Returns the process exit code.
int run_cli(std::istream& in, std::ostream& out);

}  // namespace tandem::ot
