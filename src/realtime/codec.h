// JSON codec of the Centrifugo client protocol v2. A WebSocket message contains
// one or more JSON objects separated by '\n'. Commands are decoded with keys in
// any order and unknown fields ignored; replies are written by hand with empty
// fields left out and `data`/`info` embedded as raw JSON. Pure functions, safe
// from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "realtime/protocol.h"
#include "realtime/types.h"

namespace tandem::realtime {

enum class Method {
  empty,  // `{}`: a pong when it carries no id
  connect,
  subscribe,
  unsubscribe,
  publish,
  presence,
  presence_stats,
  history,
  ping,
  send,
  rpc,
  refresh,
  sub_refresh,
};

// Recovery state the SDK sends for a server-side subscription in connect.
struct SubRecovery {
  bool recover = false;
  std::uint64_t offset = 0;
  std::string epoch;
};

// One decoded command. Fields not used by `method` stay empty.
struct Command {
  std::uint32_t id = 0;
  Method method = Method::empty;
  std::string token;
  std::string channel;
  std::string data;  // raw JSON, empty when absent
  std::string name;
  std::string version;
  std::string rpc_method;
  bool recover = false;
  std::uint64_t offset = 0;
  std::string epoch;
  bool positioned = false;
  bool recoverable = false;
  bool join_leave = false;
  std::optional<std::int64_t> limit;
  std::optional<StreamPosition> since;
  bool reverse = false;
  std::map<std::string, SubRecovery> subs;
};

// Decodes one line. Errors are invalid_request with a message naming the
// field; the caller closes the connection with 3501.
Result<Command> decode_command(std::string_view line);

// Splits a message into its non-blank lines, in order.
std::vector<std::string_view> split_lines(std::string_view message);

// Appends `text` as a JSON string literal (quotes and escapes included).
void append_json_string(std::string& out, std::string_view text);

// Returns true when `text` is exactly one valid JSON value.
bool is_valid_json(std::string_view text);

// Builds a JSON object field by field. Empty strings, zero numbers and false
// booleans are left out, as Centrifugo's encoder does.
class ObjectWriter {
 public:
  ObjectWriter();
  ObjectWriter& string(std::string_view key, std::string_view value);
  ObjectWriter& number(std::string_view key, std::uint64_t value);
  ObjectWriter& boolean(std::string_view key, bool value);
  ObjectWriter& raw(std::string_view key, std::string_view json);  // skips empty
  ObjectWriter& raw_always(std::string_view key, std::string_view json);
  std::string finish();

 private:
  void key(std::string_view name);
  std::string out_;
  bool first_ = true;
};

std::string encode_client_info(const ClientInfo& info);
std::string encode_publication(const Publication& pub);
std::string encode_publications(const std::vector<Publication>& pubs);  // JSON array
std::string encode_tags(const std::map<std::string, std::string>& tags);

// {"id":N,"<method>":<body>}
std::string encode_reply(std::uint32_t id, std::string_view method, std::string_view body);
// {"id":N,"error":{...}}
std::string encode_error(std::uint32_t id, const ProtocolError& error);
// {"push":{"channel":C,"<kind>":<body>}}; the channel is left out when empty.
std::string encode_push(std::string_view channel, std::string_view kind, std::string_view body);

// The server ping: an empty reply.
inline constexpr std::string_view kPingMessage = "{}";

}  // namespace tandem::realtime
