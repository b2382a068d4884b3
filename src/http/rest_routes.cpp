#include "http/rest_routes.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/jwt.h"
#include "core/ids.h"
#include "documents/validation.h"
#include "http/rest_json.h"

namespace tandem::http {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxQueryBytes = 1000;  // search text, bytes

}  // namespace

Result<documents::Caller> authenticate(const Request& request, RestContext& context) {
  std::string_view header = request.authorization;
  std::string_view token;
  if (header.size() > 7) {
    std::string scheme(header.substr(0, 7));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme == "bearer ") token = header.substr(7);
  }
  if (token.empty()) {
    return fail(ErrorCode::unauthorized, "missing token; send 'Authorization: Bearer <token>'");
  }

  auto claims = auth::verify_token(token, {.secret = context.jwt_secret,
                                           .now_unix_s = now_unix_ms() / 1000,
                                           .clock_skew_s = context.clock_skew_s});
  if (!claims) return std::unexpected(auth::to_error(claims.error()));
  if (auto status = documents::check_user_id(claims->subject); !status) {
    return fail(ErrorCode::unauthorized, "token 'sub' is not a valid user id: " + status.error().message);
  }

  documents::Caller caller{claims->subject, claims->name, claims->email};
  if (auto status = context.service.remember_caller(caller); !status) return std::unexpected(status.error());
  return caller;
}

