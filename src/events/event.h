// Notification events as stored in the outbox: topic and JSON payload.
//
// Payload: {event_id, type, workspace_id, doc_id, doc_title, actor_id,
// user_id, path, excerpt, version, ts}; type is "mention" or "assign", and
// the topic is doc.mention.{user} or doc.assign.{user} (see topic_word).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.h"
#include "events/derive.h"
#include "storage/records.h"

namespace tandem::events {

// The op that caused the events.
struct EventSource {
  std::string workspace_id;
  std::string document_id;
  std::string document_title;
  std::string actor_id;   // the op's author
  std::int64_t version = 0;  // the version the op produced
  std::int64_t ts = 0;       // unix milliseconds when the server accepted the op
};

// One outbox event per target, each with a new event id.
std::vector<storage::OutboxEvent> build_events(const std::vector<Target>& targets, const EventSource& source);

// The payload fields a sink needs, read from a stored payload.
struct EventPayload {
  std::string event_id;
  std::string type;
  std::string workspace_id;
  std::string doc_id;
  std::string doc_title;
  std::string actor_id;
  std::string user_id;
  std::string excerpt;
  std::int64_t version = 0;
  std::int64_t ts = 0;
};

// Parses a payload; invalid_request naming the first missing or mistyped field.
Result<EventPayload> parse_payload(std::string_view payload_json);

}  // namespace tandem::events
