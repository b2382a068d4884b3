// Value types shared by the real-time engine: client info, publications and
// stream positions. JSON payloads (`data`, `info`) are kept as raw,
// already-validated JSON text and embedded unchanged on the wire.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tandem::realtime {

// The identity of a publisher or a joining client (ClientInfo in the protocol).
struct ClientInfo {
  std::string user;       // user id, empty for anonymous
  std::string client;     // connection id
  std::string conn_info;  // raw JSON from the connection token `info`, or empty
  std::string chan_info;  // raw JSON from the subscription token `info`, or empty
};

struct Publication {
  std::uint64_t offset = 0;  // position in the channel stream, 0 when not kept
  std::string data;          // raw JSON, never empty for a valid publication
  std::optional<ClientInfo> info;  // set for client publications
  std::map<std::string, std::string> tags;
  std::int64_t time_unix_ms = 0;   // when the engine accepted it (history TTL)
};

// A channel stream's position: top offset and epoch (stream incarnation).
struct StreamPosition {
  std::uint64_t offset = 0;
  std::string epoch;
};

// One encoded server message (a JSON object without a trailing newline),
// shared by every connection that sends it.
using SharedMessage = std::shared_ptr<const std::string>;

}  // namespace tandem::realtime
