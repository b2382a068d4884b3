// The WebSocket endpoint of the real-time engine (`/connection/websocket`):
// Boost.Beast glue between one socket and one realtime::Client.
#pragma once

#include <memory>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "realtime/engine.h"

namespace tandem::http {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Takes over `stream` whose HTTP layer has read `request`, a WebSocket upgrade
// for /connection/websocket. Rejects a cross-site Origin with 403 (allowed:
// no Origin, the request's own host, or an entry of allowed_origins; "*"
// allows any), completes the handshake and serves the connection until it
// closes. Returns at once; the session keeps itself and `engine` alive.
//
// Each session runs on its own strand with one read and one write in flight
// and a bounded outgoing queue (overflow closes with 3008). A message larger
// than max_message_bytes closes with 3501 and a reason naming the limit,
// never 1009, which the SDK treats as final without a reason.
void run_websocket_session(boost::beast::tcp_stream stream, UpgradeRequest request,
                           std::shared_ptr<realtime::Engine> engine);

// Returns true when a browser `origin` may open the socket for a request to
// `host` (the Host header). Exposed for tests.
bool origin_allowed(std::string_view origin, std::string_view host, const realtime::EngineOptions& options);

}  // namespace tandem::http
