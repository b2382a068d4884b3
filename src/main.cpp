// Entry point: parses the command line and hands over to a component.
#include <cstdlib>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "auth/jwt.h"
#include "config/config.h"
#include "config/secret.h"
#include "core/ids.h"
#include "http/app.h"
#include "ot/cli.h"

namespace {

struct ServeFlags {
  std::string config_file;
  std::map<std::string, std::string> values;  // setting key -> flag text
};

void add_serve_options(CLI::App& serve, ServeFlags& flags) {
  serve.add_option("--config", flags.config_file, "TOML configuration file (keys as below, e.g. data_dir)")
      ->check(CLI::ExistingFile);
  for (const auto& setting : tandem::config::settings()) {
    std::string key = setting.key;
    if (setting.value_name == "BOOL") {
      serve.add_flag_function(
          setting.flag, [&flags, key](std::int64_t) { flags.values[key] = "true"; },
          setting.help + " [env " + setting.env + "]");
      continue;
    }
    serve.add_option_function<std::string>(
             setting.flag, [&flags, key](const std::string& value) { flags.values[key] = value; },
             setting.help + " [env " + setting.env + "]")
        ->type_name(setting.value_name);
  }
}

int serve(const ServeFlags& flags) {
  tandem::config::Sources sources;
  if (!flags.config_file.empty()) sources.file = flags.config_file;
  sources.env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  sources.flags = flags.values;

  auto config = tandem::config::load(sources);
  if (!config) {
    std::cerr << "tandem serve: " << config.error().message << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  return tandem::http::run_server(std::move(*config));
}

struct TokenFlags {
  std::string user;
  std::string name;
  std::string email;
  std::string ttl = "24h";
  std::string secret;
  std::string data_dir;
};

int token(const TokenFlags& flags) {
  std::string secret = flags.secret;
  if (secret.empty()) {
    if (const char* env = std::getenv("TANDEM_SECRET")) secret = env;
  }
  if (secret.empty()) {
    std::string data_dir = flags.data_dir;
    const char* env_dir = std::getenv("TANDEM_DATA_DIR");
    if (data_dir.empty() && env_dir != nullptr) data_dir = env_dir;
    if (data_dir.empty()) data_dir = "./data";
    bool created = false;
    auto stored = tandem::config::load_or_create_secret(data_dir, false, created);
    if (!stored) {
      std::cerr << "tandem token: " << stored.error().message << "\n";
      return 2;
    }
    secret = *stored;
  }
  auto ttl = tandem::config::parse_duration_s(flags.ttl);
  if (!ttl) {
    std::cerr << "tandem token: --ttl: " << ttl.error().message << "\n";
    return 2;
  }
  std::cout << tandem::auth::mint_token({.secret = secret,
                                         .subject = flags.user,
                                         .name = flags.name,
                                         .email = flags.email,
                                         .now_unix_s = tandem::now_unix_ms() / 1000,
                                         .ttl_s = *ttl})
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tandem: real-time collaboration server"};
  app.require_subcommand(1);

  ServeFlags serve_flags;
  auto* serve_command = app.add_subcommand("serve", "Run the server");
  add_serve_options(*serve_command, serve_flags);

  TokenFlags token_flags;
  auto* token_command = app.add_subcommand("token", "Print a signed HS256 token for a user");
  token_command->add_option("--user", token_flags.user, "User id, stored as the token's 'sub'")->required();
  token_command->add_option("--name", token_flags.name, "Display name");
  token_command->add_option("--email", token_flags.email, "Email address");
  token_command->add_option("--ttl", token_flags.ttl, "Lifetime: 90s, 30m, 24h, 7d; 0 for no expiry")
      ->capture_default_str();
  token_command->add_option("--secret", token_flags.secret, "Signing secret [env TANDEM_SECRET]");
  token_command->add_option("--data-dir", token_flags.data_dir,
                            "Read the secret the server generated in this directory [env TANDEM_DATA_DIR]");

  auto* version = app.add_subcommand("version", "Print the version and exit");
  auto* ot = app.add_subcommand("ot", "Run json0 functions on JSON lines from stdin");

  CLI11_PARSE(app, argc, argv);

  if (serve_command->parsed()) return serve(serve_flags);
  if (token_command->parsed()) return token(token_flags);
  if (version->parsed()) {
    std::cout << "tandem " << TANDEM_VERSION_STRING << "\n";
    return 0;
  }
  if (ot->parsed()) return tandem::ot::run_cli(std::cin, std::cout);
  return 0;
}
