#include "realtime/api.h"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/base64url.h"
#include "realtime/client.h"

namespace tandem::realtime {
namespace {

namespace json = boost::json;

struct ApiError {
  std::uint32_t code = 100;
  std::string message;
};

using ApiResult = std::expected<std::string, ApiError>;  // the result object as JSON

ApiError bad_request(std::string detail) { return {107, "bad request: " + std::move(detail)}; }
ApiError unknown_channel() { return {102, "unknown channel"}; }
ApiError not_available() { return {108, "not available"}; }
ApiError internal_error() { return {100, "internal server error"}; }

std::string get_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool get_bool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::optional<std::int64_t> get_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<StreamPosition> get_position(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_object()) return std::nullopt;
  StreamPosition p;
  p.offset = static_cast<std::uint64_t>(get_int(v->get_object(), "offset").value_or(0));
  p.epoch = get_string(v->get_object(), "epoch");
  return p;
}

// Resolves a channel of a request to its namespace options.
std::expected<const NamespaceOptions*, ApiError> channel_namespace(Engine& engine, const std::string& channel) {
  if (channel.empty()) {
    return std::unexpected(bad_request("missing 'channel'"));
  }
  auto name = parse_channel(channel);
  if (!name) {
    return std::unexpected(bad_request(fmt::format("invalid channel name \"{}\"", channel)));
  }
  const NamespaceOptions* ns = engine.find_namespace(name->ns);
  if (ns == nullptr) {
    return std::unexpected(unknown_channel());
  }
  return ns;
}

std::string position_result(const StreamPosition& p) {
  return ObjectWriter().number("offset", p.offset).string("epoch", p.epoch).finish();
}

// Returns the raw JSON of field `name`, or of its base64 form `b64name`,
// which wins when set and must decode to JSON because clients speak the JSON
// protocol. Empty when neither field is present.
ApiResult json_or_base64(const json::object& params, std::string_view name, std::string_view b64name) {
  std::string b64 = get_string(params, b64name);
  if (!b64.empty()) {
    auto decoded = auth::base64_decode(b64);
    if (!decoded) {
      return std::unexpected(bad_request(fmt::format("'{}' is not valid base64", b64name)));
    }
    if (!is_valid_json(*decoded)) {
      return std::unexpected(bad_request(
          fmt::format("'{}' must decode to JSON: clients speak the JSON protocol, so send JSON in '{}'", b64name, name)));
    }
    return std::move(*decoded);
  }
  const json::value* value = params.if_contains(name);
  return value == nullptr ? std::string() : json::serialize(*value);
}

// The publication data of a publish or broadcast: `b64data` or `data`.
ApiResult publication_data(const json::object& params) {
  auto data = json_or_base64(params, "data", "b64data");
  if (data && data->empty()) {
    return std::unexpected(bad_request("missing 'data'"));
  }
  return data;
}

constexpr std::size_t kMaxIdempotencyKeyBytes = 256;

// `data` is already checked by publication_data(). `delta` is accepted and
// has no effect: every subscriber gets the full data, which is what
// Centrifugo sends to clients that did not negotiate delta compression.
ApiResult publish_one(Engine& engine, const std::string& channel, const json::object& params, std::string data) {
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());

  PublishOptions options;
  options.skip_history = get_bool(params, "skip_history");
  options.idempotency_key = get_string(params, "idempotency_key");
  if (options.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    // Keys stay in memory for minutes, so their size is bounded.
    return std::unexpected(
        bad_request(fmt::format("'idempotency_key' is longer than {} bytes", kMaxIdempotencyKeyBytes)));
  }
  if (const json::value* tags = params.if_contains("tags"); tags != nullptr && tags->is_object()) {
    for (const auto& [k, v] : tags->get_object()) {
      if (!v.is_string()) {
        return std::unexpected(bad_request("'tags' values must be strings"));
      }
      options.tags.emplace(std::string(k), std::string(v.get_string()));
    }
  }
  auto published = engine.publish(channel, std::move(data), std::move(options));
  if (!published) {
    spdlog::error("realtime: API publish to {} failed: {}", channel, published.error().message);
    return std::unexpected(internal_error());
  }
  return position_result(*published);
}

