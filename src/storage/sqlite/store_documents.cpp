// Documents: create, read, list newest first, change metadata, delete. Every
// write keeps the full-text index in the same transaction.
#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "search/text.h"
#include "search/tokens.h"
#include "storage/sqlite/cursor.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

constexpr std::string_view kDocumentColumns =
    "d.id, d.workspace_id, d.title, s.content, s.version, d.version, d.tags, d.created_by, "
    "d.last_edited_by, d.created_at, d.updated_at, d.rev, d.search_rowid";

// Joins each document row `d` with its newest snapshot `s` (one index seek).
constexpr std::string_view kNewestSnapshotJoin =
    "JOIN document_snapshots s ON s.rowid = (SELECT rowid FROM document_snapshots "
    "WHERE document_id = d.id ORDER BY version DESC LIMIT 1)";

// A document row as stored, with the positions that the API does not show.
struct StoredDocument {
  Document document;
  std::int64_t rev = 0;
  std::int64_t search_rowid = 0;
};

Result<StoredDocument> read_document(const Statement& row) {
  Result<std::vector<std::string>> tags = parse_tags(row.text(6));
  if (!tags) {
    return fail(ErrorCode::internal,
                fmt::format("document {}: {}", row.text(0), tags.error().message));
  }
  StoredDocument stored;
  Document& document = stored.document;
  document.id = row.text(0);
  document.workspace_id = row.text(1);
  document.title = row.text(2);
  document.content_json = row.text(3);
  document.content_version = row.integer(4);
  document.version = row.integer(5);
  document.tags = std::move(*tags);
  document.created_by = row.text(7);
  document.last_edited_by = row.text(8);
  document.created_at = row.integer(9);
  document.updated_at = row.integer(10);
  stored.rev = row.integer(11);
  stored.search_rowid = row.integer(12);
  return stored;
}

Result<std::optional<StoredDocument>> load_document(Connection& connection,
                                                    std::string_view document_id) {
  static const std::string sql = fmt::format(
      "SELECT {} FROM documents d {} WHERE d.id = ?1 AND d.deleted_at IS NULL", kDocumentColumns,
      kNewestSnapshotJoin);
  auto query = connection.prepare(sql);
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, document_id).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<StoredDocument>();
  }
  Result<StoredDocument> stored = read_document(*query);
  if (!stored) {
    return std::unexpected(stored.error());
  }
  return std::optional<StoredDocument>(std::move(*stored));
}

std::unexpected<Error> document_not_found(std::string_view document_id) {
  return fail(ErrorCode::not_found, fmt::format("document {} not found", document_id));
}

// Keeps the first occurrence of each tag, in the order given.
std::vector<std::string> unique_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> unique;
  for (const std::string& tag : tags) {
    if (std::find(unique.begin(), unique.end(), tag) == unique.end()) {
      unique.push_back(tag);
    }
  }
  return unique;
}

Status replace_tags(Connection& connection, const Document& document, std::int64_t rev) {
  auto remove = connection.prepare("DELETE FROM document_tags WHERE document_id = ?1");
  if (!remove) {
    return std::unexpected(remove.error());
  }
  Status removed = remove->bind(1, document.id).run();
  if (!removed) {
    return removed;
  }
  for (const std::string& tag : document.tags) {
    auto insert = connection.prepare(
        "INSERT INTO document_tags (document_id, tag, workspace_id, rev) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (!insert) {
      return std::unexpected(insert.error());
    }
    Status inserted =
        insert->bind(1, document.id).bind(2, tag).bind(3, document.workspace_id).bind(4, rev).run();
    if (!inserted) {
      return inserted;
    }
  }
  return {};
}

Result<std::string> read_index_body(Connection& connection, std::int64_t rowid) {
  auto query = connection.prepare("SELECT body FROM document_search WHERE rowid = ?1");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, rowid).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return *row ? query->text(0) : std::string();
}

