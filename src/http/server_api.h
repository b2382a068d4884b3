// The server HTTP API endpoint (`POST /api/<method>`) as Centrifugo v5
// exposes it: API key check, then realtime::call_api.
#pragma once

#include <string>
#include <string_view>

#include "realtime/api.h"
#include "realtime/engine.h"

namespace tandem::http {

struct ServerApiRequest {
  std::string_view method;              // from /api/<method>; empty for the legacy POST /api
  std::string_view body;                // JSON request body
  std::string_view x_api_key;           // X-API-Key header, empty when absent
  std::string_view authorization;       // Authorization header, empty when absent
  std::string_view api_key_query;       // `api_key` query parameter, empty when absent
  std::string_view error_mode_header;   // X-Centrifugo-Error-Mode header
};

// Returns the HTTP status, content type and body. Thread-safe. The key is
// taken from X-API-Key, else from `Authorization: apikey KEY` (scheme
// case-insensitive), else from the query. A missing or wrong key gets 401 with
// an empty body. Without a configured key the API is off, so every request
// gets 401.
realtime::ApiResponse handle_server_api(realtime::Engine& engine, const ServerApiRequest& request);

}  // namespace tandem::http