ApiResult api_publish(Engine& engine, const json::object& p) {
  auto data = publication_data(p);
  if (!data) return std::unexpected(data.error());
  return publish_one(engine, get_string(p, "channel"), p, std::move(*data));
}

ApiResult api_broadcast(Engine& engine, const json::object& p) {
  const json::value* channels = p.if_contains("channels");
  if (channels == nullptr || !channels->is_array() || channels->get_array().empty()) {
    return std::unexpected(bad_request("'channels' must be a non-empty array"));
  }
  auto data = publication_data(p);
  if (!data) return std::unexpected(data.error());
  std::string responses = "[";
  for (const json::value& c : channels->get_array()) {
    if (responses.size() > 1) responses.push_back(',');
    std::string channel = c.is_string() ? std::string(c.get_string()) : std::string();
    ApiResult one = publish_one(engine, channel, p, *data);
    if (one) {
      responses += ObjectWriter().raw_always("result", *one).finish();
    } else {
      std::string err = ObjectWriter().number("code", one.error().code).string("message", one.error().message).finish();
      responses += ObjectWriter().raw_always("error", err).finish();
    }
  }
  responses.push_back(']');
  return ObjectWriter().raw_always("responses", responses).finish();
}

// Runs `fn` on the strand of each matching connection of `user`.
std::size_t for_each_client(Engine& engine, const json::object& p, std::function<void(Client&)> fn) {
  auto clients = engine.find_clients(get_string(p, "user"), get_string(p, "client"));
  for (const auto& client : clients) {
    client->post(fn);
  }
  return clients.size();
}

ApiResult api_subscribe(Engine& engine, const json::object& p) {
  if (get_string(p, "user").empty()) return std::unexpected(bad_request("missing 'user'"));
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());

  ServerSubscription options;
  options.recover_since = get_position(p, "recover_since");
  auto info = json_or_base64(p, "info", "b64info");
  if (!info) return std::unexpected(info.error());
  options.chan_info = std::move(*info);
  auto data = json_or_base64(p, "data", "b64data");
  if (!data) return std::unexpected(data.error());
  options.data = std::move(*data);
  if (auto expire_at = get_int(p, "expire_at"); expire_at && *expire_at != 0) {
    if (*expire_at <= engine.now_ms() / 1000) {
      return std::unexpected(bad_request("'expire_at' must be in the future, or 0 for no expiry"));
    }
    options.expires_at_s = expire_at;
  }
  if (const json::value* changes = p.if_contains("override"); changes != nullptr && !changes->is_null()) {
    auto parsed = read_subscribe_override(*changes);
    if (!parsed) return std::unexpected(bad_request(parsed.error()));
    options.changes = *parsed;
  }
  for_each_client(engine, p, [channel, options](Client& c) { c.server_subscribe(channel, options); });
  return std::string("{}");
}

ApiResult api_unsubscribe(Engine& engine, const json::object& p) {
  if (get_string(p, "user").empty()) return std::unexpected(bad_request("missing 'user'"));
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());
  for_each_client(engine, p, [channel](Client& c) { c.server_unsubscribe(channel); });
  return std::string("{}");
}

ApiResult api_disconnect(Engine& engine, const json::object& p) {
  if (get_string(p, "user").empty()) return std::unexpected(bad_request("missing 'user'"));
  Disconnect reason = disconnects::force_disconnect();
  if (const json::value* d = p.if_contains("disconnect"); d != nullptr && d->is_object()) {
    auto code = get_int(d->get_object(), "code");
    if (!code || *code < 3000 || *code > 4999) {
      return std::unexpected(bad_request("'disconnect.code' must be between 3000 and 4999"));
    }
    reason.code = static_cast<std::uint16_t>(*code);
    reason.reason = get_string(d->get_object(), "reason").substr(0, 120);
  }
  std::vector<std::string> whitelist;
  if (const json::value* w = p.if_contains("whitelist"); w != nullptr && w->is_array()) {
    for (const auto& id : w->get_array()) {
      if (id.is_string()) whitelist.emplace_back(id.get_string());
    }
  }
  for_each_client(engine, p, [reason, whitelist](Client& c) {
    if (std::find(whitelist.begin(), whitelist.end(), c.id()) == whitelist.end()) {
      c.disconnect(reason);
    }
  });
  return std::string("{}");
}

