// Notification events: the outbox, queue messages and dead letters.
//
// An event's life: insert_outbox_event (in the op's transaction), then
// route_events copies it into one message per bound queue and deletes it from
// the outbox. A message is deleted when acked, or moved to dead_letters after
// its last attempt; a redrive moves it back. Every move is one transaction,
// so an event is always in exactly one of these places per queue.
#include <algorithm>

#include <fmt/format.h>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

constexpr int kMaxOutboxLimit = 10000;
constexpr int kMaxDueLimit = 10000;
constexpr int kMaxDeadLetterLimit = 1000;

constexpr std::string_view kMessageColumns =
    "id, queue, event_id, topic, workspace_id, payload, created_at, attempts, next_attempt_at, "
    "first_attempt_at, last_attempt_at, last_error";

constexpr std::string_view kDeadLetterColumns =
    "id, queue, event_id, topic, workspace_id, payload, created_at, attempts, first_attempt_at, "
    "last_attempt_at, dead_at, last_error";

// The event in columns 2 to 6, which messages and dead letters share.
OutboxEvent read_event(const Statement& row) {
  OutboxEvent event;
  event.id = row.text(2);
  event.topic = row.text(3);
  event.workspace_id = row.text(4);
  event.payload_json = row.text(5);
  event.created_at = row.integer(6);
  return event;
}

QueuedMessage read_message(const Statement& row) {
  QueuedMessage message;
  message.id = row.integer(0);
  message.queue = row.text(1);
  message.event = read_event(row);
  message.attempts = static_cast<int>(row.integer(7));
  message.next_attempt_at = row.integer(8);
  message.first_attempt_at = row.integer(9);
  message.last_attempt_at = row.integer(10);
  message.last_error = row.text(11);
  return message;
}

DeadLetter read_dead_letter(const Statement& row) {
  DeadLetter letter;
  letter.id = row.integer(0);
  letter.queue = row.text(1);
  letter.event = read_event(row);
  letter.attempts = static_cast<int>(row.integer(7));
  letter.first_attempt_at = row.integer(8);
  letter.last_attempt_at = row.integer(9);
  letter.dead_at = row.integer(10);
  letter.last_error = row.text(11);
  return letter;
}

std::unexpected<Error> message_not_found(std::int64_t id) {
  return fail(ErrorCode::not_found, fmt::format("queue message {} not found", id));
}

std::unexpected<Error> dead_letter_not_found(std::int64_t id) {
  return fail(ErrorCode::not_found, fmt::format("dead letter {} not found", id));
}

