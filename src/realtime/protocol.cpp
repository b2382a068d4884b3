#include "realtime/protocol.h"

namespace tandem::realtime {

namespace errors {
ProtocolError internal() { return {100, "internal server error", true}; }
ProtocolError unauthorized() { return {101, "unauthorized", false}; }
ProtocolError unknown_channel() { return {102, "unknown channel", false}; }
ProtocolError permission_denied() { return {103, "permission denied", false}; }
ProtocolError method_not_found() { return {104, "method not found", false}; }
ProtocolError already_subscribed() { return {105, "already subscribed", false}; }
ProtocolError limit_exceeded() { return {106, "limit exceeded", false}; }
ProtocolError bad_request() { return {107, "bad request", false}; }
ProtocolError not_available() { return {108, "not available", false}; }
ProtocolError token_expired() { return {109, "token expired", false}; }
ProtocolError expired() { return {110, "expired", false}; }
ProtocolError too_many_requests() { return {111, "too many requests", true}; }
ProtocolError unrecoverable_position() { return {112, "unrecoverable position", false}; }
}  // namespace errors

namespace disconnects {
Disconnect shutdown() { return {3001, "shutdown"}; }
Disconnect internal() { return {3004, "internal server error"}; }
Disconnect connection_expired() { return {3005, "connection expired"}; }
Disconnect subscription_expired() { return {3006, "subscription expired"}; }
Disconnect slow() { return {3008, "slow"}; }
Disconnect write_error() { return {3009, "write error"}; }
Disconnect insufficient_state() { return {3010, "insufficient state"}; }
Disconnect force_reconnect() { return {3011, "force reconnect"}; }
Disconnect no_pong() { return {3012, "no pong"}; }
Disconnect invalid_token() { return {3500, "invalid token"}; }
Disconnect bad_request() { return {3501, "bad request"}; }
Disconnect stale() { return {3502, "stale"}; }
Disconnect force_disconnect() { return {3503, "force disconnect"}; }
Disconnect channel_limit() { return {3505, "channel limit"}; }
Disconnect inappropriate_protocol() { return {3506, "inappropriate protocol"}; }
Disconnect not_available() { return {3508, "not available"}; }
}  // namespace disconnects

}  // namespace tandem::realtime
