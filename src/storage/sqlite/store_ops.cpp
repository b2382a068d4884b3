// The op log: op commits through the group-commit writer, reads of ops and
// snapshots, the debounced search reindex and the database id.
//
// An op commit writes only small rows: the op, the document's version and
// positions, and at times a snapshot. It leaves the full-text index alone so
// that commits stay cheap, and reindex_document catches the index up later.
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "search/text.h"
#include "search/tokens.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

std::unexpected<Error> document_not_found(std::string_view document_id) {
  return fail(ErrorCode::not_found, fmt::format("document {} not found", document_id));
}

// The version of a live (not deleted) document, or nullopt.
Result<std::optional<std::int64_t>> live_version(Connection& connection,
                                                 std::string_view document_id) {
  auto query =
      connection.prepare("SELECT version FROM documents WHERE id = ?1 AND deleted_at IS NULL");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, document_id).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return *row ? std::optional<std::int64_t>(query->integer(0)) : std::nullopt;
}

// Like live_version, but not_found when the document is missing or deleted.
Result<std::int64_t> require_live_version(Connection& connection, std::string_view document_id) {
  Result<std::optional<std::int64_t>> version = live_version(connection, document_id);
  if (!version) {
    return std::unexpected(version.error());
  }
  if (!version->has_value()) {
    return document_not_found(document_id);
  }
  return **version;
}

constexpr std::string_view kOpColumns =
    "document_id, version, op, user_id, client_id, seq, created_at";

OpRecord read_op(const Statement& row) {
  OpRecord op;
  op.document_id = row.text(0);
  op.version = row.integer(1);
  op.op_json = row.text(2);
  op.user_id = row.text(3);
  op.client_id = row.text(4);
  op.seq = row.integer(5);
  op.created_at = row.integer(6);
  return op;
}

// Steps a bound query that selects kOpColumns and returns the op of its
// first row, if there is one.
Result<std::optional<OpRecord>> read_optional_op(Statement& query) {
  Result<bool> row = query.step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return *row ? std::optional<OpRecord>(read_op(query)) : std::nullopt;
}

// The highest committed seq of a client on a document and the version it
// produced, from op_clients.
struct ClientKey {
  std::int64_t seq = 0;
  std::int64_t version = 0;
};

Result<std::optional<ClientKey>> load_client_key(Connection& connection, std::string_view document_id,
                                                 std::string_view client_id) {
  auto query = connection.prepare(
      "SELECT seq, version FROM op_clients WHERE document_id = ?1 AND client_id = ?2");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, document_id).bind(2, client_id).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return *row ? std::optional<ClientKey>(ClientKey{query->integer(0), query->integer(1)}) : std::nullopt;
}

// The op (client_id, seq) produced on the document, if it is still in the
// log. The newest seq of a client is found at once by its version. An older
// one needs a scan of the document's ops, because a client may commit a
// lower seq after a higher one.
Result<std::optional<OpRecord>> load_op(Connection& connection, std::string_view document_id,
                                        std::string_view client_id, std::int64_t seq) {
  Result<std::optional<ClientKey>> key = load_client_key(connection, document_id, client_id);
  if (!key) {
    return std::unexpected(key.error());
  }
  if (!key->has_value() || seq > (*key)->seq) {
    return std::optional<OpRecord>();
  }

  if (seq == (*key)->seq) {
    static const std::string by_version = fmt::format(
        "SELECT {} FROM ops WHERE document_id = ?1 AND version = ?2 AND client_id = ?3 AND seq = ?4",
        kOpColumns);
    auto query = connection.prepare(by_version);
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(1, document_id).bind(2, (*key)->version).bind(3, client_id).bind(4, seq);
    return read_optional_op(*query);
  }

  static const std::string by_scan = fmt::format(
      "SELECT {} FROM ops WHERE document_id = ?1 AND client_id = ?2 AND seq = ?3 ORDER BY version DESC LIMIT 1",
      kOpColumns);
  auto query = connection.prepare(by_scan);
  if (!query) {
    return std::unexpected(query.error());
  }
  query->bind(1, document_id).bind(2, client_id).bind(3, seq);
  return read_optional_op(*query);
}

std::unexpected<Error> already_logged(const OpRecord& op, std::int64_t version) {
  return fail(ErrorCode::invalid_request,
              fmt::format("client {} seq {} already committed version {} of document {}; "
                          "read that op with find_op instead of committing it again",
                          op.client_id, op.seq, version, op.document_id));
}

