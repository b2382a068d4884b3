// Plain records that the storage layer reads and writes. They carry no
// behaviour; validation happens before a record reaches the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/role.h"

namespace tandem::storage {

struct User {
  std::string id;  // the token's `sub`
  std::string name;
  std::string email;
};

struct Workspace {
  std::string id;
  std::string name;
  std::string created_by;
  std::int64_t created_at = 0;  // unix milliseconds
};

struct WorkspaceMembership {
  Workspace workspace;
  Role role = Role::viewer;
};

struct Member {
  std::string user_id;
  std::string name;  // empty when the user has never presented a token
  std::string email;
  Role role = Role::viewer;
};

struct Document {
  std::string id;
  std::string workspace_id;
  std::string title;
  // The newest snapshot of the content (a serialized JSON object), which is
  // the content at `content_version`. Ops after it are in the op log.
  std::string content_json;
  std::int64_t content_version = 0;
  std::int64_t version = 0;  // the newest committed version (number of ops applied)
  std::vector<std::string> tags;
  std::string created_by;
  std::string last_edited_by;
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t updated_at = 0;  // unix milliseconds
};

struct NewDocument {
  std::string id;
  std::string workspace_id;
  std::string title;
  std::string content_json;
  std::vector<std::string> tags;
  std::string created_by;
  std::int64_t created_at = 0;
};

// A metadata change: fields left empty are kept as they are.
struct DocumentMetaUpdate {
  std::optional<std::string> title;
  std::optional<std::vector<std::string>> tags;
  std::string edited_by;
  std::int64_t edited_at = 0;
};

// Opaque position in the newest-first listing. Encodes the position in update
// order of the last row returned, so pages stay correct while documents
// change: a document updated after the page was read moves to the front and
// is not returned twice; none that existed and was unchanged is skipped.
struct ListQuery {
  std::string workspace_id;
  std::optional<std::string> tag;
  int limit = 20;
  std::optional<std::string> cursor;  // from DocumentPage::next_cursor
};

struct DocumentPage {
  std::vector<Document> documents;
  std::optional<std::string> next_cursor;  // absent on the last page
};

enum class SearchSort { updated_at, relevance };

struct SearchQuery {
  std::string workspace_id;
  std::string text;  // raw user text; the store makes it safe for FTS5
  std::optional<std::string> tag;
  SearchSort sort = SearchSort::updated_at;
  int limit = 20;
  int offset = 0;
};

struct SearchHit {
  std::string id;
  std::string title;
  std::string snippet;  // matched words wrapped in <mark>...</mark>, rest escaped
  std::vector<std::string> tags;
  std::int64_t updated_at = 0;
};

struct SearchPage {
  std::vector<SearchHit> results;
  std::int64_t total = 0;  // all matches in the workspace (and tag), not just this page
  // False when counting stopped at the store's cap: `total` is then a lower
  // bound ("100+"), because an exact count of a very common word costs more
  // than the search itself.
  bool total_is_exact = true;
};

// One committed op in a document's op log.
struct OpRecord {
  std::string document_id;
  std::int64_t version = 0;  // the version this op produced: the first op makes version 1
  std::string op_json;       // the json0 op as applied, after transformation (a JSON array)
  std::string user_id;       // author
  std::string client_id;     // with `seq`: the submitter's idempotency key
  std::int64_t seq = 0;
  std::int64_t created_at = 0;  // unix milliseconds
};

// A notification event in the outbox: written in the transaction of the op
// that caused it, then routed to queues by the event dispatcher.
struct OutboxEvent {
  std::string id;            // the event id, unique, e.g. "e_..."
  std::string topic;         // routing key, e.g. "doc.mention.u_alice"
  std::string workspace_id;  // the workspace of the document (for dead-letter access)
  std::string payload_json;  // the event payload, a JSON object
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t seq = 0;      // position in the outbox, assigned by the store
};

// Everything one op commit writes, in one transaction.
struct OpCommit {
  OpRecord op;
  // When set, the document content at op.version, stored as a new snapshot.
  std::optional<std::string> snapshot_json;
  // Events derived from the op; stored with it or not at all.
  std::vector<OutboxEvent> events;
};

// A document's content at a version.
struct Snapshot {
  std::int64_t version = 0;
  std::string content_json;
};

// The routing decision for one outbox event: a copy in each named queue, or
// a dead letter with `dead_reason` when it cannot be routed.
struct RoutedEvent {
  OutboxEvent event;
  std::vector<std::string> queues;
  std::optional<std::string> dead_reason;
};

// One event waiting in one queue (ready, or waiting for a retry).
struct QueuedMessage {
  std::int64_t id = 0;  // message id, unique across queues
  std::string queue;
  OutboxEvent event;
  int attempts = 0;                  // failed deliveries so far
  std::int64_t next_attempt_at = 0;  // unix milliseconds; not delivered before
  std::int64_t first_attempt_at = 0; // unix milliseconds of the first failure; 0: none yet
  std::int64_t last_attempt_at = 0;  // unix milliseconds of the latest failure; 0: none yet
  std::string last_error;
};

// A message that failed its last attempt or could not be routed.
struct DeadLetter {
  std::int64_t id = 0;
  std::string queue;  // empty when no queue was bound to the topic
  OutboxEvent event;
  int attempts = 0;
  std::int64_t first_attempt_at = 0;  // unix milliseconds; 0 when never attempted
  std::int64_t last_attempt_at = 0;   // unix milliseconds; 0 when never attempted
  std::int64_t dead_at = 0;           // unix milliseconds
  std::string last_error;
};

// Dead letters visible to `owner_user_id`: those of workspaces where the
// user is an owner. Newest first, after `before_id` when set.
struct DeadLetterQuery {
  std::string owner_user_id;
  std::optional<std::string> queue;
  int limit = 50;
  std::optional<std::int64_t> before_id;
};

// Counts of one queue as stored.
struct QueueDepth {
  std::int64_t ready = 0;    // due now
  std::int64_t delayed = 0;  // waiting for a retry
  std::int64_t dead = 0;     // in the dead-letter store
};

// A notification in a user's inbox. The id is the event id, so a repeated
// delivery of one event stores it once.
struct Notification {
  std::string id;
  std::string user_id;
  std::string type;          // "mention" or "assign"
  std::string payload_json;  // the event payload
  std::int64_t created_at = 0;  // unix milliseconds of the event
  std::int64_t read_at = 0;     // unix milliseconds; 0 while unread
};

struct NotificationQuery {
  std::string user_id;
  bool unread_only = false;
  int limit = 20;
  std::optional<std::string> cursor;  // from NotificationPage::next_cursor
};

struct NotificationPage {
  std::vector<Notification> items;  // newest first
  std::optional<std::string> next_cursor;  // absent on the last page
  std::int64_t unread_count = 0;   // all unread notifications of the user
};

struct NotificationSettings {
  bool email = true;  // send notifications by email
};

}  // namespace tandem::storage
