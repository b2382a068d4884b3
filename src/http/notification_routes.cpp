#include "http/notification_routes.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/inbox_sink.h"
#include "http/rest_json.h"

namespace tandem::http {
namespace json = boost::json;

namespace {

json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(nullptr) : value;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

Result<bool> bool_query(std::optional<std::string_view> text, std::string_view name) {
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1" || text->empty()) return true;
  return fail(ErrorCode::invalid_request,
              fmt::format("invalid query parameter '{}' '{}': use true or false", name, text->substr(0, 40)));
}

template <class F>
Handler authed(RestContext& context, F body) {
  return [&context, body](Request& request) -> Response {
    auto caller = authenticate(request, context);
    if (!caller) return error_response(caller.error());
    return body(request, *caller);
  };
}

Response list_notifications(Request& request, const documents::Caller& caller, RestContext& context) {
  auto unread = bool_query(request.query_value("unread"), "unread");
  if (!unread) return error_response(unread.error());
  auto limit = integer_query(request.query_value("limit"), "limit", 1, 100, 20);
  if (!limit) return error_response(limit.error());
  storage::NotificationQuery query{caller.user_id, *unread, static_cast<int>(*limit), std::nullopt};
  if (auto cursor = request.query_value("cursor"); cursor && !cursor->empty()) query.cursor = std::string(*cursor);

  auto page = context.store.list_notifications(query);
  if (!page) return error_response(page.error());
  json::array items;
  for (const auto& notification : page->items) items.push_back(events::notification_json(notification));
  json::object result{{"items", std::move(items)}, {"unread_count", page->unread_count}};
  result["next_cursor"] = page->next_cursor ? json::value(*page->next_cursor) : json::value(nullptr);
  return json_response(200, result);
}

Response mark_read(Request& request, const documents::Caller& caller, RestContext& context) {
  auto marked = context.store.mark_notification_read(caller.user_id, request.params["id"], now_unix_ms());
  if (!marked) return error_response(marked.error());
  return no_content();
}

Response mark_all_read(const documents::Caller& caller, RestContext& context) {
  auto marked = context.store.mark_all_notifications_read(caller.user_id, now_unix_ms());
  if (!marked) return error_response(marked.error());
  return json_response(200, json::object{{"marked", *marked}});
}

Response get_settings(const documents::Caller& caller, RestContext& context, bool email_default) {
  auto settings = context.store.notification_settings(caller.user_id);
  if (!settings) return error_response(settings.error());
  bool email = settings->has_value() ? (*settings)->email : email_default;
  return json_response(200, json::object{{"email", email}});
}

Response put_settings(Request& request, const documents::Caller& caller, RestContext& context) {
  auto body = parse_object_body(request.body, {"email"});
  if (!body) return error_response(body.error());
  const json::value* email = body->if_contains("email");
  if (email == nullptr || !email->is_bool()) {
    return error_response({ErrorCode::invalid_request, "invalid field 'email': expected true or false", std::nullopt});
  }
  if (auto stored = context.store.put_notification_settings(caller.user_id, {email->get_bool()}); !stored) {
    return error_response(stored.error());
  }
  spdlog::info("user {} turned email notifications {}", caller.user_id, email->get_bool() ? "on" : "off");
  return json_response(200, json::object{{"email", email->get_bool()}});
}

// The dead letter, when the caller owns its workspace: not_found when the
// letter is absent or the caller is not a member (so ids are not probed),
// forbidden for members below owner.
Result<storage::DeadLetter> owned_dead_letter(Request& request, const documents::Caller& caller,
                                              RestContext& context) {
  auto not_found = fail(ErrorCode::not_found, fmt::format("dead letter {} not found", request.params["id"]));
  auto id = parse_id(request.params["id"]);
  if (!id) return not_found;
  auto letter = context.store.find_dead_letter(*id);
  if (!letter) return std::unexpected(letter.error());
  if (!*letter) return not_found;
  auto role = context.store.member_role((*letter)->event.workspace_id, caller.user_id);
  if (!role) return std::unexpected(role.error());
  if (!*role) return not_found;
  if (**role != Role::owner) {
    return fail(ErrorCode::forbidden,
                fmt::format("dead letter {} belongs to workspace {}, where only owners may manage dead letters",
                            *id, (*letter)->event.workspace_id));
  }
  return std::move(**letter);
}

Result<storage::DeadLetterQuery> dead_letter_query(Request& request, const documents::Caller& caller) {
  storage::DeadLetterQuery query;
  query.owner_user_id = caller.user_id;
  if (auto queue = request.query_value("queue"); queue && !queue->empty()) query.queue = std::string(*queue);
  auto limit = integer_query(request.query_value("limit"), "limit", 1, 200, 50);
  if (!limit) return std::unexpected(limit.error());
  query.limit = static_cast<int>(*limit);
  if (auto cursor = request.query_value("cursor"); cursor && !cursor->empty()) {
    auto before = parse_id(*cursor);
    if (!before) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid cursor '{}': pass the next_cursor of the previous page unchanged",
                              cursor->substr(0, 40)));
    }
    query.before_id = *before;
  }
  return query;
}