// Records op's seq as its client's highest on the document. Returns false,
// and changes nothing, when the client already committed this seq or a
// higher one.
Result<bool> claim_client_seq(Connection& connection, const OpRecord& op) {
  auto upsert = connection.prepare(
      "INSERT INTO op_clients (document_id, client_id, seq, version) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (document_id, client_id) DO UPDATE SET seq = excluded.seq, "
      "version = excluded.version WHERE excluded.seq > op_clients.seq");
  if (!upsert) {
    return std::unexpected(upsert.error());
  }
  Status run = upsert->bind(1, op.document_id).bind(2, op.client_id).bind(3, op.seq).bind(4, op.version).run();
  if (!run) {
    return std::unexpected(run.error());
  }
  return sqlite3_changes(connection.handle()) == 1;
}

// Fails with invalid_request when (client_id, seq) already produced an op
// here. The client's newest seq counts as committed even after retention
// pruned its op, so it can never commit twice.
Status check_not_logged(Connection& connection, const OpRecord& op) {
  Result<std::optional<ClientKey>> key = load_client_key(connection, op.document_id, op.client_id);
  if (!key) {
    return std::unexpected(key.error());
  }
  if (key->has_value() && (*key)->seq == op.seq) {
    return already_logged(op, (*key)->version);
  }
  Result<std::optional<OpRecord>> logged = load_op(connection, op.document_id, op.client_id, op.seq);
  if (!logged) {
    return std::unexpected(logged.error());
  }
  if (logged->has_value()) {
    return already_logged(op, (*logged)->version);
  }
  return {};
}

Status check_next_version(const OpRecord& op, std::int64_t current) {
  if (op.version == current + 1) {
    return {};
  }
  return std::unexpected(Error{
      ErrorCode::version_conflict,
      fmt::format("op version {} does not follow version {} of document {}: the next op must "
                  "have version {}",
                  op.version, current, op.document_id, current + 1),
      current});
}

Status insert_op(Connection& connection, const OpRecord& op) {
  auto insert = connection.prepare(
      "INSERT INTO ops (document_id, version, op, user_id, client_id, seq, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert) {
    return std::unexpected(insert.error());
  }
  return insert->bind(1, op.document_id)
      .bind(2, op.version)
      .bind(3, op.op_json)
      .bind(4, op.user_id)
      .bind(5, op.client_id)
      .bind(6, op.seq)
      .bind(7, op.created_at)
      .run();
}

// Sets the new version and author, and moves the document (and its tag rows)
// to update position `rev` in the newest-first listings. Returns false, and
// changes nothing, unless the document is live and at the version before
// `op`: the UPDATE's condition is the op's version check.
Result<bool> advance_document(Connection& connection, const OpRecord& op, std::int64_t updated_at,
                              std::int64_t rev) {
  auto update = connection.prepare(
      "UPDATE documents SET version = ?2, last_edited_by = ?3, updated_at = ?4, rev = ?5 "
      "WHERE id = ?1 AND version = ?2 - 1 AND deleted_at IS NULL");
  if (!update) {
    return std::unexpected(update.error());
  }
  Status updated = update->bind(1, op.document_id)
                       .bind(2, op.version)
                       .bind(3, op.user_id)
                       .bind(4, updated_at)
                       .bind(5, rev)
                       .run();
  if (!updated) {
    return std::unexpected(updated.error());
  }
  if (sqlite3_changes(connection.handle()) == 0) {
    return false;
  }

  auto tags = connection.prepare("UPDATE document_tags SET rev = ?2 WHERE document_id = ?1");
  if (!tags) {
    return std::unexpected(tags.error());
  }
  Status moved = tags->bind(1, op.document_id).bind(2, rev).run();
  if (!moved) {
    return std::unexpected(moved.error());
  }
  return true;
}

// The error for an op whose document advance_document did not match:
// not_found, or version_conflict with the current version.
Status explain_not_advanced(Connection& connection, const OpRecord& op) {
  Result<std::int64_t> current = require_live_version(connection, op.document_id);
  if (!current) {
    return std::unexpected(current.error());
  }
  Status checked = check_next_version(op, *current);
  if (!checked) {
    return checked;
  }
  return fail(ErrorCode::internal,
              fmt::format("document {} did not advance to version {}", op.document_id, op.version));
}

Status validate_range(std::int64_t from_version, std::int64_t to_version, int limit) {
  if (from_version < 0 || to_version < from_version) {
    return fail(ErrorCode::invalid_request,
                fmt::format("op range ({}, {}] is invalid: use 0 <= from <= to", from_version,
                            to_version));
  }
  if (limit < 1 || limit > kMaxOpsLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", limit, kMaxOpsLimit));
  }
  return {};
}

Status validate_snapshot_content(std::string_view document_id, const Snapshot& snapshot) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(snapshot.content_json, error);
  if (error || !value.is_object()) {
    return fail(ErrorCode::invalid_request,
                fmt::format("snapshot of document {} at version {} is not a JSON object",
                            document_id, snapshot.version));
  }
  return {};
}