Status insert_document_row(Connection& connection, const Document& document,
                           std::int64_t sequence) {
  auto insert = connection.prepare(
      "INSERT INTO documents (id, workspace_id, title, version, tags, created_by, "
      "last_edited_by, created_at, updated_at, rev, search_rowid) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
  if (!insert) {
    return std::unexpected(insert.error());
  }
  Status inserted = insert->bind(1, document.id)
                        .bind(2, document.workspace_id)
                        .bind(3, document.title)
                        .bind(4, document.version)
                        .bind(5, tags_to_json(document.tags))
                        .bind(6, document.created_by)
                        .bind(7, document.last_edited_by)
                        .bind(8, document.created_at)
                        .bind(9, document.updated_at)
                        .bind(10, sequence)
                        .run();
  if (!inserted) {
    return inserted;
  }

  // The content at creation is the document's first snapshot.
  return insert_snapshot(connection, document.id,
                         Snapshot{document.version, document.content_json});
}

Result<bool> workspace_exists(Connection& connection, std::string_view workspace_id) {
  auto query = connection.prepare("SELECT 1 FROM workspaces WHERE id = ?1");
  if (!query) {
    return std::unexpected(query.error());
  }
  return query->bind(1, workspace_id).step();
}

Status validate_list_query(const ListQuery& query) {
  if (query.limit < 1 || query.limit > kMaxListLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", query.limit,
                            kMaxListLimit));
  }
  return {};
}

}  // namespace

Result<Document> SqliteStore::create_document(const NewDocument& request) {
  // Extract the search text on the caller's thread, so the writer only writes.
  Result<std::string> body = search::extract_text(request.content_json);
  if (!body) {
    return std::unexpected(body.error());
  }

  Document document;
  document.id = request.id;
  document.workspace_id = request.workspace_id;
  document.title = request.title;
  document.content_json = request.content_json;
  document.tags = unique_tags(request.tags);
  document.created_by = request.created_by;
  document.last_edited_by = request.created_by;
  document.created_at = request.created_at;
  document.updated_at = request.created_at;
  Result<Document> created = writer_->run<Document>([&](Connection& connection) -> Result<Document> {
    Result<bool> exists = workspace_exists(connection, document.workspace_id);
    if (!exists) {
      return std::unexpected(exists.error());
    }
    if (!*exists) {
      return fail(ErrorCode::not_found,
                  fmt::format("workspace {} not found", document.workspace_id));
    }

    Document stored = document;
    const std::int64_t sequence = next_sequence();
    stored.updated_at = monotonic_updated_at(document.created_at);
    Status written = insert_document_row(connection, stored, sequence);
    if (written) {
      written = replace_tags(connection, stored, sequence);
    }
    if (written) {
      written = insert_index_row(
          connection, IndexRow{sequence, search::strip_control_characters(stored.title), *body,
                               search::meta_text(stored.workspace_id, stored.tags)});
    }
    if (!written) {
      return std::unexpected(written.error());
    }
    return stored;
  });
  if (!created) {
    log_write_failure(std::unexpected(created.error()),
                      fmt::format("creating document {} in workspace {}", request.id,
                                  request.workspace_id));
  }
  return created;
}

Result<std::optional<Document>> SqliteStore::find_document(std::string_view document_id) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<Document>> {
    Result<std::optional<StoredDocument>> stored = load_document(connection, document_id);
    if (!stored) {
      return std::unexpected(stored.error());
    }
    if (!stored->has_value()) {
      return std::optional<Document>();
    }
    return std::optional<Document>(std::move((*stored)->document));
  });
}

Result<DocumentPage> SqliteStore::list_documents(const ListQuery& query) {
  Status valid = validate_list_query(query);
  if (!valid) {
    return std::unexpected(valid.error());
  }
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  if (query.cursor) {
    Result<std::int64_t> decoded = decode_cursor(*query.cursor);
    if (!decoded) {
      return std::unexpected(decoded.error());
    }
    before = *decoded;
  }

  // Both plans walk an index on (workspace[, tag], rev) downwards from the
  // cursor and stop after limit + 1 rows (an extra row means another page follows).
  static const std::string all_sql = fmt::format(
      "SELECT {} FROM documents d {} WHERE d.workspace_id = ?1 AND d.deleted_at IS NULL "
      "AND d.rev < ?2 ORDER BY d.rev DESC LIMIT ?3",
      kDocumentColumns, kNewestSnapshotJoin);
  static const std::string tag_sql = fmt::format(
      "SELECT {} FROM document_tags t JOIN documents d ON d.id = t.document_id {} "
      "WHERE t.workspace_id = ?1 AND t.tag = ?4 AND t.rev < ?2 AND d.deleted_at IS NULL "
      "ORDER BY t.rev DESC LIMIT ?3",
      kDocumentColumns, kNewestSnapshotJoin);

  return readers_->with_snapshot([&](Connection& connection) -> Result<DocumentPage> {
    auto statement = connection.prepare(query.tag ? tag_sql : all_sql);
    if (!statement) {
      return std::unexpected(statement.error());
    }
    statement->bind(1, query.workspace_id).bind(2, before).bind(3, std::int64_t{query.limit} + 1);
    if (query.tag) {
      statement->bind(4, *query.tag);
    }

    DocumentPage page;
    std::int64_t last_rev = 0;
    for (;;) {
      Result<bool> row = statement->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return page;
      }
      if (page.documents.size() == static_cast<std::size_t>(query.limit)) {
        page.next_cursor = encode_cursor(last_rev);
        return page;
      }
      Result<StoredDocument> stored = read_document(*statement);
      if (!stored) {
        return std::unexpected(stored.error());
      }
      last_rev = stored->rev;
      page.documents.push_back(std::move(stored->document));
    }
  });
}

