// The server API's key check, as Centrifugo v5 does it, and the routing of
// the legacy single endpoint.
#include "http/server_api.h"

#include <gtest/gtest.h>

#include "realtime/authorizer.h"

namespace tandem::http {
namespace {

std::shared_ptr<realtime::Engine> make_engine(std::string api_key) {
  realtime::EngineOptions options = realtime::default_options();
  options.api_key = std::move(api_key);
  auto authorizer = std::make_shared<realtime::RuleAuthorizer>(
      [](const std::string&, const std::string&) { return std::optional<std::string>(); });
  return std::make_shared<realtime::Engine>(std::move(options), authorizer);
}

unsigned status(realtime::Engine& engine, ServerApiRequest request) {
  if (request.method.empty() && request.body.empty()) request.method = "info";
  return handle_server_api(engine, request).status;
}

TEST(ServerApiAuth, KeyFromHeaderAuthorizationOrQuery) {
  auto engine = make_engine("k1");
  EXPECT_EQ(status(*engine, {.x_api_key = "k1"}), 200u);
  EXPECT_EQ(status(*engine, {.authorization = "apikey k1"}), 200u);
  EXPECT_EQ(status(*engine, {.authorization = "ApiKey k1"}), 200u);
  EXPECT_EQ(status(*engine, {.api_key_query = "k1"}), 200u);
}

TEST(ServerApiAuth, WrongOrMissingKeyIs401WithEmptyBody) {
  auto engine = make_engine("k1");
  realtime::ApiResponse missing = handle_server_api(*engine, {.method = "info"});
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.body, "");
  EXPECT_EQ(status(*engine, {.x_api_key = "k2"}), 401u);
  EXPECT_EQ(status(*engine, {.x_api_key = "k"}), 401u);
  EXPECT_EQ(status(*engine, {.authorization = "Bearer k1"}), 401u);
  EXPECT_EQ(status(*engine, {.authorization = "apikey k1 extra"}), 401u);
  // X-API-Key decides when present, even if another source is right.
  EXPECT_EQ(status(*engine, {.x_api_key = "bad", .authorization = "apikey k1"}), 401u);
  EXPECT_EQ(status(*engine, {.x_api_key = "bad", .api_key_query = "k1"}), 401u);
}

TEST(ServerApiAuth, NoConfiguredKeyTurnsTheApiOff) {
  auto engine = make_engine("");
  EXPECT_EQ(status(*engine, {}), 401u);
  EXPECT_EQ(status(*engine, {.x_api_key = ""}), 401u);
  EXPECT_EQ(status(*engine, {.authorization = "apikey "}), 401u);
  EXPECT_EQ(status(*engine, {.method = "", .body = R"({"method":"info"})"}), 401u);
}

TEST(ServerApiAuth, EmptyMethodIsTheLegacyEndpoint) {
  auto engine = make_engine("k1");
  realtime::ApiResponse r =
      handle_server_api(*engine, {.method = "", .body = R"({"id":4,"method":"info"})", .x_api_key = "k1"});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.rfind(R"({"id":4,"result":{"nodes":[)", 0), 0u) << r.body;
  EXPECT_EQ(handle_server_api(*engine, {.method = "", .body = R"({"id":4,"method":"info"})"}).status, 401u);
}

}  // namespace
}  // namespace tandem::http