// The document fields that reindex_document needs besides the content.
struct IndexedDocument {
  std::string workspace_id;
  std::string title;
  std::vector<std::string> tags;
  std::int64_t search_rowid = 0;
};

Result<std::optional<IndexedDocument>> load_indexed_document(Connection& connection,
                                                             std::string_view document_id) {
  auto query = connection.prepare(
      "SELECT workspace_id, title, tags, search_rowid FROM documents "
      "WHERE id = ?1 AND deleted_at IS NULL");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, document_id).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<IndexedDocument>();
  }
  Result<std::vector<std::string>> tags = parse_tags(query->text(2));
  if (!tags) {
    return fail(ErrorCode::internal,
                fmt::format("document {}: {}", document_id, tags.error().message));
  }
  return std::optional<IndexedDocument>(
      IndexedDocument{query->text(0), query->text(1), std::move(*tags), query->integer(3)});
}

}  // namespace

void SqliteStore::commit_op(OpCommit commit, std::function<void(const Status&)> done) {
  // Shared because the writer's std::function callbacks must be copyable.
  auto shared = std::make_shared<const OpCommit>(std::move(commit));
  writer_->submit(
      [this, shared](Connection& connection) { return write_op(connection, *shared); },
      [this, shared, done = std::move(done)](const Status& status) {
        if (!status) {
          log_write_failure(status, fmt::format("committing version {} of document {}",
                                                shared->op.version, shared->op.document_id));
        }
        done(status);
      });
}

Status SqliteStore::write_op(Connection& connection, const OpCommit& commit) {
  const OpRecord& op = commit.op;

  // The advance comes first because its UPDATE also checks that the
  // document is live and at the previous version, which saves a read per op.
  Result<bool> advanced =
      advance_document(connection, op, monotonic_updated_at(op.created_at), next_sequence());
  if (!advanced) {
    return std::unexpected(advanced.error());
  }
  if (!*advanced) {
    return explain_not_advanced(connection, op);
  }

  // A seq above the client's highest is new, so dedup costs one small write.
  // Only a lower or equal seq needs a search of the op log. The writer's
  // savepoint undoes the advance when any step here fails. The search index
  // keeps its row (and rowid) until reindex_document.
  Result<bool> newest = claim_client_seq(connection, op);
  if (!newest) {
    return std::unexpected(newest.error());
  }
  if (!*newest) {
    Status logged = check_not_logged(connection, op);
    if (!logged) {
      return logged;
    }
  }
  Status written = insert_op(connection, op);
  if (written && commit.snapshot_json) {
    written = insert_snapshot(connection, op.document_id, Snapshot{op.version, *commit.snapshot_json});
  }
  // The transactional outbox: the op's events commit or roll back with it.
  for (std::size_t i = 0; written && i < commit.events.size(); ++i) {
    written = insert_outbox_event(connection, commit.events[i]);
  }
  return written;
}

Result<std::vector<OpRecord>> SqliteStore::list_ops(std::string_view document_id,
                                                    std::int64_t from_version,
                                                    std::int64_t to_version, int limit) {
  Status valid = validate_range(from_version, to_version, limit);
  if (!valid) {
    return std::unexpected(valid.error());
  }
  static const std::string sql = fmt::format(
      "SELECT {} FROM ops WHERE document_id = ?1 AND version > ?2 AND version <= ?3 "
      "ORDER BY version LIMIT ?4",
      kOpColumns);

  return readers_->with_snapshot([&](Connection& connection) -> Result<std::vector<OpRecord>> {
    Result<std::int64_t> exists = require_live_version(connection, document_id);
    if (!exists) {
      return std::unexpected(exists.error());
    }
    auto query = connection.prepare(sql);
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(1, document_id).bind(2, from_version).bind(3, to_version).bind(4, std::int64_t{limit});

    std::vector<OpRecord> ops;
    for (;;) {
      Result<bool> row = query->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return ops;
      }
      ops.push_back(read_op(*query));
    }
  });
}

Result<std::optional<OpRecord>> SqliteStore::find_op(std::string_view document_id,
                                                     std::string_view client_id,
                                                     std::int64_t seq) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<OpRecord>> {
    Result<std::int64_t> exists = require_live_version(connection, document_id);
    if (!exists) {
      return std::unexpected(exists.error());
    }
    return load_op(connection, document_id, client_id, seq);
  });
}

Result<std::optional<std::int64_t>> SqliteStore::max_op_seq(std::string_view document_id,
                                                           std::string_view client_id) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<std::int64_t>> {
    Result<std::optional<ClientKey>> key = load_client_key(connection, document_id, client_id);
    if (!key) {
      return std::unexpected(key.error());
    }
    return key->has_value() ? std::optional<std::int64_t>((*key)->seq) : std::nullopt;
  });
}

