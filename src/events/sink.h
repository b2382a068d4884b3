// A delivery target of a queue. Sinks run on the queue's worker threads,
// several deliveries at once (up to the queue's prefetch), so they must be
// thread-safe. They must be idempotent by event id where they can be,
// because delivery is at least once.
#pragma once

#include <string>

#include "events/event.h"
#include "storage/records.h"

namespace tandem::events {

struct Outcome {
  enum class Kind {
    delivered,  // done: ack
    skipped,    // nothing to do for this user (no address, opted out): ack
    failed,     // try again later, then dead-letter
    rejected,   // can never succeed: dead-letter at once
  };
  Kind kind = Kind::delivered;
  std::string error;  // for failed and rejected: why, without secrets
  bool acked = false;  // delivered: the sink deleted the message itself, atomically with its write

  static Outcome ok() { return {}; }
  static Outcome ok_acked() { return {Kind::delivered, {}, true}; }
  static Outcome skip(std::string reason) { return {Kind::skipped, std::move(reason)}; }
  static Outcome fail(std::string error) { return {Kind::failed, std::move(error)}; }
  static Outcome reject(std::string error) { return {Kind::rejected, std::move(error)}; }
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers the message's event. Never throws.
  virtual Outcome deliver(const storage::QueuedMessage& message, const EventPayload& payload) = 0;
};

}  // namespace tandem::events
