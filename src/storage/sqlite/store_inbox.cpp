// Users' notification inboxes and notification settings.
#include <fmt/format.h>

#include "storage/sqlite/cursor.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

constexpr int kMaxNotificationLimit = 1000;

Notification read_notification(const Statement& row) {
  Notification notification;
  notification.id = row.text(0);
  notification.user_id = row.text(1);
  notification.type = row.text(2);
  notification.payload_json = row.text(3);
  notification.created_at = row.integer(4);
  notification.read_at = row.integer(5);
  return notification;
}

Result<std::int64_t> unread_count(Connection& connection, std::string_view user_id) {
  auto query = connection.prepare("SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at = 0");
  if (!query) return std::unexpected(query.error());
  Result<bool> row = query->bind(1, user_id).step();
  if (!row) return std::unexpected(row.error());
  return *row ? query->integer(0) : 0;
}

}  // namespace

Result<bool> SqliteStore::insert_notification(const Notification& notification) {
  return deliver_notification(0, notification);
}

Result<bool> SqliteStore::deliver_notification(std::int64_t message_id, const Notification& notification) {
  auto stored = writer_->run<bool>([&](Connection& connection) -> Result<bool> {
    auto insert = connection.prepare(
        "INSERT OR IGNORE INTO notifications (id, user_id, type, payload, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return std::unexpected(insert.error());
    Status inserted = insert->bind(1, notification.id)
                          .bind(2, notification.user_id)
                          .bind(3, notification.type)
                          .bind(4, notification.payload_json)
                          .bind(5, notification.created_at)
                          .run();
    if (!inserted) return std::unexpected(inserted.error());
    const bool stored_now = sqlite3_changes(connection.handle()) > 0;
    if (message_id != 0) {
      auto ack = connection.prepare("DELETE FROM queue_messages WHERE id = ?1");
      if (!ack) return std::unexpected(ack.error());
      if (Status deleted = ack->bind(1, message_id).run(); !deleted) return std::unexpected(deleted.error());
    }
    return stored_now;
  });
  if (!stored) {
    log_write_failure(std::unexpected(stored.error()),
                      fmt::format("storing notification {} for user {}", notification.id, notification.user_id));
  }
  return stored;
}

Result<NotificationPage> SqliteStore::list_notifications(const NotificationQuery& query) {
  if (query.limit < 1 || query.limit > kMaxNotificationLimit) {
    return fail(ErrorCode::invalid_request,
                fmt::format("limit {} is out of range: use 1 to {}", query.limit, kMaxNotificationLimit));
  }
  std::int64_t before = INT64_MAX;
  if (query.cursor) {
    Result<std::int64_t> decoded = decode_cursor(*query.cursor);
    if (!decoded) return std::unexpected(decoded.error());
    before = *decoded;
  }

  return readers_->with_snapshot([&](Connection& connection) -> Result<NotificationPage> {
    auto select = connection.prepare(
        "SELECT id, user_id, type, payload, created_at, read_at, seq FROM notifications "
        "WHERE user_id = ?1 AND seq < ?2 AND (?3 = 0 OR read_at = 0) ORDER BY seq DESC LIMIT ?4");
    if (!select) return std::unexpected(select.error());
    // One row more than the page shows whether another page follows.
    select->bind(1, query.user_id)
        .bind(2, before)
        .bind(3, std::int64_t{query.unread_only ? 1 : 0})
        .bind(4, std::int64_t{query.limit + 1});

    NotificationPage page;
    std::int64_t last_seq = 0;
    for (;;) {
      Result<bool> row = select->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      if (static_cast<int>(page.items.size()) == query.limit) {
        page.next_cursor = encode_cursor(last_seq);
        break;
      }
      page.items.push_back(read_notification(*select));
      last_seq = select->integer(6);
    }
    Result<std::int64_t> unread = unread_count(connection, query.user_id);
    if (!unread) return std::unexpected(unread.error());
    page.unread_count = *unread;
    return page;
  });
}

Status SqliteStore::mark_notification_read(std::string_view user_id, std::string_view notification_id,
                                           std::int64_t now_ms) {
  Status marked = writer_->submit([&](Connection& connection) -> Status {
    auto exists = connection.prepare("SELECT read_at FROM notifications WHERE id = ?1 AND user_id = ?2");
    if (!exists) return std::unexpected(exists.error());
    Result<bool> row = exists->bind(1, notification_id).bind(2, user_id).step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      return fail(ErrorCode::not_found, fmt::format("notification {} not found", notification_id));
    }
    auto update = connection.prepare(
        "UPDATE notifications SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 AND read_at = 0");
    if (!update) return std::unexpected(update.error());
    return update->bind(1, notification_id).bind(2, user_id).bind(3, now_ms).run();
  }).get();
  log_write_failure(marked, fmt::format("marking notification {} of user {} read", notification_id, user_id));
  return marked;
}

Result<std::int64_t> SqliteStore::mark_all_notifications_read(std::string_view user_id, std::int64_t now_ms) {
  auto marked = writer_->run<std::int64_t>([&](Connection& connection) -> Result<std::int64_t> {
    auto update = connection.prepare("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at = 0");
    if (!update) return std::unexpected(update.error());
    if (Status done = update->bind(1, user_id).bind(2, now_ms).run(); !done) return std::unexpected(done.error());
    return static_cast<std::int64_t>(sqlite3_changes(connection.handle()));
  });
  if (!marked) {
    log_write_failure(std::unexpected(marked.error()), fmt::format("marking notifications of user {} read", user_id));
  }
  return marked;
}

Result<std::optional<NotificationSettings>> SqliteStore::notification_settings(std::string_view user_id) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<NotificationSettings>> {
    auto query = connection.prepare("SELECT email FROM notification_settings WHERE user_id = ?1");
    if (!query) return std::unexpected(query.error());
    Result<bool> row = query->bind(1, user_id).step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<NotificationSettings>();
    return std::optional<NotificationSettings>(NotificationSettings{query->integer(0) != 0});
  });
}

Status SqliteStore::put_notification_settings(std::string_view user_id, const NotificationSettings& settings) {
  Status stored = writer_->submit([&](Connection& connection) -> Status {
    auto upsert = connection.prepare(
        "INSERT INTO notification_settings (user_id, email) VALUES (?1, ?2) "
        "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email");
    if (!upsert) return std::unexpected(upsert.error());
    return upsert->bind(1, user_id).bind(2, std::int64_t{settings.email ? 1 : 0}).run();
  }).get();
  log_write_failure(stored, fmt::format("storing notification settings of user {}", user_id));
  return stored;
}

}  // namespace tandem::storage::sqlite