// Inserts a message unless the queue already contains this event. Routing
// and the outbox delete share one transaction, so this only guards a
// redrive of an event that is also still queued.
Status insert_message(Connection& connection, const std::string& queue, const OutboxEvent& event,
                      std::int64_t due_at) {
  auto insert = connection.prepare(
      "INSERT OR IGNORE INTO queue_messages "
      "(queue, event_id, topic, workspace_id, payload, created_at, next_attempt_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert) return std::unexpected(insert.error());
  return insert->bind(1, queue)
      .bind(2, event.id)
      .bind(3, event.topic)
      .bind(4, event.workspace_id)
      .bind(5, event.payload_json)
      .bind(6, event.created_at)
      .bind(7, due_at)
      .run();
}

Status insert_dead_letter(Connection& connection, const DeadLetter& letter) {
  auto insert = connection.prepare(
      "INSERT OR REPLACE INTO dead_letters "
      "(queue, event_id, topic, workspace_id, payload, created_at, attempts, first_attempt_at, "
      "last_attempt_at, dead_at, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert) return std::unexpected(insert.error());
  return insert->bind(1, letter.queue)
      .bind(2, letter.event.id)
      .bind(3, letter.event.topic)
      .bind(4, letter.event.workspace_id)
      .bind(5, letter.event.payload_json)
      .bind(6, letter.event.created_at)
      .bind(7, std::int64_t{letter.attempts})
      .bind(8, letter.first_attempt_at)
      .bind(9, letter.last_attempt_at)
      .bind(10, letter.dead_at)
      .bind(11, letter.last_error)
      .run();
}

Result<std::optional<QueuedMessage>> load_message(Connection& connection, std::int64_t id) {
  static const std::string sql = fmt::format("SELECT {} FROM queue_messages WHERE id = ?1", kMessageColumns);
  auto query = connection.prepare(sql);
  if (!query) return std::unexpected(query.error());
  Result<bool> row = query->bind(1, id).step();
  if (!row) return std::unexpected(row.error());
  return *row ? std::optional<QueuedMessage>(read_message(*query)) : std::nullopt;
}

Result<std::optional<DeadLetter>> load_dead_letter(Connection& connection, std::int64_t id) {
  static const std::string sql = fmt::format("SELECT {} FROM dead_letters WHERE id = ?1", kDeadLetterColumns);
  auto query = connection.prepare(sql);
  if (!query) return std::unexpected(query.error());
  Result<bool> row = query->bind(1, id).step();
  if (!row) return std::unexpected(row.error());
  return *row ? std::optional<DeadLetter>(read_dead_letter(*query)) : std::nullopt;
}

Status delete_by_id(Connection& connection, std::string_view sql, std::int64_t id) {
  auto statement = connection.prepare(sql);
  if (!statement) return std::unexpected(statement.error());
  return statement->bind(1, id).run();
}

// Moves one dead letter back: into its queue, or into the outbox when it
// never reached a queue.
Status redrive(Connection& connection, const DeadLetter& letter, std::int64_t now_ms) {
  Status moved = letter.queue.empty() ? insert_outbox_event(connection, letter.event)
                                      : insert_message(connection, letter.queue, letter.event, now_ms);
  if (!moved) return moved;
  return delete_by_id(connection, "DELETE FROM dead_letters WHERE id = ?1", letter.id);
}

// Dead letters of workspaces that the user owns, newest first.
Result<std::vector<DeadLetter>> select_dead_letters(Connection& connection, const DeadLetterQuery& query,
                                                    int limit) {
  static const std::string sql = fmt::format(
      "SELECT {} FROM dead_letters WHERE workspace_id IN "
      "(SELECT workspace_id FROM members WHERE user_id = ?1 AND role = ?2) "
      "AND (?3 IS NULL OR queue = ?3) AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
      kDeadLetterColumns);
  auto select = connection.prepare(sql);
  if (!select) return std::unexpected(select.error());
  select->bind(1, query.owner_user_id).bind(2, static_cast<std::int64_t>(Role::owner));
  if (query.queue) {
    select->bind(3, *query.queue);
  } else {
    select->bind_null(3);
  }
  if (query.before_id) {
    select->bind(4, *query.before_id);
  } else {
    select->bind_null(4);
  }
  select->bind(5, std::int64_t{limit});

  std::vector<DeadLetter> letters;
  for (;;) {
    Result<bool> row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return letters;
    letters.push_back(read_dead_letter(*select));
  }
}

Result<std::int64_t> count(Connection& connection, std::string_view sql, std::string_view queue,
                           std::optional<std::int64_t> now_ms) {
  auto query = connection.prepare(sql);
  if (!query) return std::unexpected(query.error());
  query->bind(1, queue);
  if (now_ms) query->bind(2, *now_ms);
  Result<bool> row = query->step();
  if (!row) return std::unexpected(row.error());
  return *row ? query->integer(0) : 0;
}

}  // namespace

Status insert_outbox_event(Connection& connection, const OutboxEvent& event) {
  auto insert = connection.prepare(
      "INSERT OR IGNORE INTO outbox_events (event_id, topic, workspace_id, payload, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert) return std::unexpected(insert.error());
  return insert->bind(1, event.id)
      .bind(2, event.topic)
      .bind(3, event.workspace_id)
      .bind(4, event.payload_json)
      .bind(5, event.created_at)
      .run();
}

Result<std::vector<OutboxEvent>> SqliteStore::list_outbox(int limit) {
  if (limit < 1 || limit > kMaxOutboxLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", limit, kMaxOutboxLimit));
  }
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::vector<OutboxEvent>> {
    auto query = connection.prepare(
        "SELECT seq, event_id, topic, workspace_id, payload, created_at FROM outbox_events "
        "ORDER BY seq LIMIT ?1");
    if (!query) return std::unexpected(query.error());
    query->bind(1, std::int64_t{limit});
    std::vector<OutboxEvent> events;
    for (;;) {
      Result<bool> row = query->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return events;
      OutboxEvent event;
      event.seq = query->integer(0);
      event.id = query->text(1);
      event.topic = query->text(2);
      event.workspace_id = query->text(3);
      event.payload_json = query->text(4);
      event.created_at = query->integer(5);
      events.push_back(std::move(event));
    }
  });
}

Status SqliteStore::route_events(const std::vector<RoutedEvent>& routed, std::int64_t now_ms) {
  Status stored = writer_->submit([&](Connection& connection) -> Status {
    for (const RoutedEvent& item : routed) {
      // Skip events that an earlier call routed already.
      auto present = connection.prepare("SELECT 1 FROM outbox_events WHERE seq = ?1");
      if (!present) return std::unexpected(present.error());
      Result<bool> row = present->bind(1, item.event.seq).step();
      if (!row) return std::unexpected(row.error());
      if (!*row) continue;

      Status written;
      if (item.dead_reason) {
        written = insert_dead_letter(connection, DeadLetter{0, "", item.event, 0, 0, 0, now_ms, *item.dead_reason});
      }
      for (std::size_t i = 0; written && i < item.queues.size(); ++i) {
        written = insert_message(connection, item.queues[i], item.event, now_ms);
      }
      if (written) written = delete_by_id(connection, "DELETE FROM outbox_events WHERE seq = ?1", item.event.seq);
      if (!written) return written;
    }
    return {};
  }).get();
  log_write_failure(stored, fmt::format("routing {} notification events", routed.size()));
  return stored;
}

Result<std::vector<QueuedMessage>> SqliteStore::list_due(std::string_view queue, std::int64_t now_ms, int limit,
                                                         const std::vector<std::int64_t>& exclude) {
  if (limit < 1 || limit > kMaxDueLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", limit, kMaxDueLimit));
  }
  static const std::string sql = fmt::format(
      "SELECT {} FROM queue_messages WHERE queue = ?1 AND next_attempt_at <= ?2 "
      "ORDER BY next_attempt_at, id LIMIT ?3",
      kMessageColumns);
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::vector<QueuedMessage>> {
    auto query = connection.prepare(sql);
    if (!query) return std::unexpected(query.error());
    // Read enough rows to return `limit` after skipping the excluded ones.
    query->bind(1, queue).bind(2, now_ms).bind(3, static_cast<std::int64_t>(limit + exclude.size()));
    std::vector<QueuedMessage> messages;
    while (static_cast<int>(messages.size()) < limit) {
      Result<bool> row = query->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      std::int64_t id = query->integer(0);
      if (std::find(exclude.begin(), exclude.end(), id) != exclude.end()) continue;
      messages.push_back(read_message(*query));
    }
    return messages;
  });
}

