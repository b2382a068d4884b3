// The storage interface: everything Tandem persists goes through a Store.
// Only implementations (storage/sqlite/, later storage/postgres/) know SQL.
//
// Contract for every implementation:
// - Thread-safe: any method may be called from any thread concurrently.
// - A write that returns success is durable (survives kill -9 and power loss
//   as far as the engine's fsync guarantees it).
// - A write that fails changes nothing.
// - Errors are returned as values; no exception escapes a method.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/records.h"

namespace tandem::storage {

class Store {
 public:
  virtual ~Store() = default;

  // True when the store is open, migrated and accepting writes.
  virtual bool ready() const = 0;

  // --- users ---
  // Inserts the user or updates name/email when they changed.
  virtual Status upsert_user(const User& user) = 0;
  virtual Result<std::optional<User>> find_user(std::string_view user_id) = 0;

  // --- workspaces and members ---
  // Creates the workspace and makes `workspace.created_by` its owner, atomically.
  virtual Status create_workspace(const Workspace& workspace) = 0;
  virtual Result<std::optional<Workspace>> find_workspace(std::string_view workspace_id) = 0;
  // Workspaces the user belongs to, oldest first.
  virtual Result<std::vector<WorkspaceMembership>> list_workspaces(std::string_view user_id) = 0;
  // The user's role, or nullopt when not a member.
  virtual Result<std::optional<Role>> member_role(std::string_view workspace_id,
                                                  std::string_view user_id) = 0;
  // Members ordered by user id.
  virtual Result<std::vector<Member>> list_members(std::string_view workspace_id) = 0;
  // Adds the member or changes the role. Fails with invalid_request when the
  // change would leave the workspace without an owner.
  virtual Status put_member(std::string_view workspace_id, std::string_view user_id,
                            Role role) = 0;
  // Removes the member. not_found when not a member; invalid_request when it
  // would remove the last owner.
  virtual Status remove_member(std::string_view workspace_id, std::string_view user_id) = 0;

  // --- documents ---
  // Stores the document at version 0 and indexes it for search.
  virtual Result<Document> create_document(const NewDocument& document) = 0;
  // The live (not deleted) document, or nullopt.
  virtual Result<std::optional<Document>> find_document(std::string_view document_id) = 0;
  virtual Result<DocumentPage> list_documents(const ListQuery& query) = 0;
  // Applies the change, bumps updated_at, reindexes. not_found when absent.
  virtual Result<Document> update_document_meta(std::string_view document_id,
                                                const DocumentMetaUpdate& update) = 0;
  // Deletes the document and its index entry. not_found when absent.
  virtual Status delete_document(std::string_view document_id) = 0;

  // --- op log (live editing) ---
  // Queues the commit on the group-commit writer and returns at once (it
  // blocks only while the writer's queue is full, as backpressure). `done`
  // runs on the writer thread once the transaction holding the commit is
  // durable, or has failed; it must be quick and must not call the store.
  // When the store is closing, `done` runs at once on the caller's thread
  // with `internal`.
  // Commits of one document complete in submission order. In one
  // transaction: inserts the op, sets the document's version, last_edited_by
  // (= op author), updated_at (= op.created_at, never moving backwards) and
  // its position in the newest-first listing, and stores the snapshot when
  // given. Errors: not_found for a missing or deleted document;
  // version_conflict when op.version is not the document's version + 1;
  // invalid_request when (document, client_id, seq) is already logged, which
  // is reported before a version conflict.
  virtual void commit_op(OpCommit commit, std::function<void(const Status&)> done) = 0;
  // Reads below fail with not_found for a missing or deleted document (whose
  // ops and snapshots stay stored).
  // Ops with from_version < version <= to_version, oldest first, at most
  // `limit`. invalid_request unless 0 <= from_version <= to_version and
  // limit is 1 to 10,000.
  virtual Result<std::vector<OpRecord>> list_ops(std::string_view document_id, std::int64_t from_version,
                                                 std::int64_t to_version, int limit) = 0;
  // The op that (client_id, seq) produced in this document, if logged.
  virtual Result<std::optional<OpRecord>> find_op(std::string_view document_id, std::string_view client_id,
                                                  std::int64_t seq) = 0;
  // The highest seq that `client_id` has logged in this document, if any.
  // A seq above it cannot be a resubmission, so find_op can be skipped.
  virtual Result<std::optional<std::int64_t>> max_op_seq(std::string_view document_id,
                                                         std::string_view client_id) = 0;
  // The newest snapshot with version <= max_version. Every document created
  // by this build has one at version 0 (its content at creation). A document
  // migrated from an older file has its first one at its version then.
  // invalid_request when max_version is negative.
  virtual Result<std::optional<Snapshot>> find_snapshot(std::string_view document_id,
                                                        std::int64_t max_version) = 0;
  // Stores a snapshot of an existing version (e.g. at shutdown), replacing one
  // at the same version. Durable on return. Errors: invalid_request when the
  // version is outside 0 to the document's version, or the content is not a
  // JSON object. not_found for a missing or deleted document.
  virtual Status save_snapshot(std::string_view document_id, const Snapshot& snapshot) = 0;
  // Replaces the document's search text with the strings of `content_json`
  // (the debounced reindex after ops) and moves its index row to the newest
  // position. The listing position and updated_at stay. not_found for a
  // missing or deleted document; invalid_request when content_json is not JSON.
  virtual Status reindex_document(std::string_view document_id, std::string_view content_json) = 0;
  // Drops history older than `keep_from_version`: every op and snapshot
  // below the newest snapshot at or below that version. Versions from that
  // snapshot on stay readable; older ones are gone (reads and op ranges
  // that need them fail). Durable on return.
  virtual Status prune_history(std::string_view document_id, std::int64_t keep_from_version) = 0;
  // A random id created with the database file and never changed: the epoch
  // of document channels, stable across restarts of one data directory.
  virtual Result<std::string> database_id() = 0;

