#include "events/inbox_sink.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"

namespace tandem::events {
namespace json = boost::json;

InboxSink::InboxSink(storage::Store& store, UserPublisher publish) : store_(store), publish_(std::move(publish)) {}

Outcome InboxSink::deliver(const storage::QueuedMessage& message, const EventPayload& payload) {
  const storage::OutboxEvent& event = message.event;
  storage::Notification notification{event.id, payload.user_id, payload.type, event.payload_json, event.created_at, 0};
  // One transaction stores the notification and acks the message.
  auto inserted = store_.deliver_notification(message.id, notification);
  if (!inserted) return Outcome::fail(fmt::format("storing the notification failed: {}", inserted.error().message));
  if (*inserted && publish_ && !publish_(payload.user_id, notification_publication(notification))) {
    // The inbox has it; the live copy is best effort.
    spdlog::warn("events: publishing notification {} to user {} failed", event.id, payload.user_id);
  }
  return Outcome::ok_acked();
}

json::object notification_json(const storage::Notification& notification) {
  boost::system::error_code ec;
  json::value payload = json::parse(notification.payload_json, ec);
  if (ec) payload = nullptr;

  json::object object{{"id", notification.id},
                      {"type", notification.type},
                      {"read", notification.read_at != 0},
                      {"created_at", format_rfc3339(notification.created_at)},
                      {"payload", std::move(payload)}};
  object["read_at"] = notification.read_at != 0 ? json::value(format_rfc3339(notification.read_at)) : json::value(nullptr);
  return object;
}

std::string notification_publication(const storage::Notification& notification) {
  return json::serialize(json::object{{"type", "notification"}, {"notification", notification_json(notification)}});
}

}  // namespace tandem::events
