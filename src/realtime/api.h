// Centrifugo v5 server HTTP API methods (`POST /api/<method>`) on the engine:
// request and result shapes as Centrifugo's, errors as {code, message}.
// Authentication is the HTTP layer's job (see http/server_api.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "realtime/engine.h"

namespace tandem::realtime {

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Runs `method` with the JSON request `body`. Without transport error mode
// every handled call is HTTP 200 with {"result":...} or {"error":...}; with
// it, a failed call gets the mapped HTTP status and {"code","message"}. An
// unknown method is 404 and an unparsable body 400, both plain text.
// Thread-safe; actions on connections are posted to their strands.
ApiResponse call_api(Engine& engine, std::string_view method, std::string_view body, bool transport_error_mode);

// Centrifugo's legacy single endpoint (`POST /api`): the body contains one or
// more JSON commands {"id"?, "method", "params"}; the reply has one line per
// command, {"id"?, "result"} or {"id"?, "error"}, in order. A body that is not
// such a sequence, or names an unknown method, is 400 in plain text.
ApiResponse call_legacy_api(Engine& engine, std::string_view body);

// Returns true when `method` names a server API method.
bool is_api_method(std::string_view method);

}  // namespace tandem::realtime