Result<std::optional<std::int64_t>> SqliteStore::next_due(std::string_view queue) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<std::int64_t>> {
    auto query = connection.prepare("SELECT min(next_attempt_at) FROM queue_messages WHERE queue = ?1");
    if (!query) return std::unexpected(query.error());
    Result<bool> row = query->bind(1, queue).step();
    if (!row) return std::unexpected(row.error());
    if (!*row || query->is_null(0)) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(query->integer(0));
  });
}

Status SqliteStore::ack_message(std::int64_t message_id) {
  Status acked = writer_->submit([&](Connection& connection) -> Status {
    return delete_by_id(connection, "DELETE FROM queue_messages WHERE id = ?1", message_id);
  }).get();
  log_write_failure(acked, fmt::format("acknowledging queue message {}", message_id));
  return acked;
}

Status SqliteStore::retry_message(std::int64_t message_id, std::int64_t next_attempt_at, std::string_view error,
                                  std::int64_t now_ms) {
  Status stored = writer_->submit([&](Connection& connection) -> Status {
    auto update = connection.prepare(
        "UPDATE queue_messages SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3, "
        "first_attempt_at = CASE WHEN first_attempt_at = 0 THEN ?4 ELSE first_attempt_at END, "
        "last_attempt_at = ?4 WHERE id = ?1");
    if (!update) return std::unexpected(update.error());
    Status updated = update->bind(1, message_id).bind(2, next_attempt_at).bind(3, error).bind(4, now_ms).run();
    if (updated && sqlite3_changes(connection.handle()) == 0) return message_not_found(message_id);
    return updated;
  }).get();
  log_write_failure(stored, fmt::format("recording a failed delivery of queue message {}", message_id));
  return stored;
}