ApiResult api_refresh(Engine& engine, const json::object& p) {
  if (get_string(p, "user").empty()) return std::unexpected(bad_request("missing 'user'"));
  bool expired = get_bool(p, "expired");
  std::optional<std::int64_t> expire_at = get_int(p, "expire_at");
  if (expire_at && *expire_at == 0) expire_at.reset();
  const json::value* info_value = p.if_contains("info");
  std::string info = info_value == nullptr || info_value->is_null() ? std::string() : json::serialize(*info_value);
  for_each_client(engine, p, [expired, expire_at, info](Client& c) { c.server_refresh(expired, expire_at, info); });
  return std::string("{}");
}

ApiResult api_presence(Engine& engine, const json::object& p) {
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());
  if (!(*ns)->presence) return std::unexpected(not_available());
  ObjectWriter entries;
  for (const ClientInfo& info : engine.presence(channel)) {
    entries.raw_always(info.client, encode_client_info(info));
  }
  return ObjectWriter().raw_always("presence", entries.finish()).finish();
}

ApiResult api_presence_stats(Engine& engine, const json::object& p) {
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());
  if (!(*ns)->presence) return std::unexpected(not_available());
  PresenceStats s = engine.presence_stats(channel);
  // Zero counts are written: API clients read both fields.
  return fmt::format("{{\"num_clients\":{},\"num_users\":{}}}", s.num_clients, s.num_users);
}

ApiResult api_history(Engine& engine, const json::object& p) {
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());
  if (!(*ns)->history_enabled()) return std::unexpected(not_available());

  HistoryQuery query;
  query.since = get_position(p, "since");
  query.reverse = get_bool(p, "reverse");
  std::int64_t limit = get_int(p, "limit").value_or(0);
  if (limit < -1) return std::unexpected(bad_request("'limit' must be -1, 0 or positive"));
  query.limit = limit == -1 ? SIZE_MAX : static_cast<std::size_t>(limit);

  auto read = engine.history(channel, **ns, query);
  if (!read) {
    spdlog::error("realtime: API history of {} failed: {}", channel, read.error().message);
    return std::unexpected(internal_error());
  }
  if (query.since && !query.since->epoch.empty() && query.since->epoch != read->top.epoch) {
    return std::unexpected(ApiError{112, "unrecoverable position"});
  }
  return ObjectWriter()
      .raw_always("publications", encode_publications(read->publications))
      .string("epoch", read->top.epoch)
      .number("offset", read->top.offset)
      .finish();
}

ApiResult api_history_remove(Engine& engine, const json::object& p) {
  std::string channel = get_string(p, "channel");
  auto ns = channel_namespace(engine, channel);
  if (!ns) return std::unexpected(ns.error());
  if (!(*ns)->history_enabled()) return std::unexpected(not_available());
  if (auto s = engine.remove_history(channel, **ns); !s) {
    return std::unexpected(internal_error());
  }
  return std::string("{}");
}

ApiResult api_channels(Engine& engine, const json::object& p) {
  ObjectWriter channels;
  for (const auto& [name, count] : engine.channels(get_string(p, "pattern"))) {
    channels.raw_always(name, fmt::format("{{\"num_clients\":{}}}", count));
  }
  return ObjectWriter().raw_always("channels", channels.finish()).finish();
}

