// Numbered schema migrations. Each runs in its own transaction together with
// the row that records it in `schema_migrations`, so a crash leaves the file
// at the previous version, never half-way.
#pragma once

#include "core/error.h"
#include "storage/sqlite/connection.h"

namespace tandem::storage::sqlite {

// The newest schema version this build supports.
int latest_schema_version();

// Returns the version recorded in `schema_migrations` (0 for a new file).
Result<int> current_schema_version(Connection& connection);

// Applies every migration above the current version up to `target`
// (inclusive). Fails with `internal` when a migration fails (nothing of it
// stays) or when the file is newer than this build.
Status migrate(Connection& connection, int target = latest_schema_version());

}  // namespace tandem::storage::sqlite
