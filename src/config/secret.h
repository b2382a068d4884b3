// The JWT secret kept in the data directory when none is configured.
#pragma once

#include <string>

#include "core/error.h"

namespace tandem::config {

// Reads `<data_dir>/jwt-secret`; when missing and `create` is set, writes a
// new random 256-bit secret there with mode 0600. `created` reports whether
// a new one was written.
Result<std::string> load_or_create_secret(const std::string& data_dir, bool create, bool& created);

}  // namespace tandem::config
