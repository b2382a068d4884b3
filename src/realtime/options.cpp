#include "realtime/options.h"

#include <charconv>

#include <fmt/format.h>

namespace tandem::realtime {
namespace {

std::unexpected<Error> bad_key(std::string_view key, std::string_view problem) {
  return fail(ErrorCode::invalid_request, fmt::format("[realtime] {}: {}", key, problem));
}

std::string describe(const toml::node& node) {
  if (auto s = node.value<std::string>()) return fmt::format("\"{}\"", *s);
  if (auto i = node.value<std::int64_t>()) return std::to_string(*i);
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  return fmt::format("a {}", node.type() == toml::node_type::table ? "table" : "non-scalar value");
}

// Parses "250ms", "25s", "5m", "2h" or a bare number of seconds into ms.
std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  std::int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) {
    return std::nullopt;
  }
  std::string_view unit(end, text.data() + text.size() - end);
  if (unit.empty() || unit == "s") return number * 1000;
  if (unit == "ms") return number;
  if (unit == "m") return number * 60'000;
  if (unit == "h") return number * 3'600'000;
  return std::nullopt;
}

Result<std::int64_t> read_seconds(std::string_view key, const toml::node& node) {
  std::optional<std::int64_t> ms;
  if (auto i = node.value<std::int64_t>(); i && *i >= 0 && node.is_integer()) {
    ms = *i * 1000;
  } else if (auto s = node.value<std::string>()) {
    ms = parse_duration_ms(*s);
  }
  if (!ms || *ms % 1000 != 0) {
    return bad_key(key, fmt::format("invalid duration {}; use whole seconds such as 25 or \"25s\", \"5m\", \"1h\"",
                                    describe(node)));
  }
  return *ms / 1000;
}

Result<std::int64_t> read_count(std::string_view key, const toml::node& node, std::int64_t min) {
  auto i = node.value<std::int64_t>();
  if (!node.is_integer() || !i || *i < min) {
    return bad_key(key, fmt::format("invalid value {}; expected an integer >= {}", describe(node), min));
  }
  return *i;
}

Result<bool> read_bool(std::string_view key, const toml::node& node) {
  if (!node.is_boolean()) {
    return bad_key(key, fmt::format("invalid value {}; expected true or false", describe(node)));
  }
  return *node.value<bool>();
}

Result<SubscribeRule> read_rule(std::string_view key, const toml::node& node) {
  auto s = node.value<std::string>();
  for (auto rule : {SubscribeRule::member, SubscribeRule::self, SubscribeRule::user, SubscribeRule::token}) {
    if (node.is_string() && s && *s == rule_name(rule)) {
      return rule;
    }
  }
  return bad_key(key, fmt::format("invalid value {}; expected \"member\", \"self\", \"user\" or \"token\"",
                                  describe(node)));
}

Status apply_namespace(std::string_view ns, const toml::table& table, NamespaceOptions& out) {
  for (auto&& [k, node] : table) {
    std::string key = fmt::format("namespaces.{}.{}", ns, k.str());
    std::string_view name = k.str();
    if (name == "subscribe") {
      auto v = read_rule(key, node);
      if (!v) return std::unexpected(v.error());
      out.subscribe = *v;
    } else if (name == "presence" || name == "join_leave" || name == "force_recovery" ||
               name == "allow_publish") {
      auto v = read_bool(key, node);
      if (!v) return std::unexpected(v.error());
      bool& field = name == "presence"     ? out.presence
                    : name == "join_leave" ? out.join_leave
                    : name == "force_recovery" ? out.force_recovery
                                               : out.allow_publish;
      field = *v;
    } else if (name == "history_size") {
      auto v = read_count(key, node, 0);
      if (!v) return std::unexpected(v.error());
      out.history_size = static_cast<std::size_t>(*v);
    } else if (name == "history_ttl") {
      auto v = read_seconds(key, node);
      if (!v) return std::unexpected(v.error());
      out.history_ttl_s = *v;
    } else {
      return bad_key(key, "unknown option; see docs/realtime.md for the namespace options");
    }
  }
  return {};
}

Status apply_namespaces(const toml::node& node, EngineOptions& out) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return bad_key("namespaces", "expected a table of namespace tables");
  }
  for (auto&& [k, ns_node] : *table) {
    std::string name(k.str());
    if (!parse_channel(name + ":x") || name.size() < 2 || name.find(':') != std::string::npos) {
      return bad_key("namespaces", fmt::format("invalid namespace name \"{}\"", name));
    }
    const toml::table* ns_table = ns_node.as_table();
    if (ns_table == nullptr) {
      return bad_key(fmt::format("namespaces.{}", name), "expected a table");
    }
    NamespaceOptions& ns = out.namespaces[name];
    if (auto s = apply_namespace(name, *ns_table, ns); !s) return s;
  }
  return {};
}

