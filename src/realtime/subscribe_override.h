// Per-subscription changes to a namespace's options, Centrifugo's
// `override` object of the server API `subscribe` and of token claims.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace tandem::realtime {

// Options one subscription sets for itself. An unset field keeps the
// namespace's value. `presence` also decides whether the connection's join
// and leave are emitted, because Tandem emits them from presence changes.
struct SubscribeOverride {
  std::optional<bool> presence;               // the connection is in the channel's presence
  std::optional<bool> join_leave;             // its join and leave are pushed, and it receives others' on request
  std::optional<bool> force_push_join_leave;  // when true, it receives others' join and leave without a request
  std::optional<bool> force_recovery;         // positioned and recoverable (needs history)
  std::optional<bool> force_positioning;      // positioned (needs history)
};

// Reads an `override` object given as raw JSON, where each known field is
// `{"value": true|false}` and other fields are ignored. Empty text is no
// override. Returns a message that names the field when the shape is wrong.
std::expected<SubscribeOverride, std::string> parse_subscribe_override(std::string_view json_text);

// Reads an already parsed `override` value, with the same rules.
std::expected<SubscribeOverride, std::string> read_subscribe_override(const boost::json::value& value);

}  // namespace tandem::realtime
