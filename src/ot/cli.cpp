#include "ot/cli.h"

namespace tandem::ot {

// TODO: placeholder until the json0 engine lands.
int run_cli(std::istream&, std::ostream& out) {
  out << "{\"error\":{\"code\":\"not_implemented\",\"message\":\"ot engine not built yet\"}}\n";
  return 1;
}

}  // namespace tandem::ot
