#include "config/config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace tandem::config {
namespace {

template <class T>
Result<T> parse_integer(const std::string& text, T min, T max, std::string_view setting_name) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid {} '{}': expected an integer from {} to {}", setting_name, text, min, max));
  }
  return value;
}

Status apply_listen(Config& config, const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid listen address '{}': expected HOST:PORT, e.g. 127.0.0.1:8000", text));
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = parse_integer<int>(text.substr(colon + 1), 0, 65535, "port");
  if (!port) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid listen address '{}': {}", text, port.error().message));
  }
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(*port);
  return {};
}

Status apply_log_level(Config& config, const std::string& text) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (text == level) {
      config.log_level = text;
      return {};
    }
  }
  return fail(ErrorCode::invalid_request,
              fmt::format("invalid log level '{}': use trace, debug, info, warn or error", text));
}

Status apply_bool(bool& target, const std::string& text, std::string_view setting_name) {
  if (text == "true" || text == "1" || text == "yes") {
    target = true;
    return {};
  }
  if (text == "false" || text == "0" || text == "no") {
    target = false;
    return {};
  }
  return fail(ErrorCode::invalid_request, fmt::format("invalid {} '{}': use true or false", setting_name, text));
}

template <class T>
std::function<Status(Config&, const std::string&)> integer_setter(T Config::*field, T min, T max,
                                                                  std::string setting_name) {
  return [=](Config& config, const std::string& text) -> Status {
    auto value = parse_integer<T>(text, min, max, setting_name);
    if (!value) return std::unexpected(value.error());
    config.*field = *value;
    return {};
  };
}

std::function<Status(Config&, const std::string&)> string_setter(std::string Config::*field,
                                                                 std::string setting_name) {
  return [=](Config& config, const std::string& text) -> Status {
    if (text.empty()) {
      return fail(ErrorCode::invalid_request, fmt::format("invalid {}: the value is empty", setting_name));
    }
    config.*field = text;
    return {};
  };
}

std::vector<Setting> build_settings() {
  std::vector<Setting> list;
  list.push_back({"listen", "--listen", "TANDEM_LISTEN", "HOST:PORT",
                  "Address to serve HTTP and WebSocket on (port 0 picks a free port). Default 127.0.0.1:8000",
                  false, apply_listen});

  list.push_back({"data_dir", "--data-dir", "TANDEM_DATA_DIR", "DIR",
                  "Directory for the database and the generated secret. Default ./data", false,
                  string_setter(&Config::data_dir, "data directory")});

  list.push_back({"secret", "--secret", "TANDEM_SECRET", "S",
                  "JWT HS256 secret. Default: generated on first start and kept in the data directory",
                  true, string_setter(&Config::secret, "secret")});

  list.push_back({"api_key", "--api-key", "TANDEM_API_KEY", "K",
                  "Key for the server API at /api/*. Default: none, the server API is off", true,
                  string_setter(&Config::api_key, "API key")});

  list.push_back({"threads", "--threads", "TANDEM_THREADS", "N",
                  "I/O threads (count). Default 0: one per CPU core", false,
                  integer_setter<int>(&Config::threads, 0, 256, "thread count")});

  list.push_back({"clock_skew", "--clock-skew", "TANDEM_CLOCK_SKEW", "SECONDS",
                  "Accepted clock difference for token expiry, in seconds. Default 30", false,
                  integer_setter<std::int64_t>(&Config::clock_skew_s, 0, 3600, "clock skew")});

  list.push_back({"max_body", "--max-body", "TANDEM_MAX_BODY", "BYTES",
                  "Largest accepted request body, in bytes. Default 2097152 (2 MiB)", false,
                  integer_setter<std::size_t>(&Config::max_body_bytes, 1024, std::size_t{1} << 30,
                                              "max body size")});

  list.push_back({"max_content", "--max-content", "TANDEM_MAX_CONTENT", "BYTES",
                  "Largest document content (serialized JSON), in bytes. Default 1048576 (1 MiB)", false,
                  integer_setter<std::size_t>(&Config::max_content_bytes, 1024, std::size_t{1} << 30,
                                              "max content size")});

  list.push_back({"shutdown_timeout", "--shutdown-timeout", "TANDEM_SHUTDOWN_TIMEOUT", "SECONDS",
                  "Time to let in-flight requests finish on SIGTERM/SIGINT, in seconds. Default 10",
                  false, integer_setter<int>(&Config::shutdown_timeout_s, 0, 600, "shutdown timeout")});

  list.push_back({"log_level", "--log-level", "TANDEM_LOG_LEVEL", "LEVEL",
                  "Log level: trace, debug (one line per request), info, warn, error. Default info",
                  false, apply_log_level});

  list.push_back({"read_connections", "--read-connections", "TANDEM_READ_CONNECTIONS", "N",
                  "SQLite read-only connections (count). Default 4", false,
                  integer_setter<int>(&Config::read_connections, 1, 64, "read connection count")});

  list.push_back({"snapshot_interval", "--snapshot-interval", "TANDEM_SNAPSHOT_INTERVAL", "OPS",
                  "Store a document snapshot every N ops (count); reads replay at most N ops. Default 100", false,
                  integer_setter<std::int64_t>(&Config::snapshot_interval, 1, 1000000, "snapshot interval")});

  list.push_back({"op_retention", "--op-retention", "TANDEM_OP_RETENTION", "OPS",
                  "Ops of history kept per document (count), back from the newest version. Default 0: keep all",
                  false, integer_setter<std::int64_t>(&Config::op_retention, 0, INT64_MAX, "op retention")});

  list.push_back({"demo", "--demo", "TANDEM_DEMO", "BOOL",
                  "Create a demo workspace with users alice, bob and carol and a few documents, once per data directory. Default off",
                  false, [](Config& config, const std::string& text) {
                    return apply_bool(config.demo, text, "demo flag");
                  }});

  list.push_back({"web_root", "--web-root", "TANDEM_WEB_ROOT", "DIR",
                  "Folder of the built web client (web/dist), served at /. Default: none, no page is served", false,
                  string_setter(&Config::web_root, "web root")});

  list.push_back({"dev_login", "--dev-login", "TANDEM_DEV_LOGIN", "BOOL",
                  "Development sign-in: anyone who reaches the server may get a token for any user id "
                  "(POST /v1/dev/token). Never enable in production. Default off",
                  false, [](Config& config, const std::string& text) {
                    return apply_bool(config.dev_login, text, "dev login flag");
                  }});
  add_notification_settings(list);
  return list;
}

