#include "http/rest_json.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/ids.h"

namespace tandem::http {
namespace json = boost::json;

namespace {

std::string_view kind_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::unexpected<Error> wrong_type(std::string_view field, std::string_view expected, const json::value& value) {
  return fail(ErrorCode::invalid_request,
              fmt::format("invalid field '{}': expected {}, got {}", field, expected, kind_name(value)));
}

json::value parse_embedded(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(json::object{}) : value;
}

json::value parse_embedded_array(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(json::array{}) : value;
}

json::array string_array(const std::vector<std::string>& items) {
  json::array array;
  for (const std::string& item : items) array.emplace_back(item);
  return array;
}

}  // namespace

Result<json::object> parse_object_body(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (body.empty()) {
    return fail(ErrorCode::invalid_request, "request body is empty; send a JSON object");
  }

  // Boost.JSON rejects invalid UTF-8 inside strings by default.
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) {
    return fail(ErrorCode::invalid_request, fmt::format("request body is not valid JSON: {}", ec.message()));
  }
  if (!value.is_object()) {
    return fail(ErrorCode::invalid_request,
                fmt::format("request body must be a JSON object, got {}", kind_name(value)));
  }

  for (const auto& entry : value.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(entry.key())) == allowed.end()) {
      std::string accepted;
      for (std::string_view name : allowed) accepted += (accepted.empty() ? "" : ", ") + std::string(name);
      return fail(ErrorCode::invalid_request,
                  fmt::format("unknown field '{}'; accepted fields: {}", std::string_view(entry.key()), accepted));
    }
  }
  return std::move(value.as_object());
}

Result<std::string> required_string(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) {
    return fail(ErrorCode::invalid_request, fmt::format("missing field '{}'", field));
  }
  if (!value->is_string()) return wrong_type(field, "a string", *value);
  return std::string(value->as_string());
}

Result<std::optional<std::string>> optional_string(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_string()) return wrong_type(field, "a string", *value);
  return std::optional<std::string>{std::string(value->as_string())};
}

Result<std::optional<std::vector<std::string>>> optional_string_list(const json::object& object,
                                                                     std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<std::vector<std::string>>{};
  if (!value->is_array()) return wrong_type(field, "an array of strings", *value);

  std::vector<std::string> items;
  for (const json::value& item : value->as_array()) {
    if (!item.is_string()) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid field '{}': every item must be a string, got {}", field, kind_name(item)));
    }
    items.emplace_back(item.as_string());
  }
  return std::optional<std::vector<std::string>>{std::move(items)};
}

Result<std::optional<std::string>> optional_object_json(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_object()) return wrong_type(field, "a JSON object", *value);
  return std::optional<std::string>{json::serialize(*value)};
}

Result<std::int64_t> required_integer(const json::object& object, std::string_view field, std::int64_t min,
                                      std::int64_t max) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) {
    return fail(ErrorCode::invalid_request, fmt::format("missing field '{}'", field));
  }
  std::optional<std::int64_t> number;
  if (value->is_int64()) number = value->as_int64();
  if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    number = static_cast<std::int64_t>(value->as_uint64());
  }
  if (value->is_double() && value->as_double() == static_cast<double>(static_cast<std::int64_t>(value->as_double()))) {
    number = static_cast<std::int64_t>(value->as_double());
  }
  if (!number || *number < min || *number > max) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field '{}' {}: expected an integer from {} to {}", field,
                            json::serialize(*value).substr(0, 40), min, max));
  }
  return *number;
}

Result<std::int64_t> integer_query(std::optional<std::string_view> text, std::string_view name, std::int64_t min,
                                   std::int64_t max, std::int64_t fallback) {
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < min || value > max) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid query parameter '{}' '{}': expected an integer from {} to {}", name,
                            text->substr(0, 40), min, max));
  }
  return value;
}

json::object workspace_json(const storage::WorkspaceMembership& membership) {
  const storage::Workspace& workspace = membership.workspace;
  return {{"id", workspace.id},
          {"name", workspace.name},
          {"role", role_name(membership.role)},
          {"created_by", workspace.created_by},
          {"created_at", format_rfc3339(workspace.created_at)}};
}

json::object member_json(const storage::Member& member) {
  json::object object{{"user_id", member.user_id}, {"name", member.name}, {"role", role_name(member.role)}};
  if (!member.email.empty()) object["email"] = member.email;
  return object;
}

json::object document_json(const storage::Document& document, bool include_content) {
  json::object object{{"id", document.id},
                      {"workspace_id", document.workspace_id},
                      {"title", document.title}};
  if (include_content) object["content"] = parse_embedded(document.content_json);
  object["version"] = document.version;
  object["tags"] = string_array(document.tags);
  object["created_by"] = document.created_by;
  object["last_edited_by"] = document.last_edited_by;
  object["created_at"] = format_rfc3339(document.created_at);
  object["updated_at"] = format_rfc3339(document.updated_at);
  return object;
}

json::object search_hit_json(const storage::SearchHit& hit) {
  return {{"id", hit.id},
          {"title", hit.title},
          {"snippet", hit.snippet},
          {"tags", string_array(hit.tags)},
          {"updated_at", format_rfc3339(hit.updated_at)}};
}

json::object op_record_json(const storage::OpRecord& record) {
  return {{"version", record.version},
          {"op", parse_embedded_array(record.op_json)},
          {"user_id", record.user_id},
          {"client_id", record.client_id},
          {"seq", record.seq},
          {"created_at", format_rfc3339(record.created_at)}};
}

Result<documents::SubmitRequest> read_submit_fields(const boost::json::object& fields, std::string document_id) {
  auto version = required_integer(fields, "version", 0, INT64_MAX);
  if (!version) return std::unexpected(version.error());
  auto client_id = required_string(fields, "client_id");
  if (!client_id) return std::unexpected(client_id.error());
  auto seq = required_integer(fields, "seq", 0, INT64_MAX);
  if (!seq) return std::unexpected(seq.error());
  const boost::json::value* op = fields.if_contains("op");
  if (op == nullptr) return fail(ErrorCode::invalid_request, "missing field 'op'");
  return documents::SubmitRequest{std::move(document_id), *version, *op, std::move(*client_id), *seq};
}

}  // namespace tandem::http