Status apply_origins(const toml::node& node, EngineOptions& out) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    return bad_key("allowed_origins", "expected an array of strings such as [\"https://app.example.com\"]");
  }
  out.allowed_origins.clear();
  for (const auto& item : *array) {
    auto s = item.value<std::string>();
    if (!item.is_string() || !s || s->empty()) {
      return bad_key("allowed_origins", fmt::format("invalid entry {}; expected a non-empty string", describe(item)));
    }
    out.allowed_origins.push_back(*s);
  }
  return {};
}

template <class T>
Status assign(Result<std::int64_t> value, T& field) {
  if (!value) return std::unexpected(value.error());
  field = static_cast<T>(*value);
  return {};
}

}  // namespace

std::string_view rule_name(SubscribeRule rule) {
  switch (rule) {
    case SubscribeRule::member: return "member";
    case SubscribeRule::self: return "self";
    case SubscribeRule::user: return "user";
    case SubscribeRule::token: return "token";
  }
  return "token";
}

EngineOptions default_options() {
  EngineOptions o;

  // Document channels: edits and metadata; history is served from the op log
  // once the document service plugs its source in (offset = version).
  NamespaceOptions doc;
  doc.subscribe = SubscribeRule::member;
  doc.presence = true;
  doc.join_leave = true;
  doc.history_size = 1000;
  doc.history_ttl_s = 24 * 3600;
  doc.force_recovery = true;
  o.namespaces["doc"] = doc;

  // Cursor channels: ephemeral positions published by members, no history.
  NamespaceOptions cursor;
  cursor.subscribe = SubscribeRule::member;
  cursor.allow_publish = true;
  o.namespaces["cursor"] = cursor;

  // Workspace channels: document list changes and who is online.
  NamespaceOptions workspace;
  workspace.subscribe = SubscribeRule::member;
  workspace.presence = true;
  workspace.join_leave = true;
  workspace.history_size = 100;
  workspace.history_ttl_s = 300;
  workspace.force_recovery = true;
  o.namespaces["workspace"] = workspace;

  // Personal channels: notifications for one user.
  NamespaceOptions user;
  user.subscribe = SubscribeRule::self;
  user.history_size = 100;
  user.history_ttl_s = 300;
  user.force_recovery = true;
  o.namespaces["user"] = user;
  return o;
}

Result<EngineOptions> parse_options(const toml::table& realtime, EngineOptions o) {
  for (auto&& [k, node] : realtime) {
    std::string_view key = k.str();
    Status s;
    if (key == "ping_interval") s = assign(read_seconds(key, node), o.ping_interval_s);
    else if (key == "pong_timeout") s = assign(read_seconds(key, node), o.pong_timeout_s);
    else if (key == "stale_close_delay") s = assign(read_seconds(key, node), o.stale_close_delay_s);
    else if (key == "expired_close_delay") s = assign(read_seconds(key, node), o.expired_close_delay_s);
    else if (key == "position_check_interval") s = assign(read_seconds(key, node), o.position_check_interval_s);
    else if (key == "max_message_bytes") s = assign(read_count(key, node, 1024), o.max_message_bytes);
    else if (key == "max_channels_per_connection") s = assign(read_count(key, node, 1), o.max_channels_per_connection);
    else if (key == "queue_max_messages") s = assign(read_count(key, node, 16), o.queue_max_messages);
    else if (key == "queue_max_bytes") s = assign(read_count(key, node, 1024), o.queue_max_bytes);
    else if (key == "command_rate_per_s") s = assign(read_count(key, node, 1), o.command_rate_per_s);
    else if (key == "command_burst") s = assign(read_count(key, node, 1), o.command_burst);
    else if (key == "history_max_limit") s = assign(read_count(key, node, 1), o.history_max_limit);
    else if (key == "allowed_origins") s = apply_origins(node, o);
    else if (key == "namespaces") s = apply_namespaces(node, o);
    else s = bad_key(key, "unknown option; see docs/realtime.md for the [realtime] options");
    if (!s) return std::unexpected(s.error());
  }
  if (auto s = validate(o); !s) return std::unexpected(s.error());
  return o;
}

Status validate(const EngineOptions& o) {
  if (o.ping_interval_s <= 0) {
    return bad_key("ping_interval", fmt::format("must be at least 1 second, got {}", o.ping_interval_s));
  }
  if (o.pong_timeout_s >= o.ping_interval_s) {
    return bad_key("pong_timeout", fmt::format("{}s must be below ping_interval {}s", o.pong_timeout_s,
                                               o.ping_interval_s));
  }
  if (o.stale_close_delay_s <= 0) {
    return bad_key("stale_close_delay", "must be at least 1 second");
  }
  return {};
}

std::optional<ChannelName> parse_channel(std::string_view channel) {
  if (channel.empty() || channel.size() > 255) {
    return std::nullopt;
  }
  for (char c : channel) {
    if (c < 0x21 || c > 0x7e) {
      return std::nullopt;
    }
  }
  std::size_t colon = channel.find(':');
  if (colon == std::string_view::npos) {
    return ChannelName{{}, channel};
  }
  return ChannelName{channel.substr(0, colon), channel.substr(colon + 1)};
}

}  // namespace tandem::realtime