Status SqliteStore::dead_letter_message(std::int64_t message_id, std::string_view error, bool attempted,
                                        std::int64_t now_ms) {
  Status moved = writer_->submit([&](Connection& connection) -> Status {
    Result<std::optional<QueuedMessage>> loaded = load_message(connection, message_id);
    if (!loaded) return std::unexpected(loaded.error());
    if (!loaded->has_value()) return message_not_found(message_id);
    const QueuedMessage& message = **loaded;

    DeadLetter letter{0, message.queue, message.event, message.attempts, message.first_attempt_at,
                      message.last_attempt_at, now_ms, std::string(error)};
    if (attempted) {
      letter.attempts += 1;
      letter.last_attempt_at = now_ms;
      if (letter.first_attempt_at == 0) letter.first_attempt_at = now_ms;
    }
    Status written = insert_dead_letter(connection, letter);
    if (!written) return written;
    return delete_by_id(connection, "DELETE FROM queue_messages WHERE id = ?1", message_id);
  }).get();
  log_write_failure(moved, fmt::format("dead-lettering queue message {}", message_id));
  return moved;
}

Result<std::vector<DeadLetter>> SqliteStore::list_dead_letters(const DeadLetterQuery& query) {
  if (query.limit < 1 || query.limit > kMaxDeadLetterLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", query.limit, kMaxDeadLetterLimit));
  }
  return readers_->with_snapshot([&](Connection& connection) {
    return select_dead_letters(connection, query, query.limit);
  });
}

Result<std::optional<DeadLetter>> SqliteStore::find_dead_letter(std::int64_t id) {
  return readers_->with_snapshot([&](Connection& connection) { return load_dead_letter(connection, id); });
}

Status SqliteStore::redrive_dead_letter(std::int64_t id, std::int64_t now_ms) {
  Status moved = writer_->submit([&](Connection& connection) -> Status {
    Result<std::optional<DeadLetter>> loaded = load_dead_letter(connection, id);
    if (!loaded) return std::unexpected(loaded.error());
    if (!loaded->has_value()) return dead_letter_not_found(id);
    return redrive(connection, **loaded, now_ms);
  }).get();
  log_write_failure(moved, fmt::format("redriving dead letter {}", id));
  return moved;
}

Result<std::int64_t> SqliteStore::redrive_dead_letters(const DeadLetterQuery& query, std::int64_t now_ms) {
  auto moved = writer_->run<std::int64_t>([&](Connection& connection) -> Result<std::int64_t> {
    std::int64_t total = 0;
    // Batches keep each statement's result set small; the transaction is one.
    for (;;) {
      Result<std::vector<DeadLetter>> letters = select_dead_letters(connection, query, kMaxDeadLetterLimit);
      if (!letters) return std::unexpected(letters.error());
      if (letters->empty()) return total;
      for (const DeadLetter& letter : *letters) {
        if (Status done = redrive(connection, letter, now_ms); !done) return std::unexpected(done.error());
      }
      total += static_cast<std::int64_t>(letters->size());
    }
  });
  if (!moved) log_write_failure(std::unexpected(moved.error()), "redriving dead letters");
  return moved;
}

Status SqliteStore::delete_dead_letter(std::int64_t id) {
  Status deleted = writer_->submit([&](Connection& connection) -> Status {
    Status removed = delete_by_id(connection, "DELETE FROM dead_letters WHERE id = ?1", id);
    if (removed && sqlite3_changes(connection.handle()) == 0) return dead_letter_not_found(id);
    return removed;
  }).get();
  log_write_failure(deleted, fmt::format("deleting dead letter {}", id));
  return deleted;
}

Result<QueueDepth> SqliteStore::queue_depth(std::string_view queue, std::int64_t now_ms) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<QueueDepth> {
    auto ready = count(connection,
                       "SELECT count(*) FROM queue_messages WHERE queue = ?1 AND next_attempt_at <= ?2", queue,
                       now_ms);
    auto delayed = count(connection,
                         "SELECT count(*) FROM queue_messages WHERE queue = ?1 AND next_attempt_at > ?2", queue,
                         now_ms);
    auto dead = count(connection, "SELECT count(*) FROM dead_letters WHERE queue = ?1", queue, std::nullopt);
    if (!ready) return std::unexpected(ready.error());
    if (!delayed) return std::unexpected(delayed.error());
    if (!dead) return std::unexpected(dead.error());
    return QueueDepth{*ready, *delayed, *dead};
  });
}

}  // namespace tandem::storage::sqlite