  // --- search ---
  // Finds live documents of the workspace containing every word of the text
  // (the last as a prefix). Any text is safe; text without a word returns an
  // empty page. invalid_request when limit or offset is out of range.
  virtual Result<SearchPage> search(const SearchQuery& query) = 0;

  // --- notification events: outbox, queues, dead letters ---
  // Outbox events not yet routed, oldest first, at most `limit` (1 to 10,000).
  virtual Result<std::vector<OutboxEvent>> list_outbox(int limit) = 0;
  // In one transaction: stores a message per (event, queue) (ready at
  // `now_ms`), a dead letter for each event with a dead_reason, and removes
  // the events from the outbox. Events already routed are skipped.
  virtual Status route_events(const std::vector<RoutedEvent>& routed, std::int64_t now_ms) = 0;
  // Messages of `queue` due at `now_ms`, oldest due first, at most `limit`,
  // skipping the ids in `exclude` (deliveries in flight).
  virtual Result<std::vector<QueuedMessage>> list_due(std::string_view queue, std::int64_t now_ms, int limit,
                                                      const std::vector<std::int64_t>& exclude) = 0;
  // The earliest next_attempt_at of the queue's messages, or nullopt when empty.
  virtual Result<std::optional<std::int64_t>> next_due(std::string_view queue) = 0;
  // Removes a delivered message. Acking an absent message succeeds.
  virtual Status ack_message(std::int64_t message_id) = 0;
  // Records a failed attempt: attempts + 1, the error and the next try.
  // not_found when the message is gone.
  virtual Status retry_message(std::int64_t message_id, std::int64_t next_attempt_at, std::string_view error,
                               std::int64_t now_ms) = 0;
  // Moves the message to the dead-letter store with its final error, counting
  // the attempt that just failed when `attempted`. not_found when gone.
  virtual Status dead_letter_message(std::int64_t message_id, std::string_view error, bool attempted,
                                     std::int64_t now_ms) = 0;
  virtual Result<std::vector<DeadLetter>> list_dead_letters(const DeadLetterQuery& query) = 0;
  virtual Result<std::optional<DeadLetter>> find_dead_letter(std::int64_t id) = 0;
  // Puts the dead letter back into its queue as a new message with no
  // attempts, due at `now_ms` (one without a queue goes back to the outbox
  // to be routed again), and deletes it. not_found when absent.
  virtual Status redrive_dead_letter(std::int64_t id, std::int64_t now_ms) = 0;
  // Redrives every dead letter that `query` selects (limit and before_id
  // ignored) and returns how many.
  virtual Result<std::int64_t> redrive_dead_letters(const DeadLetterQuery& query, std::int64_t now_ms) = 0;
  // not_found when absent.
  virtual Status delete_dead_letter(std::int64_t id) = 0;
  // Stored counts of a queue at `now_ms`.
  virtual Result<QueueDepth> queue_depth(std::string_view queue, std::int64_t now_ms) = 0;

  // --- inbox ---
  // Stores the notification unless one with its id exists; true when stored.
  virtual Result<bool> insert_notification(const Notification& notification) = 0;
  // As insert_notification, and deletes queue message `message_id` in the
  // same transaction (the inbox sink's delivery and ack in one write).
  virtual Result<bool> deliver_notification(std::int64_t message_id, const Notification& notification) = 0;
  // invalid_request for a cursor not made by this method, or a limit outside 1 to 1,000.
  virtual Result<NotificationPage> list_notifications(const NotificationQuery& query) = 0;
  // Marks one notification of the user read (again is fine); not_found when
  // the user has no notification with this id.
  virtual Status mark_notification_read(std::string_view user_id, std::string_view notification_id,
                                        std::int64_t now_ms) = 0;
  // Marks every unread notification of the user read; returns how many.
  virtual Result<std::int64_t> mark_all_notifications_read(std::string_view user_id, std::int64_t now_ms) = 0;
  // The user's settings, or nullopt when the user never stored any.
  virtual Result<std::optional<NotificationSettings>> notification_settings(std::string_view user_id) = 0;
  virtual Status put_notification_settings(std::string_view user_id, const NotificationSettings& settings) = 0;
};

struct SqliteOptions {
  std::string path;              // database file; created when missing
  int read_connections = 4;      // size of the read-only connection pool, 1 to 64
  int busy_timeout_ms = 5000;    // wait for a lock before failing, in milliseconds
  // Page cache of the write connection, in MiB, 1 to 4096. Group commits of
  // many ops touch many pages; see docs/storage.md for the measurements.
  int writer_cache_mib = 64;
  // Optional: called on the writer thread after every group commit with the
  // COMMIT duration and the number of writes in the group (for metrics). Must
  // be quick and must not call back into the store.
  std::function<void(std::chrono::nanoseconds, std::size_t)> on_commit;
};

// Opens (creating and migrating as needed) a SQLite store. Fails with
// `internal` and a message naming the file when it cannot.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace tandem::storage
