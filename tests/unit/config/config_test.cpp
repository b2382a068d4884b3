#include "config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace tandem::config {
namespace {

class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("tandem-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".toml")) {
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

Sources with_env(std::map<std::string, std::string> env) {
  Sources sources;
  sources.env = [env](const std::string& name) -> std::optional<std::string> {
    auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
  return sources;
}

TEST(Config, DefaultsWithoutSources) {
  auto config = load(Sources{});
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 8000);
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_TRUE(config->secret.empty());
  EXPECT_TRUE(config->api_key.empty());
}

TEST(Config, WebClientSettingsAreOffByDefault) {
  auto config = load(Sources{});
  ASSERT_TRUE(config.has_value());
  EXPECT_TRUE(config->web_root.empty());
  EXPECT_FALSE(config->dev_login);
}

TEST(Config, WebClientSettingsFromEachSource) {
  ConfigFile file("web_root = \"/srv/web\"\ndev_login = true\n");
  Sources sources;
  sources.file = file.path();
  auto from_file = load(sources);
  ASSERT_TRUE(from_file.has_value()) << from_file.error().message;
  EXPECT_EQ(from_file->web_root, "/srv/web");
  EXPECT_TRUE(from_file->dev_login);

  Sources env = with_env({{"TANDEM_WEB_ROOT", "web/dist"}, {"TANDEM_DEV_LOGIN", "false"}});
  env.file = file.path();
  auto from_env = load(env);
  ASSERT_TRUE(from_env.has_value()) << from_env.error().message;
  EXPECT_EQ(from_env->web_root, "web/dist");
  EXPECT_FALSE(from_env->dev_login);

  auto bad = load(with_env({{"TANDEM_DEV_LOGIN", "maybe"}}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("TANDEM_DEV_LOGIN"), std::string::npos);
  EXPECT_NE(bad.error().message.find("maybe"), std::string::npos);
}

TEST(Config, FileOverridesDefaults) {
  ConfigFile file("listen = \"127.0.0.1:9100\"\ndata_dir = \"/tmp/x\"\nthreads = 3\n");
  Sources sources;
  sources.file = file.path();
  auto config = load(sources);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->listen_port, 9100);
  EXPECT_EQ(config->data_dir, "/tmp/x");
  EXPECT_EQ(config->threads, 3);
}

TEST(Config, EnvOverridesFile) {
  ConfigFile file("listen = \"127.0.0.1:9100\"\ndata_dir = \"/tmp/file\"\n");
  Sources sources = with_env({{"TANDEM_DATA_DIR", "/tmp/env"}});
  sources.file = file.path();
  auto config = load(sources);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->data_dir, "/tmp/env");
  EXPECT_EQ(config->listen_port, 9100);
}

TEST(Config, FlagsOverrideEnv) {
  ConfigFile file("data_dir = \"/tmp/file\"\n");
  Sources sources = with_env({{"TANDEM_DATA_DIR", "/tmp/env"}, {"TANDEM_LISTEN", "127.0.0.1:9200"}});
  sources.file = file.path();
  sources.flags["data_dir"] = "/tmp/flag";
  auto config = load(sources);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->data_dir, "/tmp/flag");
  EXPECT_EQ(config->listen_port, 9200);
}

TEST(Config, RejectsUnknownFileKey) {
  ConfigFile file("lisen = \"127.0.0.1:1\"\n");
  Sources sources;
  sources.file = file.path();
  auto config = load(sources);
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("lisen"), std::string::npos);
}

TEST(Config, RejectsTomlSyntaxError) {
  ConfigFile file("listen = \n");
  Sources sources;
  sources.file = file.path();
  auto config = load(sources);
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("line 1"), std::string::npos);
}

TEST(Config, RejectsMissingFile) {
  Sources sources;
  sources.file = "/nonexistent/tandem.toml";
  EXPECT_FALSE(load(sources).has_value());
}

TEST(Config, RejectsBadValuesNamingThem) {
  struct Case {
    std::string env;
    std::string value;
  };
  for (const Case& bad : std::vector<Case>{{"TANDEM_LISTEN", "8000"},
                                           {"TANDEM_LISTEN", "127.0.0.1:70000"},
                                           {"TANDEM_THREADS", "-1"},
                                           {"TANDEM_THREADS", "many"},
                                           {"TANDEM_LOG_LEVEL", "loud"},
                                           {"TANDEM_DEMO", "maybe"},
                                           {"TANDEM_MAX_BODY", "12"}}) {
    auto config = load(with_env({{bad.env, bad.value}}));
    ASSERT_FALSE(config.has_value()) << bad.env << "=" << bad.value;
    EXPECT_NE(config.error().message.find(bad.env), std::string::npos) << config.error().message;
    EXPECT_NE(config.error().message.find(bad.value), std::string::npos) << config.error().message;
  }
}

TEST(Config, KeepsRealtimeSection) {
  ConfigFile file("[realtime]\nping_interval = 5\n");
  Sources sources;
  sources.file = file.path();
  auto config = load(sources);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->realtime["ping_interval"].value<int>(), 5);
}