Result<std::optional<Snapshot>> SqliteStore::find_snapshot(std::string_view document_id,
                                                           std::int64_t max_version) {
  if (max_version < 0) {
    return fail(ErrorCode::invalid_request,
                fmt::format("snapshot version {} is negative: use 0 or more", max_version));
  }
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<Snapshot>> {
    Result<std::int64_t> exists = require_live_version(connection, document_id);
    if (!exists) {
      return std::unexpected(exists.error());
    }
    auto query = connection.prepare(
        "SELECT version, content FROM document_snapshots WHERE document_id = ?1 AND version <= ?2 "
        "ORDER BY version DESC LIMIT 1");
    if (!query) {
      return std::unexpected(query.error());
    }
    Result<bool> row = query->bind(1, document_id).bind(2, max_version).step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return std::optional<Snapshot>();
    }
    return std::optional<Snapshot>(Snapshot{query->integer(0), query->text(1)});
  });
}

Status SqliteStore::save_snapshot(std::string_view document_id, const Snapshot& snapshot) {
  Status valid = validate_snapshot_content(document_id, snapshot);
  if (!valid) {
    return valid;
  }
  const std::string id(document_id);
  Status saved = writer_->submit([&](Connection& connection) -> Status {
    Result<std::int64_t> current = require_live_version(connection, id);
    if (!current) {
      return std::unexpected(current.error());
    }
    if (snapshot.version < 0 || snapshot.version > *current) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("snapshot version {} of document {} does not exist: use 0 to {}",
                              snapshot.version, id, *current));
    }
    return insert_snapshot(connection, id, snapshot);
  }).get();
  log_write_failure(saved, fmt::format("saving snapshot {} of document {}", snapshot.version, id));
  return saved;
}

Status SqliteStore::prune_history(std::string_view document_id, std::int64_t keep_from_version) {
  const std::string id(document_id);
  Status pruned = writer_->submit([&](Connection& connection) -> Status {
    auto base = connection.prepare(
        "SELECT MAX(version) FROM document_snapshots WHERE document_id = ?1 AND version <= ?2");
    if (!base) {
      return std::unexpected(base.error());
    }
    Result<bool> row = base->bind(1, id).bind(2, keep_from_version).step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row || base->is_null(0)) {
      return {};
    }
    std::int64_t oldest_kept = base->integer(0);

    auto ops = connection.prepare("DELETE FROM ops WHERE document_id = ?1 AND version <= ?2");
    if (!ops) {
      return std::unexpected(ops.error());
    }
    if (Status deleted = ops->bind(1, id).bind(2, oldest_kept).run(); !deleted) {
      return deleted;
    }
    auto snapshots =
        connection.prepare("DELETE FROM document_snapshots WHERE document_id = ?1 AND version < ?2");
    if (!snapshots) {
      return std::unexpected(snapshots.error());
    }
    return snapshots->bind(1, id).bind(2, oldest_kept).run();
  }).get();
  log_write_failure(pruned, fmt::format("pruning history of document {} below version {}", id, keep_from_version));
  return pruned;
}

Status SqliteStore::reindex_document(std::string_view document_id, std::string_view content_json) {
  // Extract the text on the caller's thread, so the writer only writes.
  Result<std::string> body = search::extract_text(content_json);
  if (!body) {
    return std::unexpected(body.error());
  }
  const std::string id(document_id);
  Status reindexed = writer_->submit([&](Connection& connection) -> Status {
    Result<std::optional<IndexedDocument>> loaded = load_indexed_document(connection, id);
    if (!loaded) {
      return std::unexpected(loaded.error());
    }
    if (!loaded->has_value()) {
      return document_not_found(id);
    }
    const IndexedDocument& document = **loaded;

    // A new rowid puts the document first in newest-first search, as an
    // update_document_meta does. The listing position (rev) stays, because
    // updated_at does not change here.
    const std::int64_t sequence = next_sequence();
    IndexRow index{sequence, search::strip_control_characters(document.title), *body,
                   search::meta_text(document.workspace_id, document.tags)};
    Status written = delete_index_row(connection, document.search_rowid);
    if (written) {
      written = insert_index_row(connection, index);
    }
    if (!written) {
      return written;
    }
    auto link = connection.prepare("UPDATE documents SET search_rowid = ?2 WHERE id = ?1");
    if (!link) {
      return std::unexpected(link.error());
    }
    return link->bind(1, id).bind(2, sequence).run();
  }).get();
  log_write_failure(reindexed, fmt::format("reindexing document {}", id));
  return reindexed;
}

Result<std::string> SqliteStore::database_id() {
  return database_id_;
}

}  // namespace tandem::storage::sqlite
