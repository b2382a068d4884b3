// The inbox sink: stores a notification per event (once per event id) and
// publishes it on the user's personal channel.
#pragma once

#include <functional>
#include <string>

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

// The publication data: {"type": "notification", "notification": {...}}
// with the same fields as GET /v1/notifications items.
std::string notification_publication(const storage::Notification& notification);

}  // namespace tandem::events