TEST(Config, SummaryHidesSecrets) {
  Config config;
  config.secret = "hunter2-very-secret";
  config.api_key = "api-key-value";
  std::string text = summary(config);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("api-key-value"), std::string::npos);
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration_s("90s").value(), 90);
  EXPECT_EQ(parse_duration_s("30m").value(), 1800);
  EXPECT_EQ(parse_duration_s("24h").value(), 86400);
  EXPECT_EQ(parse_duration_s("7d").value(), 604800);
  EXPECT_EQ(parse_duration_s("45").value(), 45);
  EXPECT_FALSE(parse_duration_s("").has_value());
  EXPECT_FALSE(parse_duration_s("h").has_value());
  EXPECT_FALSE(parse_duration_s("1w").has_value());
  EXPECT_FALSE(parse_duration_s("-5m").has_value());
}

}  // namespace
}  // namespace tandem::config

namespace tandem::config {
namespace {

TEST(NotifyConfig, DefaultsSendNothingOut) {
  auto config = load(Sources{});
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->smtp_host, "");
  EXPECT_EQ(config->webhook_url, "");
  ASSERT_EQ(config->notify_queues.size(), 3u);
  EXPECT_EQ(config->notify_queues[1].name, "email");
  EXPECT_EQ(config->notify_queues[1].sink, "email");
  EXPECT_EQ(config->notify_queues[1].bindings, (std::vector<std::string>{"doc.mention.*", "doc.assign.*"}));
  EXPECT_EQ(config->notify_max_attempts, 5);
}

TEST(NotifyConfig, QueueSpecs) {
  auto specs = parse_queue_specs("inbox=doc.#; urgent:push/4 = doc.assign.*, doc.mention.boss ;");
  ASSERT_TRUE(specs) << specs.error().message;
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].name, "inbox");
  EXPECT_EQ((*specs)[0].sink, "inbox");
  EXPECT_EQ((*specs)[0].prefetch, 0);
  EXPECT_EQ((*specs)[1].name, "urgent");
  EXPECT_EQ((*specs)[1].sink, "push");
  EXPECT_EQ((*specs)[1].prefetch, 4);
  EXPECT_EQ((*specs)[1].bindings, (std::vector<std::string>{"doc.assign.*", "doc.mention.boss"}));
}

TEST(NotifyConfig, RejectsBadQueueSpecs) {
  for (const char* text : {"inbox", "=doc.#", "inbox:sms=doc.#", "inbox/0=doc.#", "inbox/65=doc.#",
                           "inbox=doc..x", "inbox=doc.mention*", "inbox=", "a b=doc", "inbox=x;inbox=y"}) {
    auto specs = parse_queue_specs(text);
    EXPECT_FALSE(specs) << text;
    if (!specs) {
      EXPECT_NE(specs.error().message.find("notification queue"), std::string::npos) << text;
    }
  }
}

TEST(NotifyConfig, SettingsFromEverySource) {
  ConfigFile file(
      "notify_queues = \"inbox=doc.#\"\nsmtp_host = \"127.0.0.1\"\nsmtp_tls = \"off\"\nnotify_prefetch = 3\n");
  Sources sources = with_env({{"TANDEM_SMTP_PORT", "2525"}, {"TANDEM_WEBHOOK_URL", "http://127.0.0.1:9/hook"}});
  sources.file = file.path();
  sources.flags["notify_max_attempts"] = "7";
  sources.flags["notify_email_default"] = "false";
  auto config = load(sources);
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->notify_queues.size(), 1u);
  EXPECT_EQ(config->smtp_host, "127.0.0.1");
  EXPECT_EQ(config->smtp_tls, "off");
  EXPECT_EQ(config->smtp_port, 2525);
  EXPECT_EQ(config->notify_prefetch, 3);
  EXPECT_EQ(config->webhook_url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(config->notify_max_attempts, 7);
  EXPECT_FALSE(config->notify_email_default);
}

TEST(NotifyConfig, RejectsBadValues) {
  const std::map<std::string, std::string> bad = {
      {"TANDEM_SMTP_TLS", "maybe"},          {"TANDEM_SMTP_PORT", "0"},
      {"TANDEM_WEBHOOK_URL", "ftp://x"},     {"TANDEM_NOTIFY_MAX_ATTEMPTS", "0"},
      {"TANDEM_SMTP_SENDER", "no-at-sign"},  {"TANDEM_NOTIFY_EMAIL_DEFAULT", "perhaps"},
      {"TANDEM_NOTIFY_BACKOFF_BASE_MS", "0"}};
  for (const auto& [name, value] : bad) {
    auto config = load(with_env({{name, value}}));
    EXPECT_FALSE(config) << name << "=" << value;
    if (!config) {
      EXPECT_NE(config.error().message.find(name), std::string::npos) << config.error().message;
    }
  }
}

TEST(NotifyConfig, SummaryHidesWebhookAndPassword) {
  Config config;
  config.webhook_url = "https://hooks.example.test/token-123";
  config.smtp_password = "smtp-secret";
  std::string text = summary(config);
  EXPECT_EQ(text.find("token-123"), std::string::npos);
  EXPECT_EQ(text.find("smtp-secret"), std::string::npos);
}

}  // namespace
}  // namespace tandem::config
