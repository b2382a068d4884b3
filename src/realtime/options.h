// Engine options: every limit and timer of the real-time engine, with its
// default and unit, plus per-namespace channel options. Defaults follow
// Centrifugo v5 where Tandem has no reason to differ; the namespaces `doc`,
// `cursor`, `workspace` and `user` carry Tandem's channel plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/error.h"

namespace tandem::realtime {

// Who may subscribe to (and read history and presence of) a namespace's
// channels. Tokens never widen `member` or `self`: membership and identity are
// checked on every subscribe whatever the token contains.
enum class SubscribeRule {
  member,  // channel `ns:{ws}` or `ns:{ws}:...`: members of workspace {ws}
  self,    // channel `ns:{user}`: only that user
  user,    // any authenticated (non-anonymous) user
  token,   // only with a subscription token or a matching connection-token channel
};

std::string_view rule_name(SubscribeRule rule);

struct NamespaceOptions {
  SubscribeRule subscribe = SubscribeRule::token;
  bool presence = false;            // keep presence for the channels
  bool join_leave = false;          // send join/leave pushes to clients that ask for them
  std::size_t history_size = 0;     // publications kept per channel; 0: no history
  std::int64_t history_ttl_s = 0;   // how long publications are kept, seconds; 0: no history
  bool force_recovery = false;      // every subscription positioned and recoverable
  bool allow_publish = false;       // clients may publish (members or owner, per `subscribe`)

  bool history_enabled() const { return history_size > 0 && history_ttl_s > 0; }
};

struct EngineOptions {
  std::int64_t ping_interval_s = 25;          // server ping `{}` period, seconds
  std::int64_t pong_timeout_s = 8;            // wait for any frame after a ping, seconds; 0: no check
  std::int64_t stale_close_delay_s = 10;      // close a connection without connect after, seconds
  std::int64_t expired_close_delay_s = 25;    // grace after token expiry before 3005/2501, seconds
  // How often a quiet channel's subscribers' stream positions are compared
  // with its top, seconds; 0: never (Centrifugo checks every 40 s).
  std::int64_t position_check_interval_s = 40;
  std::size_t max_message_bytes = 64 * 1024;  // largest incoming WebSocket message, bytes
  std::size_t max_channels_per_connection = 128;   // subscriptions per connection (error 106)
  std::size_t queue_max_messages = 8192;           // queued outgoing messages per connection
  std::size_t queue_max_bytes = 1024 * 1024;       // queued outgoing bytes per connection (3008)
  double command_rate_per_s = 100;                 // sustained commands per second per connection
  std::size_t command_burst = 300;                 // commands allowed at once (connect plus subscribes)
  std::size_t history_max_limit = 300;             // cap on publications per history or recovery reply
  std::vector<std::string> allowed_origins;        // extra Origin values accepted besides same origin
  std::string api_key;                             // server API key; empty: API off
  std::string jwt_secret;                          // HS256 secret for connection and subscription tokens
  std::int64_t clock_skew_s = 30;                  // accepted token clock skew, seconds
  std::string server_version = "tandem";           // `version` in connect replies
  std::map<std::string, NamespaceOptions, std::less<>> namespaces;  // by namespace name
};

// Options with Tandem's four namespaces and no secrets.
EngineOptions default_options();

// Applies a `[realtime]` TOML table on top of `base`. Unknown keys, wrong
// types and out-of-range values are invalid_request errors naming the key and
// the value. Durations take a number of seconds or "500ms", "25s", "5m", "1h".
Result<EngineOptions> parse_options(const toml::table& realtime, EngineOptions base);

// Checks relations between options (e.g. ping interval above pong timeout).
Status validate(const EngineOptions& options);

// A channel name split as `namespace:rest`; namespace is empty without ':'.
struct ChannelName {
  std::string_view ns;
  std::string_view rest;
};

// Splits and validates a channel name: 1-255 printable ASCII characters.
std::optional<ChannelName> parse_channel(std::string_view channel);

}  // namespace tandem::realtime
