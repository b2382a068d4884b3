// Development sign-in for the web client: list the demo users and mint a
// token for a user id. Registered only when `dev_login` is on (off by
// default): with it anyone who reaches the server can act as any user.
#pragma once

#include <string>

#include "http/rest_routes.h"
#include "http/router.h"

namespace tandem::http {

struct DevLoginContext {
  RestContext& rest;
  std::string demo_workspace_id;  // members listed by GET /v1/dev/users; empty: none
  std::int64_t token_ttl_s = 24 * 3600;
};

// GET /v1/dev/users -> {"users": [{user_id, name, role}]} (the demo
// workspace's members) and POST /v1/dev/token {user_id, name?} ->
// {token, user_id, name, expires_at}. `context` must outlive the router.
void add_dev_routes(Router& router, DevLoginContext& context);

}  // namespace tandem::http