namespace {

// Wraps a handler that needs an authenticated caller.
template <class F>
Handler authed(RestContext& context, F body) {
  return [&context, body](Request& request) -> Response {
    auto caller = authenticate(request, context);
    if (!caller) return error_response(caller.error());
    return body(request, *caller);
  };
}

Result<std::optional<std::string>> tag_query(const Request& request) {
  auto tag = request.query_value("tag");
  if (!tag) return std::optional<std::string>{};
  auto normalized = documents::normalize_tags({std::string(*tag)});
  if (!normalized) return std::unexpected(normalized.error());
  return std::optional<std::string>{std::string(*tag)};
}

Response create_workspace(Request& request, const documents::Caller& caller, RestContext& context) {
  auto body = parse_object_body(request.body, {"name"});
  if (!body) return error_response(body.error());
  auto name = required_string(*body, "name");
  if (!name) return error_response(name.error());

  auto created = context.service.create_workspace(caller, *name);
  if (!created) return error_response(created.error());
  spdlog::info("workspace {} created by {}", created->workspace.id, caller.user_id);
  return json_response(201, workspace_json(*created));
}

Response list_workspaces(const documents::Caller& caller, RestContext& context) {
  auto workspaces = context.service.list_workspaces(caller);
  if (!workspaces) return error_response(workspaces.error());
  json::array array;
  for (const auto& membership : *workspaces) array.push_back(workspace_json(membership));
  return json_response(200, array);
}

Response list_members(Request& request, const documents::Caller& caller, RestContext& context) {
  auto members = context.service.list_members(caller, request.params["ws"]);
  if (!members) return error_response(members.error());
  json::array array;
  for (const auto& member : *members) array.push_back(member_json(member));
  return json_response(200, array);
}

Response put_member(Request& request, const documents::Caller& caller, RestContext& context) {
  auto body = parse_object_body(request.body, {"role"});
  if (!body) return error_response(body.error());
  auto role_text = required_string(*body, "role");
  if (!role_text) return error_response(role_text.error());
  auto role = parse_role(*role_text);
  if (!role) {
    return error_response({ErrorCode::invalid_request,
                           fmt::format("invalid field 'role' \"{}\": use owner, editor, commenter or viewer",
                                       role_text->substr(0, 40)),
                           std::nullopt});
  }

  auto member = context.service.put_member(caller, request.params["ws"], request.params["user"], *role);
  if (!member) return error_response(member.error());
  spdlog::info("workspace {}: {} set {} to {}", request.params["ws"], caller.user_id, member->user_id,
               role_name(*role));
  return json_response(200, member_json(*member));
}

Response remove_member(Request& request, const documents::Caller& caller, RestContext& context) {
  auto status = context.service.remove_member(caller, request.params["ws"], request.params["user"]);
  if (!status) return error_response(status.error());
  spdlog::info("workspace {}: {} removed {}", request.params["ws"], caller.user_id, request.params["user"]);
  return no_content();
}

Response create_document(Request& request, const documents::Caller& caller, RestContext& context) {
  auto body = parse_object_body(request.body, {"title", "content", "tags"});
  if (!body) return error_response(body.error());
  auto title = required_string(*body, "title");
  if (!title) return error_response(title.error());
  auto content = optional_object_json(*body, "content");
  if (!content) return error_response(content.error());
  auto tags = optional_string_list(*body, "tags");
  if (!tags) return error_response(tags.error());

  documents::CreateDocument input{std::move(*title), std::move(*content), tags->value_or(std::vector<std::string>{})};
  auto document = context.service.create_document(caller, request.params["ws"], std::move(input));
  if (!document) return error_response(document.error());
  spdlog::debug("document {} created in {} by {}", document->id, document->workspace_id, caller.user_id);
  return json_response(201, document_json(*document, true));
}

Response list_documents(Request& request, const documents::Caller& caller, RestContext& context) {
  auto limit = integer_query(request.query_value("limit"), "limit", 1, 100, 20);
  if (!limit) return error_response(limit.error());
  auto tag = tag_query(request);
  if (!tag) return error_response(tag.error());

  storage::ListQuery query{request.params["ws"], *tag, static_cast<int>(*limit), std::nullopt};
  if (auto cursor = request.query_value("cursor"); cursor && !cursor->empty()) query.cursor = std::string(*cursor);

  auto page = context.service.list_documents(caller, std::move(query));
  if (!page) return error_response(page.error());
  json::array documents;
  for (const auto& document : page->documents) documents.push_back(document_json(document, false));
  json::object result{{"documents", std::move(documents)}};
  result["next_cursor"] = page->next_cursor ? json::value(*page->next_cursor) : json::value(nullptr);
  return json_response(200, result);
}

Response get_document(Request& request, const documents::Caller& caller, RestContext& context) {
  std::optional<std::int64_t> version;
  if (auto text = request.query_value("version")) {
    auto parsed = integer_query(text, "version", 0, INT64_MAX, 0);
    if (!parsed) return error_response(parsed.error());
    version = *parsed;
  }
  auto document = context.service.get_document(caller, request.params["id"], version);
  if (!document) return error_response(document.error());
  return json_response(200, document_json(*document, true));
}

Response update_document(Request& request, const documents::Caller& caller, RestContext& context) {
  auto body = parse_object_body(request.body, {"title", "tags"});
  if (!body) return error_response(body.error());
  auto title = optional_string(*body, "title");
  if (!title) return error_response(title.error());
  auto tags = optional_string_list(*body, "tags");
  if (!tags) return error_response(tags.error());
  if (!*title && !*tags) {
    return error_response({ErrorCode::invalid_request, "nothing to change; send 'title', 'tags' or both",
                           std::nullopt});
  }

  storage::DocumentMetaUpdate update{std::move(*title), std::move(*tags), "", 0};
  auto document = context.service.update_document(caller, request.params["id"], std::move(update));
  if (!document) return error_response(document.error());
  return json_response(200, document_json(*document, true));
}

Response delete_document(Request& request, const documents::Caller& caller, RestContext& context) {
  auto status = context.service.delete_document(caller, request.params["id"]);
  if (!status) return error_response(status.error());
  spdlog::info("document {} deleted by {}", request.params["id"], caller.user_id);
  return no_content();
}

// Builds the {version, op} reply of an op submission or a restore.
Response submit_response(const Result<documents::SubmitResult>& result) {
  if (!result) return error_response(result.error());
  json::object reply{{"version", result->version}};
  boost::system::error_code ec;
  reply["op"] = json::parse(result->op_json, ec);
  return json_response(200, reply);
}

void submit_op(Request& request, const documents::Caller& caller, RestContext& context, Respond respond) {
  // Access errors come before input errors: 404, then 403, then 400.
  // submit_op checks access itself, so only a malformed body is checked here.
  auto body = parse_object_body(request.body, {"version", "op", "client_id", "seq"});
  auto submit = body ? read_submit_fields(*body, request.params["id"])
                     : Result<documents::SubmitRequest>(std::unexpected(body.error()));
  if (!submit) {
    if (auto allowed = context.service.check_can_edit(caller, request.params["id"]); !allowed) {
      return respond(error_response(allowed.error()));
    }
    return respond(error_response(submit.error()));
  }

  context.service.submit_op(caller, std::move(*submit), [respond](Result<documents::SubmitResult> result) {
    respond(submit_response(result));
  });
}

void restore_version(Request& request, const documents::Caller& caller, RestContext& context, Respond respond) {
  auto body = parse_object_body(request.body, {"version"});
  if (!body) return respond(error_response(body.error()));
  auto version = required_integer(*body, "version", 0, INT64_MAX);
  if (!version) return respond(error_response(version.error()));

  context.service.restore_version(caller, request.params["id"], *version,
                                  [respond](Result<documents::SubmitResult> result) {
                                    respond(submit_response(result));
                                  });
}

Response list_ops(Request& request, const documents::Caller& caller, RestContext& context) {
  auto from = integer_query(request.query_value("from"), "from", 0, INT64_MAX, 0);
  if (!from) return error_response(from.error());
  std::optional<std::int64_t> to;
  if (auto text = request.query_value("to")) {
    auto parsed = integer_query(text, "to", 0, INT64_MAX, 0);
    if (!parsed) return error_response(parsed.error());
    to = *parsed;
  }
  auto limit = integer_query(request.query_value("limit"), "limit", 1, 1000, 1000);
  if (!limit) return error_response(limit.error());

  auto ops = context.service.list_ops(caller, request.params["id"], *from, to, static_cast<int>(*limit));
  if (!ops) return error_response(ops.error());
  json::array array;
  for (const auto& record : *ops) array.push_back(op_record_json(record));
  return json_response(200, json::object{{"ops", std::move(array)}});
}

Result<storage::SearchQuery> search_query(const Request& request) {
  storage::SearchQuery query;
  query.text = std::string(request.query_value("q").value_or(""));
  if (query.text.size() > kMaxQueryBytes || !documents::is_valid_utf8(query.text)) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid query parameter 'q': expected at most {} bytes of UTF-8 text", kMaxQueryBytes));
  }