Response list_dead_letters(Request& request, const documents::Caller& caller, RestContext& context) {
  auto query = dead_letter_query(request, caller);
  if (!query) return error_response(query.error());
  auto letters = context.store.list_dead_letters(*query);
  if (!letters) return error_response(letters.error());
  json::array items;
  for (const auto& letter : *letters) items.push_back(dead_letter_json(letter));
  json::object result{{"items", std::move(items)}};
  bool full = static_cast<int>(letters->size()) == query->limit;
  result["next_cursor"] = full ? json::value(std::to_string(letters->back().id)) : json::value(nullptr);
  return json_response(200, result);
}

Response retry_dead_letter(Request& request, const documents::Caller& caller, RestContext& context,
                           events::Pipeline* pipeline) {
  auto letter = owned_dead_letter(request, caller, context);
  if (!letter) return error_response(letter.error());
  if (auto moved = context.store.redrive_dead_letter(letter->id, now_unix_ms()); !moved) {
    return error_response(moved.error());
  }
  if (pipeline != nullptr) pipeline->wake_queues();
  spdlog::info("events: {} redrove dead letter {} (event {}, queue {})", caller.user_id, letter->id,
               letter->event.id, letter->queue.empty() ? "none" : letter->queue);
  return json_response(200, json::object{{"redriven", 1}});
}

Response retry_all_dead_letters(Request& request, const documents::Caller& caller, RestContext& context,
                                events::Pipeline* pipeline) {
  auto query = dead_letter_query(request, caller);
  if (!query) return error_response(query.error());
  auto moved = context.store.redrive_dead_letters(*query, now_unix_ms());
  if (!moved) return error_response(moved.error());
  if (pipeline != nullptr && *moved > 0) pipeline->wake_queues();
  spdlog::info("events: {} redrove {} dead letters", caller.user_id, *moved);
  return json_response(200, json::object{{"redriven", *moved}});
}

Response delete_dead_letter(Request& request, const documents::Caller& caller, RestContext& context) {
  auto letter = owned_dead_letter(request, caller, context);
  if (!letter) return error_response(letter.error());
  if (auto deleted = context.store.delete_dead_letter(letter->id); !deleted) return error_response(deleted.error());
  spdlog::info("events: {} deleted dead letter {} (event {})", caller.user_id, letter->id, letter->event.id);
  return no_content();
}

}  // namespace


json::object dead_letter_json(const storage::DeadLetter& letter) {
  json::object object{{"id", letter.id},
                      {"event_id", letter.event.id},
                      {"topic", letter.event.topic},
                      {"workspace_id", letter.event.workspace_id},
                      {"payload", parse_or_null(letter.event.payload_json)},
                      {"attempts", letter.attempts},
                      {"last_error", letter.last_error},
                      {"created_at", format_rfc3339(letter.event.created_at)},
                      {"dead_at", format_rfc3339(letter.dead_at)}};
  object["queue"] = letter.queue.empty() ? json::value(nullptr) : json::value(letter.queue);
  object["first_attempt_at"] = letter.first_attempt_at != 0 ? json::value(format_rfc3339(letter.first_attempt_at)) : json::value(nullptr);
  object["last_attempt_at"] = letter.last_attempt_at != 0 ? json::value(format_rfc3339(letter.last_attempt_at)) : json::value(nullptr);
  return object;
}

void add_notification_routes(Router& router, RestContext& context, events::Pipeline* pipeline,
                             bool email_default) {
  auto& c = context;
  router.add("GET", "/v1/notifications",
             authed(c, [&c](Request& r, const auto& u) { return list_notifications(r, u, c); }));
  router.add("POST", "/v1/notifications/read-all",
             authed(c, [&c](Request&, const auto& u) { return mark_all_read(u, c); }));
  router.add("GET", "/v1/notifications/settings",
             authed(c, [&c, email_default](Request&, const auto& u) { return get_settings(u, c, email_default); }));
  router.add("PUT", "/v1/notifications/settings",
             authed(c, [&c](Request& r, const auto& u) { return put_settings(r, u, c); }));
  router.add("POST", "/v1/notifications/{id}/read",
             authed(c, [&c](Request& r, const auto& u) { return mark_read(r, u, c); }));

  router.add("GET", "/v1/admin/dead-letters",
             authed(c, [&c](Request& r, const auto& u) { return list_dead_letters(r, u, c); }));
  router.add("POST", "/v1/admin/dead-letters/retry-all", authed(c, [&c, pipeline](Request& r, const auto& u) {
               return retry_all_dead_letters(r, u, c, pipeline);
             }));
  router.add("POST", "/v1/admin/dead-letters/{id}/retry", authed(c, [&c, pipeline](Request& r, const auto& u) {
               return retry_dead_letter(r, u, c, pipeline);
             }));
  router.add("DELETE", "/v1/admin/dead-letters/{id}",
             authed(c, [&c](Request& r, const auto& u) { return delete_dead_letter(r, u, c); }));
}

}  // namespace tandem::http
