// JSON helpers for the REST handlers: strict body parsing with errors that
// name the field, and the wire shapes of workspaces, members and documents.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/error.h"
#include "documents/live.h"
#include "storage/records.h"

namespace tandem::http {

// Parses a request body that must be a JSON object of valid UTF-8 and
// contain only `allowed` keys.
Result<boost::json::object> parse_object_body(std::string_view body,
                                              std::initializer_list<std::string_view> allowed);

Result<std::string> required_string(const boost::json::object& object, std::string_view field);
Result<std::optional<std::string>> optional_string(const boost::json::object& object, std::string_view field);
Result<std::optional<std::vector<std::string>>> optional_string_list(const boost::json::object& object,
                                                                     std::string_view field);
// Serialized JSON of the field when present; it must be an object.
Result<std::optional<std::string>> optional_object_json(const boost::json::object& object,
                                                        std::string_view field);

// An integer field in [min, max]; numbers with a fraction are rejected.
Result<std::int64_t> required_integer(const boost::json::object& object, std::string_view field, std::int64_t min,
                                      std::int64_t max);

// Reads an integer query value in [min, max]; `fallback` when absent.
Result<std::int64_t> integer_query(std::optional<std::string_view> text, std::string_view name,
                                   std::int64_t min, std::int64_t max, std::int64_t fallback);

// Reads the fields of an op submission (`version`, `op`, `client_id`, `seq`)
// for `document_id`; the first missing or invalid field is the error.
Result<documents::SubmitRequest> read_submit_fields(const boost::json::object& fields, std::string document_id);

boost::json::object workspace_json(const storage::WorkspaceMembership& membership);
boost::json::object member_json(const storage::Member& member);
// With `include_content` false the `content` key is left out (listings).
boost::json::object document_json(const storage::Document& document, bool include_content);
boost::json::object search_hit_json(const storage::SearchHit& hit);
// {version, op, user_id, client_id, seq, created_at}
boost::json::object op_record_json(const storage::OpRecord& record);

}  // namespace tandem::http