ApiResult api_info(Engine& engine, const json::object&) {
  EngineStats s = engine.stats();
  std::string node = fmt::format(
      "{{\"uid\":\"tandem\",\"name\":\"tandem\",\"version\":\"{}\",\"num_clients\":{},\"num_users\":{},"
      "\"num_channels\":{},\"uptime\":{},\"num_subs\":{}}}",
      engine.options().server_version, s.num_clients, s.num_users, s.num_channels, s.uptime_s, s.num_subs);
  return "{\"nodes\":[" + node + "]}";
}

// Calls a method registered with Engine::api_rpc(); `params` is passed as
// raw JSON. Centrifugo v5 registers none, so every call there is 104.
ApiResult api_rpc(Engine& engine, const json::object& p) {
  std::string method = get_string(p, "method");
  if (method.empty()) return std::unexpected(bad_request("missing 'method'"));
  ApiRpcHandler handler = engine.api_rpc().find(method);
  if (!handler) return std::unexpected(ApiError{104, "method not found"});
  const json::value* params = p.if_contains("params");
  RpcResult result = handler(params == nullptr ? std::string() : json::serialize(*params));
  if (!result) {
    return std::unexpected(ApiError{result.error().code, result.error().message});
  }
  return ObjectWriter().raw("data", *result).finish();
}

using Handler = ApiResult (*)(Engine&, const json::object&);

struct Route {
  std::string_view name;
  Handler handler;
};

constexpr std::array<Route, 13> kRoutes = {{
    {"publish", api_publish},
    {"broadcast", api_broadcast},
    {"subscribe", api_subscribe},
    {"unsubscribe", api_unsubscribe},
    {"disconnect", api_disconnect},
    {"refresh", api_refresh},
    {"presence", api_presence},
    {"presence_stats", api_presence_stats},
    {"history", api_history},
    {"history_remove", api_history_remove},
    {"channels", api_channels},
    {"info", api_info},
    {"rpc", api_rpc},
}};

Handler find_route(std::string_view method) {
  for (const Route& r : kRoutes) {
    if (r.name == method) return r.handler;
  }
  return nullptr;
}

ApiResult api_batch(Engine& engine, const json::object& p) {
  const json::value* commands = p.if_contains("commands");
  if (commands == nullptr || !commands->is_array()) {
    return std::unexpected(bad_request("'commands' must be an array"));
  }
  std::string replies = "[";
  for (const json::value& c : commands->get_array()) {
    if (replies.size() > 1) replies.push_back(',');
    ApiResult one = std::unexpected(bad_request("each command must be an object with one method"));
    std::string_view method;
    if (c.is_object() && c.get_object().size() == 1 && c.get_object().begin()->value().is_object()) {
      method = c.get_object().begin()->key();
      Handler h = find_route(method);
      if (h != nullptr) {
        one = h(engine, c.get_object().begin()->value().get_object());
      } else {
        one = std::unexpected(ApiError{104, "method not found"});
      }
    }
    if (one) {
      replies += ObjectWriter().raw_always(method, *one).finish();
    } else {
      std::string err = ObjectWriter().number("code", one.error().code).string("message", one.error().message).finish();
      replies += ObjectWriter().raw_always("error", err).finish();
    }
  }
  replies.push_back(']');
  return ObjectWriter().raw_always("replies", replies).finish();
}

unsigned transport_status(std::uint32_t code) {
  switch (code) {
    case 100: return 500;
    case 102:
    case 104: return 404;
    case 107:
    case 108: return 400;
    case 112: return 416;
    case 113: return 409;
    default: return 500;
  }
}

// Method numbers of Centrifugo's legacy single endpoint (Command.MethodType).
constexpr std::array<std::string_view, 13> kLegacyMethods = {
    "publish", "broadcast", "unsubscribe",    "disconnect", "presence", "presence_stats", "history",
    "history_remove", "channels", "info", "rpc", "subscribe", "refresh"};