Result<Document> SqliteStore::update_document_meta(std::string_view document_id,
                                                   const DocumentMetaUpdate& update) {
  const std::string id(document_id);
  Result<Document> updated = writer_->run<Document>([&](Connection& connection) -> Result<Document> {
    Result<std::optional<StoredDocument>> loaded = load_document(connection, id);
    if (!loaded) {
      return std::unexpected(loaded.error());
    }
    if (!loaded->has_value()) {
      return document_not_found(id);
    }
    StoredDocument& stored = **loaded;
    Document& document = stored.document;

    // Apply the change and move the document to the front of update order.
    if (update.title) {
      document.title = *update.title;
    }
    if (update.tags) {
      document.tags = unique_tags(*update.tags);
    }
    document.last_edited_by = update.edited_by;
    document.updated_at = monotonic_updated_at(update.edited_at);
    const std::int64_t sequence = next_sequence();

    auto write = connection.prepare(
        "UPDATE documents SET title = ?2, tags = ?3, last_edited_by = ?4, updated_at = ?5, "
        "rev = ?6, search_rowid = ?6 WHERE id = ?1");
    if (!write) {
      return std::unexpected(write.error());
    }
    Status written = write->bind(1, id)
                         .bind(2, document.title)
                         .bind(3, tags_to_json(document.tags))
                         .bind(4, document.last_edited_by)
                         .bind(5, document.updated_at)
                         .bind(6, sequence)
                         .run();
    if (written) {
      written = replace_tags(connection, document, sequence);
    }

    // Move the index row to the new rowid, keeping the indexed body text.
    Result<std::string> body = read_index_body(connection, stored.search_rowid);
    if (written && !body) {
      written = std::unexpected(body.error());
    }
    if (written) {
      written = delete_index_row(connection, stored.search_rowid);
    }
    if (written) {
      written = insert_index_row(
          connection, IndexRow{sequence, search::strip_control_characters(document.title), *body,
                               search::meta_text(document.workspace_id, document.tags)});
    }
    if (!written) {
      return std::unexpected(written.error());
    }
    return document;
  });
  if (!updated) {
    log_write_failure(std::unexpected(updated.error()), fmt::format("updating document {}", id));
  }
  return updated;
}

Status SqliteStore::delete_document(std::string_view document_id) {
  const std::string id(document_id);
  Status deleted = writer_->submit([&](Connection& connection) -> Status {
    Result<std::optional<StoredDocument>> loaded = load_document(connection, id);
    if (!loaded) {
      return std::unexpected(loaded.error());
    }
    if (!loaded->has_value()) {
      return document_not_found(id);
    }

    // Soft delete: the row, its ops and snapshots stay (the op log refers
    // to it) but it leaves every listing, the tag table and the index.
    auto mark = connection.prepare(
        "UPDATE documents SET deleted_at = ?2, search_rowid = NULL WHERE id = ?1");
    if (!mark) {
      return std::unexpected(mark.error());
    }
    Status written = mark->bind(1, id).bind(2, now_unix_ms()).run();
    if (written) {
      auto tags = connection.prepare("DELETE FROM document_tags WHERE document_id = ?1");
      written = tags ? tags->bind(1, id).run() : Status(std::unexpected(tags.error()));
    }
    if (written) {
      written = delete_index_row(connection, (*loaded)->search_rowid);
    }
    return written;
  }).get();
  log_write_failure(deleted, fmt::format("deleting document {}", id));
  return deleted;
}

}  // namespace tandem::storage::sqlite
