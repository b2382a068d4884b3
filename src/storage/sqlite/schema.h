// Helpers shared by the migrations and the store for rows whose encoding is
// ours: the tags JSON column, the rows of the full-text index and snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/records.h"
#include "storage/sqlite/connection.h"

namespace tandem::storage::sqlite {

// Encodes tags as a JSON array of strings, the `documents.tags` column.
std::string tags_to_json(const std::vector<std::string>& tags);

// Decodes the `documents.tags` column; `internal` when it is not an array of
// strings (which only a damaged file can produce).
Result<std::vector<std::string>> parse_tags(std::string_view json);

// One row of `document_search`: the document's title, its content text, and
// the meta tokens (workspace and tags), under `rowid`.
struct IndexRow {
  std::int64_t rowid = 0;
  std::string title;
  std::string body;
  std::string meta;
};

Status insert_index_row(Connection& connection, const IndexRow& row);
Status delete_index_row(Connection& connection, std::int64_t rowid);

// Stores the snapshot, replacing an earlier one at the same version (the
// content at a version never differs, so replacing changes nothing real).
Status insert_snapshot(Connection& connection, std::string_view document_id,
                       const Snapshot& snapshot);

// Appends the event to the notification outbox (its seq is assigned here).
Status insert_outbox_event(Connection& connection, const OutboxEvent& event);

}  // namespace tandem::storage::sqlite