  auto limit = integer_query(request.query_value("limit"), "limit", 1, 100, 20);
  if (!limit) return std::unexpected(limit.error());
  auto offset = integer_query(request.query_value("offset"), "offset", 0, 10000, 0);
  if (!offset) return std::unexpected(offset.error());
  auto tag = tag_query(request);
  if (!tag) return std::unexpected(tag.error());
  query.limit = static_cast<int>(*limit);
  query.offset = static_cast<int>(*offset);
  query.tag = std::move(*tag);

  std::string_view sort = request.query_value("sort").value_or("updated_at");
  if (sort == "relevance") {
    query.sort = storage::SearchSort::relevance;
  } else if (sort != "updated_at") {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid query parameter 'sort' '{}': use updated_at or relevance", sort.substr(0, 40)));
  }
  return query;
}

Response search(Request& request, const documents::Caller& caller, RestContext& context) {
  auto query = search_query(request);
  if (!query) return error_response(query.error());
  query->workspace_id = request.params["ws"];

  auto page = context.service.search(caller, std::move(*query));
  if (!page) return error_response(page.error());
  json::array results;
  for (const auto& hit : page->results) results.push_back(search_hit_json(hit));
  return json_response(200, json::object{{"results", std::move(results)},
                                         {"total", page->total},
                                         {"total_is_exact", page->total_is_exact}});
}

void add_probe_routes(Router& router, RestContext& context) {
  router.add("GET", "/health", [](Request&) { return json_response(200, json::object{{"status", "ok"}}); });
  router.add("GET", "/ready", [&context](Request&) {
    bool ready = context.store.ready();
    return json_response(ready ? 200 : 503, json::object{{"status", ready ? "ready" : "not ready"}});
  });
  router.add("GET", "/metrics", [&context](Request&) {
    Response response;
    response.body = context.metrics.render();
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  });
}

}  // namespace

void add_rest_routes(Router& router, RestContext& context) {
  add_probe_routes(router, context);

  auto& c = context;
  router.add("POST", "/v1/workspaces", authed(c, [&c](Request& r, const auto& u) { return create_workspace(r, u, c); }));
  router.add("GET", "/v1/workspaces", authed(c, [&c](Request&, const auto& u) { return list_workspaces(u, c); }));
  router.add("GET", "/v1/workspaces/{ws}/members",
             authed(c, [&c](Request& r, const auto& u) { return list_members(r, u, c); }));
  router.add("PUT", "/v1/workspaces/{ws}/members/{user}",
             authed(c, [&c](Request& r, const auto& u) { return put_member(r, u, c); }));
  router.add("DELETE", "/v1/workspaces/{ws}/members/{user}",
             authed(c, [&c](Request& r, const auto& u) { return remove_member(r, u, c); }));
  router.add("POST", "/v1/workspaces/{ws}/documents",
             authed(c, [&c](Request& r, const auto& u) { return create_document(r, u, c); }));
  router.add("GET", "/v1/workspaces/{ws}/documents",
             authed(c, [&c](Request& r, const auto& u) { return list_documents(r, u, c); }));
  router.add("GET", "/v1/workspaces/{ws}/search", authed(c, [&c](Request& r, const auto& u) { return search(r, u, c); }));
  router.add("GET", "/v1/documents/{id}", authed(c, [&c](Request& r, const auto& u) { return get_document(r, u, c); }));
  router.add("PATCH", "/v1/documents/{id}",
             authed(c, [&c](Request& r, const auto& u) { return update_document(r, u, c); }));
  router.add("DELETE", "/v1/documents/{id}",
             authed(c, [&c](Request& r, const auto& u) { return delete_document(r, u, c); }));
  router.add("GET", "/v1/documents/{id}/ops", authed(c, [&c](Request& r, const auto& u) { return list_ops(r, u, c); }));
  router.add_async("POST", "/v1/documents/{id}/restore", [&c](Request& r, Respond respond) {
    auto caller = authenticate(r, c);
    if (!caller) return respond(error_response(caller.error()));
    restore_version(r, *caller, c, std::move(respond));
  });
  router.add_async("POST", "/v1/documents/{id}/ops", [&c](Request& r, Respond respond) {
    auto caller = authenticate(r, c);
    if (!caller) return respond(error_response(caller.error()));
    submit_op(r, *caller, c, std::move(respond));
  });
}

}  // namespace tandem::http
