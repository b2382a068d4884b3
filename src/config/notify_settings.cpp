// The notification settings of the settings table: queues, retries, SMTP
// and webhook. Defaults point at no host: email and push stay off until
// smtp_host and webhook_url are set.
#include <charconv>

#include <fmt/format.h>

#include "config/config.h"

namespace tandem::config {
namespace {

template <class T>
std::function<Status(Config&, const std::string&)> bounded(T Config::*field, T min, T max, std::string name) {
  return [=](Config& config, const std::string& text) -> Status {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
      return fail(ErrorCode::invalid_request,
                  fmt::format("invalid {} '{}': expected an integer from {} to {}", name, text, min, max));
    }
    config.*field = value;
    return {};
  };
}

// Any text, including empty (which turns the feature off).
std::function<Status(Config&, const std::string&)> text(std::string Config::*field) {
  return [=](Config& config, const std::string& value) -> Status {
    config.*field = value;
    return {};
  };
}

std::string trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(separator, start);
    parts.push_back(trim(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::unexpected<Error> invalid_spec(std::string_view part, std::string_view why) {
  return fail(ErrorCode::invalid_request,
              fmt::format("invalid notification queue '{}': {}; expected NAME[:SINK][/PREFETCH]=PATTERN[,PATTERN...], "
                          "e.g. inbox=doc.mention.*,doc.assign.*",
                          part, why));
}

Result<QueueSpec> parse_queue_spec(const std::string& part) {
  std::size_t equals = part.find('=');
  if (equals == std::string::npos) return invalid_spec(part, "missing '='");
  std::string head = trim(std::string_view(part).substr(0, equals));
  QueueSpec spec;
  if (std::size_t slash = head.find('/'); slash != std::string::npos) {
    std::string number = head.substr(slash + 1);
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), spec.prefetch);
    if (ec != std::errc{} || end != number.data() + number.size() || spec.prefetch < 1 || spec.prefetch > 64) {
      return invalid_spec(part, "prefetch must be an integer from 1 to 64");
    }
    head = head.substr(0, slash);
  }
  if (std::size_t colon = head.find(':'); colon != std::string::npos) {
    spec.sink = head.substr(colon + 1);
    head = head.substr(0, colon);
  }
  spec.name = head;
  if (spec.sink.empty()) spec.sink = spec.name;
  if (spec.name.empty()) return invalid_spec(part, "the queue name is empty");
  for (char c : spec.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return invalid_spec(part, "a queue name has only letters, digits, '_' and '-'");
    }
  }
  if (spec.sink != "inbox" && spec.sink != "email" && spec.sink != "push") {
    return invalid_spec(part, fmt::format("unknown sink '{}': use inbox, email or push", spec.sink));
  }
  for (std::string& pattern : split(std::string_view(part).substr(equals + 1), ',')) {
    // Words are non-empty, and '*' and '#' stand alone in theirs.
    for (const std::string& word : split(pattern, '.')) {
      if (word.empty() || (word.find_first_of("*#") != std::string::npos && word.size() != 1)) {
        return invalid_spec(part, fmt::format("invalid binding pattern '{}': use dot-separated words, where "
                                              "'*' and '#' stand alone",
                                              pattern));
      }
    }
    spec.bindings.push_back(std::move(pattern));
  }
  return spec;
}

}  // namespace

std::vector<QueueSpec> default_queue_specs() {
  std::vector<QueueSpec> specs;
  for (const char* name : {"inbox", "email", "push"}) {
    specs.push_back(QueueSpec{name, name, 0, {"doc.mention.*", "doc.assign.*"}});
  }
  return specs;
}

Result<std::vector<QueueSpec>> parse_queue_specs(const std::string& text) {
  std::vector<QueueSpec> specs;
  for (const std::string& part : split(text, ';')) {
    if (part.empty()) continue;
    auto spec = parse_queue_spec(part);
    if (!spec) return std::unexpected(spec.error());
    for (const QueueSpec& other : specs) {
      if (other.name == spec->name) return invalid_spec(part, "the queue name is used twice");
    }
    specs.push_back(std::move(*spec));
  }
  return specs;
}

