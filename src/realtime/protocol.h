// Centrifugo client protocol v2 constants: reply error codes, unsubscribe
// codes and disconnect (WebSocket close) codes, with the messages Centrifugo
// v5 sends. The `centrifuge` SDKs decide whether to retry or reconnect from
// these numbers, so they must not change.
#pragma once

#include <cstdint>
#include <string>

namespace tandem::realtime {

// An error reply: {"id":N,"error":{"code":C,"message":"...","temporary":T}}.
struct ProtocolError {
  std::uint32_t code = 100;
  std::string message;
  bool temporary = false;
};

// A disconnect, sent as the WebSocket close code and reason. Codes 3000-3499
// make the SDK reconnect; 3500-3999 end the connection for good.
struct Disconnect {
  std::uint16_t code = 3000;
  std::string reason;
};

namespace errors {
ProtocolError internal();                         // 100, temporary
ProtocolError unauthorized();                     // 101
ProtocolError unknown_channel();                  // 102
ProtocolError permission_denied();                // 103
ProtocolError method_not_found();                 // 104
ProtocolError already_subscribed();               // 105
ProtocolError limit_exceeded();                   // 106
ProtocolError bad_request();                      // 107
ProtocolError not_available();                    // 108
ProtocolError token_expired();                    // 109: the SDK fetches a new token
ProtocolError expired();                          // 110: terminal for the SDK
ProtocolError too_many_requests();                // 111, temporary
ProtocolError unrecoverable_position();           // 112
}  // namespace errors

namespace disconnects {
Disconnect shutdown();               // 3001
Disconnect internal();               // 3004
Disconnect connection_expired();     // 3005
Disconnect subscription_expired();   // 3006
Disconnect slow();                   // 3008
Disconnect write_error();            // 3009
Disconnect insufficient_state();     // 3010
Disconnect force_reconnect();        // 3011
Disconnect no_pong();                // 3012
Disconnect invalid_token();          // 3500
Disconnect bad_request();            // 3501
Disconnect stale();                  // 3502
Disconnect force_disconnect();       // 3503
Disconnect channel_limit();          // 3505
Disconnect inappropriate_protocol(); // 3506
Disconnect not_available();          // 3508
}  // namespace disconnects

// Unsubscribe push codes: below 2500 the SDK stays unsubscribed, from 2500 on
// it resubscribes.
inline constexpr std::uint32_t kUnsubscribeServer = 2000;
inline constexpr std::uint32_t kUnsubscribeInsufficientState = 2500;
inline constexpr std::uint32_t kUnsubscribeExpired = 2501;

}  // namespace tandem::realtime