// Resolves a legacy command's `method`: a name in any case or a method
// number; absent means 0 (publish), as in Centrifugo. Returns nullopt for a
// value that is neither, and an empty name for a number it does not handle.
std::optional<std::string> legacy_method(const json::object& command) {
  const json::value* m = command.if_contains("method");
  if (m == nullptr) return std::string(kLegacyMethods[0]);
  if (m->is_string()) {
    std::string name(m->get_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(kLegacyMethods.begin(), kLegacyMethods.end(), name) == kLegacyMethods.end()) return std::nullopt;
    return name;
  }
  auto number = get_int(command, "method");
  if (!number) return std::nullopt;
  if (*number < 0 || *number >= static_cast<std::int64_t>(kLegacyMethods.size())) return std::string();
  return std::string(kLegacyMethods[static_cast<std::size_t>(*number)]);
}

// Runs one legacy command and returns its reply line.
std::string legacy_reply(Engine& engine, const json::object& command, const std::string& method) {
  ApiResult result = std::unexpected(ApiError{104, "method not found"});
  if (Handler h = find_route(method); h != nullptr) {
    const json::value* params = command.if_contains("params");
    if (params == nullptr || params->is_null()) {
      result = h(engine, json::object());
    } else if (params->is_object()) {
      result = h(engine, params->get_object());
    } else {
      result = std::unexpected(bad_request("'params' must be an object"));
    }
  }
  ObjectWriter reply;
  reply.number("id", static_cast<std::uint64_t>(std::max<std::int64_t>(0, get_int(command, "id").value_or(0))));
  if (result) {
    reply.raw_always("result", *result);
  } else {
    const ApiError& error = result.error();
    reply.raw_always("error", ObjectWriter().number("code", error.code).string("message", error.message).finish());
  }
  return reply.finish();
}

}  // namespace

ApiResponse call_legacy_api(Engine& engine, std::string_view body) {
  auto bad = [](std::string_view why) {
    return ApiResponse{400, "text/plain", fmt::format("{}; send one or more {{\"method\",\"params\"}} objects\n", why)};
  };
  std::size_t pos = body.find_first_not_of(" \t\r\n");
  if (pos == std::string_view::npos) return bad("the request body is empty");

  // The whole body is checked before any command runs, so a bad body
  // changes nothing.
  std::vector<std::pair<json::object, std::string>> commands;
  json::stream_parser parser;
  while (pos != std::string_view::npos) {
    parser.reset();
    boost::system::error_code ec;
    pos += parser.write_some(body.substr(pos), ec);
    if (ec || !parser.done()) return bad("the request body is not a sequence of JSON objects");
    json::value command = parser.release();
    if (!command.is_object()) return bad("each command must be a JSON object");
    auto method = legacy_method(command.get_object());
    if (!method) return bad("unknown 'method'");
    commands.emplace_back(std::move(command.get_object()), std::move(*method));
    pos = body.find_first_not_of(" \t\r\n", pos);
  }
  std::string out;
  for (const auto& [command, method] : commands) {
    if (!out.empty()) out.push_back('\n');
    out += legacy_reply(engine, command, method);
  }
  return {200, "application/json", std::move(out)};
}

bool is_api_method(std::string_view method) { return method == "batch" || find_route(method) != nullptr; }

ApiResponse call_api(Engine& engine, std::string_view method, std::string_view body, bool transport_error_mode) {
  Handler handler = method == "batch" ? api_batch : find_route(method);
  if (handler == nullptr) {
    return {404, "text/plain", fmt::format("unknown server API method \"{}\"\n", method)};
  }

  boost::system::error_code ec;
  json::value root = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !root.is_object()) {
    return {400, "text/plain", "request body must be a JSON object\n"};
  }

  ApiResult result = handler(engine, root.get_object());
  if (result) {
    return {200, "application/json", "{\"result\":" + *result + "}"};
  }
  std::string error =
      ObjectWriter().number("code", result.error().code).string("message", result.error().message).finish();
  if (transport_error_mode) {
    return {transport_status(result.error().code), "application/json", error};
  }
  return {200, "application/json", "{\"error\":" + error + "}"};
}

}  // namespace tandem::realtime