void add_notification_settings(std::vector<Setting>& list) {
  list.push_back({"notify_queues", "--notify-queues", "TANDEM_NOTIFY_QUEUES", "SPECS",
                  "Notification queues, ';'-separated NAME[:SINK][/PREFETCH]=PATTERN[,PATTERN...] (sinks: inbox, "
                  "email, push). Default inbox, email and push, each bound to doc.mention.* and doc.assign.*",
                  false, [](Config& config, const std::string& value) -> Status {
                    auto specs = parse_queue_specs(value);
                    if (!specs) return std::unexpected(specs.error());
                    config.notify_queues = std::move(*specs);
                    return {};
                  }});
  list.push_back({"notify_prefetch", "--notify-prefetch", "TANDEM_NOTIFY_PREFETCH", "N",
                  "Deliveries in flight per notification queue (count) unless the queue sets its own. Default 8",
                  false, bounded<int>(&Config::notify_prefetch, 1, 64, "notification prefetch")});
  list.push_back({"notify_max_attempts", "--notify-max-attempts", "TANDEM_NOTIFY_MAX_ATTEMPTS", "N",
                  "Delivery attempts (count) before a notification moves to the dead letters. Default 5", false,
                  bounded<int>(&Config::notify_max_attempts, 1, 100, "notification max attempts")});
  list.push_back({"notify_backoff_base_ms", "--notify-backoff-base-ms", "TANDEM_NOTIFY_BACKOFF_BASE_MS", "MS",
                  "Retry delay after the first failed delivery, in milliseconds; doubles per attempt. Default 1000",
                  false, bounded<std::int64_t>(&Config::notify_backoff_base_ms, 1, 86400000, "backoff base")});
  list.push_back({"notify_backoff_max_ms", "--notify-backoff-max-ms", "TANDEM_NOTIFY_BACKOFF_MAX_MS", "MS",
                  "Longest retry delay, in milliseconds. Default 300000 (5 minutes)", false,
                  bounded<std::int64_t>(&Config::notify_backoff_max_ms, 1, 86400000, "backoff max")});
  // Not "BOOL": that value name makes a flag that can only set true.
  list.push_back({"notify_email_default", "--notify-email-default", "TANDEM_NOTIFY_EMAIL_DEFAULT", "true|false",
                  "Send email to users who never changed their email setting. Default true", false,
                  [](Config& config, const std::string& value) -> Status {
                    if (value == "true" || value == "1" || value == "yes") {
                      config.notify_email_default = true;
                    } else if (value == "false" || value == "0" || value == "no") {
                      config.notify_email_default = false;
                    } else {
                      return fail(ErrorCode::invalid_request,
                                  fmt::format("invalid email default '{}': use true or false", value));
                    }
                    return {};
                  }});
  list.push_back({"smtp_host", "--smtp-host", "TANDEM_SMTP_HOST", "HOST",
                  "SMTP server for email notifications. Default none: email off", false, text(&Config::smtp_host)});
  list.push_back({"smtp_port", "--smtp-port", "TANDEM_SMTP_PORT", "PORT", "SMTP server port. Default 25", false,
                  bounded<int>(&Config::smtp_port, 1, 65535, "SMTP port")});
  list.push_back({"smtp_sender", "--smtp-sender", "TANDEM_SMTP_SENDER", "ADDRESS",
                  "Sender address of notification emails. Default tandem@localhost", false,
                  [](Config& config, const std::string& value) -> Status {
                    if (value.empty() || value.find_first_of("<>\r\n ") != std::string::npos ||
                        value.find('@') == std::string::npos) {
                      return fail(ErrorCode::invalid_request,
                                  fmt::format("invalid SMTP sender '{}': expected an address like tandem@example.com",
                                              value));
                    }
                    config.smtp_sender = value;
                    return {};
                  }});
  list.push_back({"smtp_tls", "--smtp-tls", "TANDEM_SMTP_TLS", "MODE",
                  "SMTP encryption: off, starttls (required upgrade) or implicit (TLS from the start, usually "
                  "port 465). Default starttls",
                  false, [](Config& config, const std::string& value) -> Status {
                    if (value != "off" && value != "starttls" && value != "implicit") {
                      return fail(ErrorCode::invalid_request,
                                  fmt::format("invalid SMTP TLS mode '{}': use off, starttls or implicit", value));
                    }
                    config.smtp_tls = value;
                    return {};
                  }});
  list.push_back({"smtp_user", "--smtp-user", "TANDEM_SMTP_USER", "USER",
                  "SMTP AUTH user name. Default none: no authentication", false, text(&Config::smtp_user)});
  list.push_back({"smtp_password", "--smtp-password", "TANDEM_SMTP_PASSWORD", "PASSWORD",
                  "SMTP AUTH password. Default none", true, text(&Config::smtp_password)});
  list.push_back({"smtp_timeout_ms", "--smtp-timeout-ms", "TANDEM_SMTP_TIMEOUT_MS", "MS",
                  "Time limit of one SMTP delivery, in milliseconds. Default 10000", false,
                  bounded<std::int64_t>(&Config::smtp_timeout_ms, 100, 600000, "SMTP timeout")});
  list.push_back({"webhook_url", "--webhook-url", "TANDEM_WEBHOOK_URL", "URL",
                  "HTTP(S) URL that push notifications are POSTed to. Default none: push off", true,
                  [](Config& config, const std::string& value) -> Status {
                    if (!value.empty() && !value.starts_with("http://") && !value.starts_with("https://")) {
                      return fail(ErrorCode::invalid_request,
                                  "invalid webhook URL: expected http://... or https://...");
                    }
                    config.webhook_url = value;
                    return {};
                  }});
  list.push_back({"webhook_secret", "--webhook-secret", "TANDEM_WEBHOOK_SECRET", "S",
                  "Key of the X-Tandem-Signature HMAC-SHA256 header. Default none: no signature", true,
                  text(&Config::webhook_secret)});
  list.push_back({"webhook_timeout_ms", "--webhook-timeout-ms", "TANDEM_WEBHOOK_TIMEOUT_MS", "MS",
                  "Time limit of one webhook request, in milliseconds. Default 5000", false,
                  bounded<std::int64_t>(&Config::webhook_timeout_ms, 100, 600000, "webhook timeout")});
  list.push_back({"public_url", "--public-url", "TANDEM_PUBLIC_URL", "URL",
                  "Base URL of document links in emails. Default http://LISTEN", false, text(&Config::public_url)});
}

}  // namespace tandem::config
