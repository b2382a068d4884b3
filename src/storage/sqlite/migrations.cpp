#include "storage/sqlite/migrations.h"

#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "search/text.h"
#include "search/tokens.h"
#include "storage/sqlite/schema.h"

namespace tandem::storage::sqlite {
namespace {

struct Migration {
  int version;
  std::string_view name;
  Status (*apply)(Connection&);
};

Status create_core_tables(Connection& connection) {
  return connection.exec(R"sql(
    CREATE TABLE users (
      id    TEXT PRIMARY KEY,
      name  TEXT NOT NULL,
      email TEXT NOT NULL
    );
    CREATE TABLE workspaces (
      id         TEXT PRIMARY KEY,
      name       TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE members (
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      user_id      TEXT NOT NULL,
      role         INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),
      PRIMARY KEY (workspace_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_user ON members (user_id);

    -- rev: position in update order, from one counter for the whole file.
    -- Every write of a document takes a new, higher rev, so newest first is
    -- a descending index scan.
    CREATE TABLE documents (
      id             TEXT PRIMARY KEY,
      workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
      title          TEXT NOT NULL,
      content        TEXT NOT NULL,
      version        INTEGER NOT NULL DEFAULT 0,
      tags           TEXT NOT NULL,
      created_by     TEXT NOT NULL,
      last_edited_by TEXT NOT NULL,
      created_at     INTEGER NOT NULL,
      updated_at     INTEGER NOT NULL,
      rev            INTEGER NOT NULL UNIQUE,
      deleted_at     INTEGER
    );
    CREATE INDEX documents_by_workspace ON documents (workspace_id, rev)
      WHERE deleted_at IS NULL;

    CREATE TABLE document_tags (
      document_id  TEXT NOT NULL REFERENCES documents (id),
      tag          TEXT NOT NULL,
      workspace_id TEXT NOT NULL,
      rev          INTEGER NOT NULL,
      PRIMARY KEY (document_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX document_tags_by_tag ON document_tags (workspace_id, tag, rev);
  )sql");
}

// Adds the full-text index and fills it from the documents already stored.
Status create_search_index(Connection& connection) {
  Status created = connection.exec(R"sql(
    ALTER TABLE documents ADD COLUMN search_rowid INTEGER;
    CREATE UNIQUE INDEX documents_by_search_rowid ON documents (search_rowid);
    CREATE VIRTUAL TABLE document_search USING fts5 (
      title, body, meta,
      prefix = '1 2 3 4 5 6 7 8',
      tokenize = 'unicode61 remove_diacritics 2'
    );
  )sql");
  if (!created) {
    return created;
  }

  auto documents = connection.prepare(
      "SELECT id, workspace_id, title, content, tags, rev FROM documents "
      "WHERE deleted_at IS NULL");
  if (!documents) {
    return std::unexpected(documents.error());
  }
  for (;;) {
    Result<bool> row = documents->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
    Result<std::vector<std::string>> tags = parse_tags(documents->text(4));
    Result<std::string> body = search::extract_text(documents->text(3));
    if (!tags || !body) {
      return fail(ErrorCode::internal,
                  fmt::format("document {} has unreadable content or tags", documents->text(0)));
    }
    IndexRow index{documents->integer(5), documents->text(2), *body,
                   search::meta_text(documents->text(1), *tags)};
    Status inserted = insert_index_row(connection, index);
    if (!inserted) {
      return inserted;
    }
    auto link = connection.prepare("UPDATE documents SET search_rowid = ?1 WHERE id = ?2");
    if (!link) {
      return std::unexpected(link.error());
    }
    Status linked = link->bind(1, index.rowid).bind(2, documents->text(0)).run();
    if (!linked) {
      return linked;
    }
  }
}

// Adds the op log, document snapshots and the database id. The content of
// every stored document moves into its first snapshot (at the document's
// current version), and `documents.content` is dropped, so the snapshots are
// the only copy of document content.
Status create_op_log(Connection& connection) {
  Status created = connection.exec(R"sql(
    -- One row per committed op. (document_id, client_id, seq) is the
    -- submitter's idempotency key, so a resubmitted op cannot commit twice.
    CREATE TABLE ops (
      document_id TEXT NOT NULL REFERENCES documents (id),
      version     INTEGER NOT NULL CHECK (version > 0),
      op          TEXT NOT NULL,
      user_id     TEXT NOT NULL,
      client_id   TEXT NOT NULL,
      seq         INTEGER NOT NULL,
      created_at  INTEGER NOT NULL,
      PRIMARY KEY (document_id, version),
      UNIQUE (document_id, client_id, seq)
    ) WITHOUT ROWID;

    -- A rowid table, because snapshots can be far larger than a page.
    CREATE TABLE document_snapshots (
      document_id TEXT NOT NULL REFERENCES documents (id),
      version     INTEGER NOT NULL CHECK (version >= 0),
      content     TEXT NOT NULL
    );
    CREATE UNIQUE INDEX document_snapshots_by_version
      ON document_snapshots (document_id, version);

    INSERT INTO document_snapshots (document_id, version, content)
      SELECT id, version, content FROM documents;
    ALTER TABLE documents DROP COLUMN content;

    CREATE TABLE store_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  )sql");
  if (!created) {
    return created;
  }

  auto insert = connection.prepare(
      "INSERT INTO store_meta (key, value) VALUES ('database_id', ?1)");
  if (!insert) {
    return std::unexpected(insert.error());
  }
  return insert->bind(1, random_hex(16)).run();
}

// Adds the notification pipeline: the transactional outbox (filled in the
// transaction of each op), queue messages, dead letters, inboxes and user
// notification settings.
Status create_notification_tables(Connection& connection) {
  return connection.exec(R"sql(
    -- Events committed with their op and not yet routed to queues.
    CREATE TABLE outbox_events (
      seq          INTEGER PRIMARY KEY,
      event_id     TEXT NOT NULL UNIQUE,
      topic        TEXT NOT NULL,
      workspace_id TEXT NOT NULL,
      payload      TEXT NOT NULL,
      created_at   INTEGER NOT NULL
    );

    -- One row per (queue, event) until the delivery is acknowledged. Rows in
    -- flight are not marked: after a crash every row is delivered again.
    -- AUTOINCREMENT: ids of messages and dead letters are never reused, so
    -- a stale id in an admin request or in memory cannot name another row.
    CREATE TABLE queue_messages (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      queue            TEXT NOT NULL,
      event_id         TEXT NOT NULL,
      topic            TEXT NOT NULL,
      workspace_id     TEXT NOT NULL,
      payload          TEXT NOT NULL,
      created_at       INTEGER NOT NULL,
      attempts         INTEGER NOT NULL DEFAULT 0,
      next_attempt_at  INTEGER NOT NULL,
      first_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_attempt_at  INTEGER NOT NULL DEFAULT 0,
      last_error       TEXT NOT NULL DEFAULT '',
      UNIQUE (queue, event_id)
    );
    CREATE INDEX queue_messages_by_due ON queue_messages (queue, next_attempt_at, id);

    -- queue is '' for an event that no queue was bound to.
    CREATE TABLE dead_letters (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      queue            TEXT NOT NULL,
      event_id         TEXT NOT NULL,
      topic            TEXT NOT NULL,
      workspace_id     TEXT NOT NULL,
      payload          TEXT NOT NULL,
      created_at       INTEGER NOT NULL,
      attempts         INTEGER NOT NULL,
      first_attempt_at INTEGER NOT NULL,
      last_attempt_at  INTEGER NOT NULL,
      dead_at          INTEGER NOT NULL,
      last_error       TEXT NOT NULL,
      UNIQUE (queue, event_id)
    );
    CREATE INDEX dead_letters_by_workspace ON dead_letters (workspace_id, id);
    CREATE INDEX dead_letters_by_queue ON dead_letters (queue);

    -- id is the event id: one event notifies one user once.
    CREATE TABLE notifications (
      seq        INTEGER PRIMARY KEY,
      id         TEXT NOT NULL UNIQUE,
      user_id    TEXT NOT NULL,
      type       TEXT NOT NULL,
      payload    TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      read_at    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX notifications_by_user ON notifications (user_id, seq);
    CREATE INDEX notifications_unread ON notifications (user_id, seq) WHERE read_at = 0;

    CREATE TABLE notification_settings (
      user_id TEXT PRIMARY KEY,
      email   INTEGER NOT NULL
    ) WITHOUT ROWID;
  )sql");
}

// Moves the idempotency key of ops out of the op log. The UNIQUE index on
// (document_id, client_id, seq) put a second scattered page into every group
// commit for each document it touched. op_clients keeps one small row per
// client of a document with its highest committed seq, which is all that
// dedup needs on the hot path. An older seq is found by scanning the
// document's ops.
Status split_op_keys(Connection& connection) {
  return connection.exec(R"sql(
    CREATE TABLE op_clients (
      document_id TEXT NOT NULL REFERENCES documents (id),
      client_id   TEXT NOT NULL,
      seq         INTEGER NOT NULL,
      version     INTEGER NOT NULL,
      PRIMARY KEY (document_id, client_id)
    ) WITHOUT ROWID;

    -- With max(), SQLite takes the bare column (version) from the max row.
    INSERT INTO op_clients (document_id, client_id, seq, version)
      SELECT document_id, client_id, max(seq), version FROM ops
      GROUP BY document_id, client_id;

    CREATE TABLE ops_keyed_by_version (
      document_id TEXT NOT NULL REFERENCES documents (id),
      version     INTEGER NOT NULL CHECK (version > 0),
      op          TEXT NOT NULL,
      user_id     TEXT NOT NULL,
      client_id   TEXT NOT NULL,
      seq         INTEGER NOT NULL,
      created_at  INTEGER NOT NULL,
      PRIMARY KEY (document_id, version)
    ) WITHOUT ROWID;
    INSERT INTO ops_keyed_by_version SELECT * FROM ops;
    DROP TABLE ops;
    ALTER TABLE ops_keyed_by_version RENAME TO ops;
  )sql");
}

constexpr Migration kMigrations[] = {
    {1, "core tables", &create_core_tables},
    {2, "full-text search index", &create_search_index},
    {3, "op log, snapshots and database id", &create_op_log},
    {4, "notification outbox, queues, dead letters and inboxes", &create_notification_tables},
    {5, "op idempotency keys in op_clients", &split_op_keys},
};

Status apply_one(Connection& connection, const Migration& migration) {
  Status begun = connection.exec("BEGIN IMMEDIATE");
  if (!begun) {
    return begun;
  }

  Status applied = migration.apply(connection);
  if (applied) {
    auto record = connection.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
    applied = record ? record->bind(1, std::int64_t{migration.version})
                           .bind(2, migration.name)
                           .bind(3, now_unix_ms())
                           .run()
                     : Status(std::unexpected(record.error()));
  }
  if (applied) {
    applied = connection.exec("COMMIT");
  }
  if (!applied) {
    (void)connection.exec("ROLLBACK");
    return fail(ErrorCode::internal,
                fmt::format("schema migration {} ({}) failed on {}: {}", migration.version,
                            migration.name, connection.path(), applied.error().message));
  }
  spdlog::info("storage: applied schema migration {} ({}) to {}", migration.version,
               migration.name, connection.path());
  return {};
}

}  // namespace

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<int> current_schema_version(Connection& connection) {
  Status table = connection.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  if (!table) {
    return std::unexpected(table.error());
  }
  auto query = connection.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return static_cast<int>(query->integer(0));
}

Status migrate(Connection& connection, int target) {
  Result<int> current = current_schema_version(connection);
  if (!current) {
    return std::unexpected(current.error());
  }
  if (*current > latest_schema_version()) {
    return fail(ErrorCode::internal,
                fmt::format("database {} has schema version {}, newer than the {} this "
                            "build supports; run a newer tandem binary",
                            connection.path(), *current, latest_schema_version()));
  }

  for (const Migration& migration : kMigrations) {
    if (migration.version <= *current || migration.version > target) {
      continue;
    }
    Status applied = apply_one(connection, migration);
    if (!applied) {
      return applied;
    }
  }
  return {};
}

}  // namespace tandem::storage::sqlite
