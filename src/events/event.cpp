#include "events/event.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/ids.h"
#include "events/topic.h"

namespace tandem::events {
namespace json = boost::json;

std::vector<storage::OutboxEvent> build_events(const std::vector<Target>& targets, const EventSource& source) {
  std::vector<storage::OutboxEvent> events;
  events.reserve(targets.size());
  for (const Target& target : targets) {
    const std::string_view type = target.kind == TargetKind::mention ? "mention" : "assign";
    storage::OutboxEvent event;
    event.id = new_id("e");
    event.topic = fmt::format("doc.{}.{}", type, topic_word(target.user_id));
    event.workspace_id = source.workspace_id;
    event.created_at = source.ts;
    event.payload_json = json::serialize(json::object{{"event_id", event.id},
                                                      {"type", type},
                                                      {"workspace_id", source.workspace_id},
                                                      {"doc_id", source.document_id},
                                                      {"doc_title", source.document_title},
                                                      {"actor_id", source.actor_id},
                                                      {"user_id", target.user_id},
                                                      {"path", ot::path_to_json(target.path)},
                                                      {"excerpt", target.excerpt},
                                                      {"version", source.version},
                                                      {"ts", source.ts}});
    events.push_back(std::move(event));
  }
  return events;
}

namespace {

Result<std::string> string_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return fail(ErrorCode::invalid_request, fmt::format("event payload has no string field '{}'", name));
  }
  return std::string(value->get_string());
}

Result<std::int64_t> integer_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_int64()) {
    return fail(ErrorCode::invalid_request, fmt::format("event payload has no integer field '{}'", name));
  }
  return value->get_int64();
}

}  // namespace

Result<EventPayload> parse_payload(std::string_view payload_json) {
  boost::system::error_code ec;
  json::value value = json::parse(payload_json, ec);
  if (ec || !value.is_object()) {
    return fail(ErrorCode::invalid_request, "event payload is not a JSON object");
  }
  const json::object& object = value.get_object();
  EventPayload payload;
  struct StringField {
    std::string_view name;
    std::string* target;
  };
  for (StringField field : {StringField{"event_id", &payload.event_id}, StringField{"type", &payload.type},
                            StringField{"workspace_id", &payload.workspace_id}, StringField{"doc_id", &payload.doc_id},
                            StringField{"doc_title", &payload.doc_title}, StringField{"actor_id", &payload.actor_id},
                            StringField{"user_id", &payload.user_id}, StringField{"excerpt", &payload.excerpt}}) {
    auto text = string_field(object, field.name);
    if (!text) return std::unexpected(text.error());
    *field.target = std::move(*text);
  }
  auto version = integer_field(object, "version");
  if (!version) return std::unexpected(version.error());
  auto ts = integer_field(object, "ts");
  if (!ts) return std::unexpected(ts.error());
  payload.version = *version;
  payload.ts = *ts;
  if (payload.type != "mention" && payload.type != "assign") {
    return fail(ErrorCode::invalid_request,
                fmt::format("event payload has unknown type '{}': expected mention or assign", payload.type));
  }
  return payload;
}

}  // namespace tandem::events
