// The SQLite implementation of Store (see storage/store.h for the contract and
// docs/storage.md for the schema and durability design).
//
// Writes go through the single Writer thread (group commit); reads use a pool
// of read-only connections, each read in one snapshot. Fields marked "writer
// thread" are touched only inside write functions, which the Writer runs one
// at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/sqlite/read_pool.h"
#include "storage/sqlite/writer.h"
#include "storage/store.h"

namespace tandem::storage::sqlite {

// Upper bounds that the store enforces itself (handlers may set lower ones).
inline constexpr int kMaxListLimit = 1000;
inline constexpr int kMaxSearchLimit = 100;
inline constexpr int kMaxSearchOffset = 10000;
// Search counts matches up to this number; beyond it, `total` is this number
// and SearchPage::total_is_exact is false. Counting further costs about 2 ms
// per 1,000 matches of a filtered common word (see docs/search.md).
inline constexpr std::int64_t kSearchTotalCap = 100;
// Relevance sort ranks the newest this many matches, plus the 200 newest
// title matches when there are more (see docs/search.md).
inline constexpr std::int64_t kRelevanceCandidates = 500;
// Maximum number of ops that one list_ops call returns.
inline constexpr int kMaxOpsLimit = 10000;

class SqliteStore final : public Store {
 public:
  // Use open_sqlite_store(); this constructor takes over opened parts.
  SqliteStore(const SqliteOptions& options, std::unique_ptr<Writer> writer,
              std::unique_ptr<ReadPool> readers, std::int64_t last_sequence,
              std::int64_t last_updated_at, std::string database_id);
  // Finishes queued writes and closes every connection.
  ~SqliteStore() override;

  bool ready() const override;

  Status upsert_user(const User& user) override;
  Result<std::optional<User>> find_user(std::string_view user_id) override;

  Status create_workspace(const Workspace& workspace) override;
  Result<std::optional<Workspace>> find_workspace(std::string_view workspace_id) override;
  Result<std::vector<WorkspaceMembership>> list_workspaces(std::string_view user_id) override;
  Result<std::optional<Role>> member_role(std::string_view workspace_id,
                                          std::string_view user_id) override;
  Result<std::vector<Member>> list_members(std::string_view workspace_id) override;
  Status put_member(std::string_view workspace_id, std::string_view user_id,
                    Role role) override;
  Status remove_member(std::string_view workspace_id, std::string_view user_id) override;

  Result<Document> create_document(const NewDocument& document) override;
  Result<std::optional<Document>> find_document(std::string_view document_id) override;
  Result<DocumentPage> list_documents(const ListQuery& query) override;
  Result<Document> update_document_meta(std::string_view document_id,
                                        const DocumentMetaUpdate& update) override;
  Status delete_document(std::string_view document_id) override;

  void commit_op(OpCommit commit, std::function<void(const Status&)> done) override;
  Result<std::vector<OpRecord>> list_ops(std::string_view document_id, std::int64_t from_version,
                                         std::int64_t to_version, int limit) override;
  Result<std::optional<OpRecord>> find_op(std::string_view document_id,
                                          std::string_view client_id, std::int64_t seq) override;
  Result<std::optional<std::int64_t>> max_op_seq(std::string_view document_id,
                                                 std::string_view client_id) override;
  Result<std::optional<Snapshot>> find_snapshot(std::string_view document_id,
                                                std::int64_t max_version) override;
  Status save_snapshot(std::string_view document_id, const Snapshot& snapshot) override;
  Status reindex_document(std::string_view document_id, std::string_view content_json) override;
  Status prune_history(std::string_view document_id, std::int64_t keep_from_version) override;
  Result<std::string> database_id() override;

  Result<SearchPage> search(const SearchQuery& query) override;

  Result<std::vector<OutboxEvent>> list_outbox(int limit) override;
  Status route_events(const std::vector<RoutedEvent>& routed, std::int64_t now_ms) override;
  Result<std::vector<QueuedMessage>> list_due(std::string_view queue, std::int64_t now_ms, int limit,
                                              const std::vector<std::int64_t>& exclude) override;
  Result<std::optional<std::int64_t>> next_due(std::string_view queue) override;
  Status ack_message(std::int64_t message_id) override;
  Status retry_message(std::int64_t message_id, std::int64_t next_attempt_at, std::string_view error,
                       std::int64_t now_ms) override;
  Status dead_letter_message(std::int64_t message_id, std::string_view error, bool attempted,
                             std::int64_t now_ms) override;
  Result<std::vector<DeadLetter>> list_dead_letters(const DeadLetterQuery& query) override;
  Result<std::optional<DeadLetter>> find_dead_letter(std::int64_t id) override;
  Status redrive_dead_letter(std::int64_t id, std::int64_t now_ms) override;
  Result<std::int64_t> redrive_dead_letters(const DeadLetterQuery& query, std::int64_t now_ms) override;
  Status delete_dead_letter(std::int64_t id) override;
  Result<QueueDepth> queue_depth(std::string_view queue, std::int64_t now_ms) override;

  Result<bool> insert_notification(const Notification& notification) override;
  Result<bool> deliver_notification(std::int64_t message_id, const Notification& notification) override;
  Result<NotificationPage> list_notifications(const NotificationQuery& query) override;
  Status mark_notification_read(std::string_view user_id, std::string_view notification_id,
                                std::int64_t now_ms) override;
  Result<std::int64_t> mark_all_notifications_read(std::string_view user_id, std::int64_t now_ms) override;
  Result<std::optional<NotificationSettings>> notification_settings(std::string_view user_id) override;
  Status put_notification_settings(std::string_view user_id, const NotificationSettings& settings) override;

  // The writer, for write kinds added by later code (see writer.h).
  Writer& writer() { return *writer_; }

 private:
  // Logs a failed write with `action` (which names the ids) unless it is a
  // domain error, or the writer is already disabled: the writer logged that
  // failure once, and repeating it for every rejected write adds nothing.
  void log_write_failure(const Status& status, std::string_view action) const;

  // Takes the next position in update order (writer thread).
  std::int64_t next_sequence();
  // Returns max(requested, every updated_at handed out so far), so update
  // order and updated_at order agree even if the clock steps back (writer
  // thread).
  std::int64_t monotonic_updated_at(std::int64_t requested);

  // The write function of one op commit (writer thread).
  Status write_op(Connection& connection, const OpCommit& commit);

  Result<SearchPage> search_by_recency(Connection& connection, const std::string& match,
                                       const SearchQuery& query);
  Result<SearchPage> search_by_relevance(Connection& connection, const std::string& match,
                                         const std::string& title_match,
                                         const SearchQuery& query);

  std::string path_;
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<Writer> writer_;
  std::int64_t last_sequence_;    // writer thread
  std::int64_t last_updated_at_;  // writer thread
  const std::string database_id_;
};

}  // namespace tandem::storage::sqlite