std::string node_text(const toml::node& node) {
  if (auto text = node.value<std::string>()) return *text;
  if (auto number = node.value<std::int64_t>()) return std::to_string(*number);
  if (auto flag = node.value<bool>()) return *flag ? "true" : "false";
  return "\x01";  // a type no setting accepts
}

// Debian's toml++ 3.3 is built with exceptions, so parse errors arrive as
// toml::parse_error and are converted here.
Result<toml::table> parse_toml_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid config file {} at line {}: {}", path, error.source().begin.line,
                            error.description()));
  }
}

Status apply_file(Config& config, const std::string& path) {
  auto parsed = parse_toml_file(path);
  if (!parsed) return std::unexpected(parsed.error());
  toml::table& table = *parsed;

  for (auto&& [key, node] : table) {
    std::string name(key.str());
    if (name == "realtime" && node.is_table()) {
      config.realtime = *node.as_table();
      continue;
    }
    const Setting* match = nullptr;
    for (const Setting& setting : settings()) {
      if (setting.key == name) match = &setting;
    }
    if (match == nullptr) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("unknown key '{}' in config file {}; see `tandem serve --help`", name, path));
    }
    if (auto status = match->apply(config, node_text(node)); !status) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("config file {}: key '{}': {}", path, name, status.error().message));
    }
  }
  return {};
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> list = build_settings();
  return list;
}

Result<Config> load(const Sources& sources) {
  Config config;

  if (sources.file) {
    if (auto status = apply_file(config, *sources.file); !status) {
      return std::unexpected(status.error());
    }
  }

  for (const Setting& setting : settings()) {
    std::optional<std::string> value = sources.env ? sources.env(setting.env) : std::nullopt;
    if (!value) continue;
    if (auto status = setting.apply(config, *value); !status) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("environment {}: {}", setting.env, status.error().message));
    }
  }

  for (const Setting& setting : settings()) {
    auto found = sources.flags.find(setting.key);
    if (found == sources.flags.end()) continue;
    if (auto status = setting.apply(config, found->second); !status) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("flag {}: {}", setting.flag, status.error().message));
    }
  }
  return config;
}

std::string summary(const Config& config) {
  return fmt::format(
      "listen={}:{} data_dir={} secret={} api_key={} threads={} clock_skew={}s max_body={}B "
      "max_content={}B shutdown_timeout={}s log_level={} read_connections={} snapshot_interval={} op_retention={} demo={}",
      config.listen_host, config.listen_port, config.data_dir,
      config.secret.empty() ? "generated" : "set", config.api_key.empty() ? "none (server API off)" : "set",
      config.threads, config.clock_skew_s, config.max_body_bytes, config.max_content_bytes,
      config.shutdown_timeout_s, config.log_level, config.read_connections, config.snapshot_interval, config.op_retention, config.demo) +
         fmt::format(" notify_queues={} smtp_host={} webhook={}", config.notify_queues.size(),
                     config.smtp_host.empty() ? "none (email off)" : config.smtp_host,
                     config.webhook_url.empty() ? "none (push off)" : "set");
}

Result<std::int64_t> parse_duration_s(const std::string& text) {
  if (text.empty()) {
    return fail(ErrorCode::invalid_request, "invalid duration '': use e.g. 90s, 30m, 24h or 7d");
  }
  std::int64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's': unit = 1; digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    case 'd': unit = 86400; digits.pop_back(); break;
    default: break;
  }
  auto count = parse_integer<std::int64_t>(digits, 0, 100LL * 365 * 86400, "duration");
  if (!count || *count * unit > 100LL * 365 * 86400) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid duration '{}': use e.g. 90s, 30m, 24h or 7d", text));
  }
  return *count * unit;
}

}  // namespace tandem::config
