#include "http/response.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace tandem::http {
namespace {

TEST(HttpStatus, MapsEveryErrorCode) {
  EXPECT_EQ(http_status(ErrorCode::invalid_request), 400u);
  EXPECT_EQ(http_status(ErrorCode::invalid_operation), 400u);
  EXPECT_EQ(http_status(ErrorCode::unauthorized), 401u);
  EXPECT_EQ(http_status(ErrorCode::forbidden), 403u);
  EXPECT_EQ(http_status(ErrorCode::not_found), 404u);
  EXPECT_EQ(http_status(ErrorCode::version_conflict), 409u);
  EXPECT_EQ(http_status(ErrorCode::payload_too_large), 413u);
  EXPECT_EQ(http_status(ErrorCode::rate_limited), 429u);
  EXPECT_EQ(http_status(ErrorCode::internal), 500u);
}

TEST(ErrorResponse, HasTheOneErrorShape) {
  Response response = error_response({ErrorCode::not_found, "document d_1 not found", std::nullopt});
  EXPECT_EQ(response.status, 404u);
  auto body = boost::json::parse(response.body).as_object();
  ASSERT_TRUE(body.contains("error"));
  EXPECT_EQ(body["error"].at("code").as_string(), "not_found");
  EXPECT_EQ(body["error"].at("message").as_string(), "document d_1 not found");
  EXPECT_FALSE(body["error"].as_object().contains("current_version"));
}

TEST(ErrorResponse, VersionConflictCarriesCurrentVersion) {
  Response response = error_response({ErrorCode::version_conflict, "behind", 42});
  EXPECT_EQ(response.status, 409u);
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body["error"].at("current_version").as_int64(), 42);
}

TEST(ErrorResponse, UnauthorizedAsksForBearer) {
  Response response = error_response({ErrorCode::unauthorized, "missing token", std::nullopt});
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
}

}  // namespace
}  // namespace tandem::http
