// Runs the whole server from a Config: storage, services, HTTP, signals.
#pragma once

#include "config/config.h"

namespace tandem::http {

// Blocks until SIGTERM or SIGINT, then shuts down gracefully. Returns the
// process exit code (0 after a clean stop).
int run_server(config::Config config);

}  // namespace tandem::http
