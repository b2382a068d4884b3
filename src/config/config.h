// Server configuration: one Config struct assembled from defaults, an
// optional TOML file, TANDEM_* environment variables and command-line flags,
// in that order of precedence (later sources win).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/error.h"

namespace tandem::config {

// One notification queue: `NAME[:SINK][/PREFETCH]=PATTERN[,PATTERN...]`.
struct QueueSpec {
  std::string name;
  std::string sink;                   // inbox, email or push; default: the name
  int prefetch = 0;                   // 0: the notify_prefetch setting
  std::vector<std::string> bindings;  // topic patterns
};

// The default queues: inbox, email and push, each bound to doc.mention.*
// and doc.assign.*.
std::vector<QueueSpec> default_queue_specs();

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8000;      // 0 picks a free port
  std::string data_dir = "./data";
  std::string secret;                    // JWT HS256 secret; empty: generated and stored in data_dir
  std::string api_key;                   // server API key; empty: server API off
  int threads = 0;                       // I/O threads; 0: one per CPU core
  std::int64_t clock_skew_s = 30;        // accepted token clock skew, seconds
  std::size_t max_body_bytes = 2u << 20; // largest request body, bytes
  std::size_t max_content_bytes = 1u << 20;  // largest document content, bytes
  int shutdown_timeout_s = 10;           // wait for in-flight requests at shutdown, seconds
  std::string log_level = "info";        // trace, debug, info, warn, error
  int read_connections = 4;              // SQLite read-only connections
  bool demo = false;                     // seed a demo workspace on first start
  std::int64_t snapshot_interval = 100;  // store a document snapshot every N ops
  std::int64_t op_retention = 0;         // ops of history kept per document; 0: all
  std::string web_root;                  // folder of the built web client served at /; empty: none
  bool dev_login = false;                // development sign-in routes under /v1/dev
  toml::table realtime;                  // the file's [realtime] section, as is

  // Notifications (docs/notifications.md). Email and push stay off until
  // smtp_host and webhook_url are set.
  std::vector<QueueSpec> notify_queues = default_queue_specs();
  int notify_prefetch = 8;                    // deliveries in flight per queue
  int notify_max_attempts = 5;                // attempts before a dead letter
  std::int64_t notify_backoff_base_ms = 1000;   // first retry delay, milliseconds
  std::int64_t notify_backoff_max_ms = 300000;  // maximum retry delay, milliseconds
  bool notify_email_default = true;           // email on for users without a setting
  std::string smtp_host;                      // empty: email off
  int smtp_port = 25;
  std::string smtp_sender = "tandem@localhost";
  std::string smtp_tls = "starttls";          // off, starttls or implicit
  std::string smtp_user;
  std::string smtp_password;
  std::int64_t smtp_timeout_ms = 10000;
  std::string webhook_url;                    // empty: push off
  std::string webhook_secret;
  std::int64_t webhook_timeout_ms = 5000;
  std::string public_url;                     // base of links in emails; empty: http://LISTEN
};

// Parses `spec;spec;...` (see QueueSpec); invalid_request naming the part.
Result<std::vector<QueueSpec>> parse_queue_specs(const std::string& text);

// One configurable setting: how it is named in each source and how its text
// value is applied.
struct Setting {
  std::string key;          // TOML key, e.g. "data_dir"
  std::string flag;         // e.g. "--data-dir"
  std::string env;          // e.g. "TANDEM_DATA_DIR"
  std::string value_name;   // e.g. "DIR"
  std::string help;         // what it sets, with unit and default
  bool secret = false;      // never logged
  std::function<Status(Config&, const std::string&)> apply;
};

// Appends the notification settings (used by settings()).
void add_notification_settings(std::vector<Setting>& list);

// All settings, in the order `tandem serve --help` lists them.
const std::vector<Setting>& settings();

struct Sources {
  std::optional<std::string> file;                        // --config FILE
  std::function<std::optional<std::string>(const std::string&)> env;  // getenv-like lookup
  std::map<std::string, std::string> flags;               // setting key -> flag value
};

// Builds the configuration. Errors (invalid_request) name the source, the
// setting and the rejected value.
Result<Config> load(const Sources& sources);

// One line per setting for the startup log; secrets show only whether set.
std::string summary(const Config& config);

// Parses "90s", "30m", "24h", "7d" or a plain number of seconds.
Result<std::int64_t> parse_duration_s(const std::string& text);

}  // namespace tandem::config
