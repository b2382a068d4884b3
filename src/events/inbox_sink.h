// The inbox sink: stores a notification per event (once per event id) and
// publishes it on the user's personal channel.
#pragma once

#include <functional>
#include <string>

#include <boost/json/object.hpp>

#include "events/sink.h"
#include "storage/store.h"

namespace tandem::events {

// Publishes `data` on channel user:{user_id}; returns false on failure.
using UserPublisher = std::function<bool(const std::string& user_id, const std::string& data)>;

class InboxSink final : public Sink {
 public:
  InboxSink(storage::Store& store, UserPublisher publish);

  // Stores the notification and acks the message in one transaction, then
  // publishes only when the notification is new, so a redelivered event
  // reaches the channel once. A crash between the commit and the publish
  // loses that live message; the inbox still contains the notification.
  Outcome deliver(const storage::QueuedMessage& message, const EventPayload& payload) override;

 private:
  storage::Store& store_;
  UserPublisher publish_;
};

// An inbox item as GET /v1/notifications returns it: id, type, read,
// created_at and read_at (RFC 3339, or null), and the event as `payload`.
boost::json::object notification_json(const storage::Notification& notification);

// The publication data: {"type": "notification", "notification": item}
// with the item as notification_json() builds it.
std::string notification_publication(const storage::Notification& notification);

}  // namespace tandem::events
