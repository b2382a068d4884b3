#include "http/dev_routes.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "auth/jwt.h"
#include "core/ids.h"
#include "core/role.h"
#include "documents/validation.h"
#include "http/rest_json.h"

namespace tandem::http {
namespace json = boost::json;

namespace {

Response list_users(DevLoginContext& context) {
  json::array users;
  if (!context.demo_workspace_id.empty()) {
    auto members = context.rest.store.list_members(context.demo_workspace_id);
    if (!members) return error_response(members.error());
    for (const auto& member : *members) {
      users.push_back(json::object{{"user_id", member.user_id},
                                   {"name", member.name.empty() ? member.user_id : member.name},
                                   {"role", role_name(member.role)}});
    }
  }
  return json_response(200, json::object{{"users", std::move(users)}});
}

// The identity for the token: the stored name and email (so a sign-in does
// not blank them), the name asked for instead when there is one, else the id.
Result<storage::User> token_identity(DevLoginContext& context, const std::string& user_id,
                                     const std::optional<std::string>& requested_name) {
  auto stored = context.rest.store.find_user(user_id);
  if (!stored) return std::unexpected(stored.error());
  storage::User user = stored->value_or(storage::User{user_id, "", ""});
  if (requested_name && !requested_name->empty()) user.name = *requested_name;
  if (user.name.empty()) user.name = user_id;
  return user;
}

Response issue_token(Request& request, DevLoginContext& context) {
  auto body = parse_object_body(request.body, {"user_id", "name"});
  if (!body) return error_response(body.error());
  auto user_id = required_string(*body, "user_id");
  if (!user_id) return error_response(user_id.error());
  if (auto status = documents::check_user_id(*user_id); !status) return error_response(status.error());
  auto requested_name = optional_string(*body, "name");
  if (!requested_name) return error_response(requested_name.error());
  if (*requested_name && ((*requested_name)->size() > 200 || !documents::is_valid_utf8(**requested_name))) {
    return error_response({ErrorCode::invalid_request,
                           "invalid field 'name': expected at most 200 bytes of UTF-8 text", std::nullopt});
  }
  auto user = token_identity(context, *user_id, *requested_name);
  if (!user) return error_response(user.error());

  std::int64_t now = now_unix_ms() / 1000;
  std::string token = auth::mint_token({.secret = context.rest.jwt_secret,
                                        .subject = *user_id,
                                        .name = user->name,
                                        .email = user->email,
                                        .now_unix_s = now,
                                        .ttl_s = context.token_ttl_s});
  spdlog::info("dev login: issued a token for user {}", *user_id);
  return json_response(200, json::object{{"token", token},
                                         {"user_id", *user_id},
                                         {"name", user->name},
                                         {"expires_at", now + context.token_ttl_s}});
}

}  // namespace

void add_dev_routes(Router& router, DevLoginContext& context) {
  router.add("GET", "/v1/dev/users", [&context](Request&) { return list_users(context); });
  router.add("POST", "/v1/dev/token", [&context](Request& request) { return issue_token(request, context); });
}

}  // namespace tandem::http
