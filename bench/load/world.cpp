#include "world.h"

#include <boost/json.hpp>

namespace tandem::load {

boost::json::value initial_content() { return boost::json::object{{"text", ""}, {"tasks", boost::json::object{}}}; }

namespace {

std::string string_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

NoticeRef read_notice(const boost::json::object& item) {
  const boost::json::value* payload_value = item.if_contains("payload");
  const boost::json::object& fields =
      payload_value != nullptr && payload_value->is_object() ? payload_value->as_object() : item;
  NoticeRef ref;
  std::string type = string_field(item, "type");
  if (type.empty()) type = string_field(fields, "type");
  if (type.find("mention") != std::string::npos) ref.type = "mention";
  if (type.find("assign") != std::string::npos) ref.type = "assign";
  ref.doc_id = string_field(fields, "doc_id");
  if (const boost::json::value* v = fields.if_contains("version"); v != nullptr && v->is_number()) {
    ref.version = v->to_number<std::int64_t>();
  }
  ref.id = string_field(item, "id");
  if (ref.id.empty()) ref.id = string_field(fields, "event_id");
  return ref;
}

}  // namespace tandem::load
