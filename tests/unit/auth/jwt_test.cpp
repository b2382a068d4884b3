#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/base64url.h"

namespace tandem::auth {
namespace {

constexpr std::string_view kSecret = "test-secret-0123456789";
constexpr std::int64_t kNow = 1'800'000'000;

std::string mint(std::string subject, std::int64_t ttl = 3600, std::string extra = "") {
  return mint_token({.secret = kSecret, .subject = std::move(subject), .name = "Ada",
                     .email = "ada@example.com", .now_unix_s = kNow, .ttl_s = ttl,
                     .extra_claims_json = std::move(extra)});
}

// Encodes a header and payload without a signature part; the caller
// appends one. Enough for checks that fail before the signature matters.
std::string forge(std::string_view header_json, std::string_view payload_json) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

std::expected<Claims, TokenError> verify(std::string_view token, std::int64_t now = kNow) {
  return verify_token(token, {.secret = kSecret, .now_unix_s = now, .clock_skew_s = 30});
}

TEST(Jwt, AcceptsMintedToken) {
  auto claims = verify(mint("u_1"));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->subject, "u_1");
  EXPECT_EQ(claims->name, "Ada");
  EXPECT_EQ(claims->email, "ada@example.com");
  EXPECT_EQ(claims->expires_at, kNow + 3600);
}

TEST(Jwt, RejectsMissingToken) {
  auto claims = verify("");
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::missing);
}

TEST(Jwt, RejectsMalformedToken) {
  for (std::string_view token : {"abc", "a.b", "a.b.c.d", "!!.??.##"}) {
    auto claims = verify(token);
    ASSERT_FALSE(claims.has_value()) << token;
    EXPECT_EQ(claims.error().failure, TokenFailure::malformed) << token;
  }
}

TEST(Jwt, RejectsWrongSecret) {
  std::string token = mint_token({.secret = "another-secret", .subject = "u_1", .now_unix_s = kNow});
  auto claims = verify(token);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::bad_signature);
}

TEST(Jwt, RejectsTamperedPayload) {
  std::string token = mint("u_1");
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  std::string forged_payload = base64url_encode(R"({"sub":"admin","exp":1900000000})");
  std::string tampered = token.substr(0, first + 1) + forged_payload + token.substr(second);
  auto claims = verify(tampered);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::bad_signature);
}

TEST(Jwt, RejectsAlgNone) {
  std::string token = forge(R"({"alg":"none","typ":"JWT"})", R"({"sub":"u_1"})") + ".";
  auto claims = verify(token);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::unsupported_alg);
  EXPECT_NE(claims.error().message.find("none"), std::string::npos);
}

TEST(Jwt, RejectsOtherAlgorithms) {
  for (std::string_view header : {R"({"alg":"RS256"})", R"({"alg":"HS512"})", R"({"typ":"JWT"})",
                                  R"({"alg":5})"}) {
    std::string token = forge(header, R"({"sub":"u_1"})") + ".c2ln";
    auto claims = verify(token);
    ASSERT_FALSE(claims.has_value()) << header;
    EXPECT_EQ(claims.error().failure, TokenFailure::unsupported_alg) << header;
  }
}

TEST(Jwt, RejectsExpiredToken) {
  std::string token = mint("u_1", 60);
  auto claims = verify(token, kNow + 60 + 31);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::expired);
}

TEST(Jwt, ToleratesClockSkew) {
  std::string token = mint("u_1", 60);
  EXPECT_TRUE(verify(token, kNow + 60 + 29).has_value());
}

TEST(Jwt, RejectsMissingSubject) {
  std::string token = mint("");
  auto claims = verify(token);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::missing_subject);
}

TEST(Jwt, RejectsNonNumericExpiry) {
  std::string token = mint("u_1", 0, R"({"exp":"tomorrow"})");
  auto claims = verify(token);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().failure, TokenFailure::malformed);
}

TEST(Jwt, ReadsRealtimeClaims) {
  std::string token = mint("u_1", 3600, R"({"info":{"color":"red"},"channels":["user:u_1","doc:w:*"]})");
  auto claims = verify(token);
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->info_json, R"({"color":"red"})");
  ASSERT_EQ(claims->channels.size(), 2u);
  EXPECT_EQ(claims->channels[1], "doc:w:*");
}

TEST(Jwt, ReadsExpireAtAndBase64Claims) {
  auto claims = verify(mint("u_1", 3600, R"({"expire_at":1800000100,"b64info":"eyJhIjoxfQ==","data":[1]})"));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->expire_at, 1'800'000'100);
  EXPECT_EQ(claims->session_expiry(), 1'800'000'100);
  EXPECT_EQ(claims->info_json, R"({"a":1})");
  EXPECT_EQ(claims->data_json, "[1]");

  auto never = verify(mint("u_1", 3600, R"({"expire_at":0})"));
  ASSERT_TRUE(never.has_value());
  EXPECT_FALSE(never->session_expiry().has_value());
  EXPECT_EQ(verify(mint("u_1", 3600))->session_expiry(), kNow + 3600);

  auto not_json = verify(mint("u_1", 3600, R"({"b64data":"aGVsbG8="})"));
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().failure, TokenFailure::malformed);
  EXPECT_FALSE(verify(mint("u_1", 3600, R"({"expire_at":"soon"})")).has_value());
}

TEST(Jwt, ReadsSubsClaim) {
  std::string extra = R"({"channels":["a:1"],"subs":{"b:2":{"b64info":"eyJhIjoxfQ=="},"a:9":{"data":3}}})";
  auto claims = verify(mint("u_1", 3600, extra));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  auto subs = claims->token_subscriptions();
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].channel, "a:9");
  EXPECT_EQ(subs[0].data_json, "3");
  EXPECT_EQ(subs[1].info_json, R"({"a":1})");
  EXPECT_EQ(verify(mint("u_1", 3600, R"({"channels":["a:1"]})"))->token_subscriptions()[0].channel, "a:1");
  EXPECT_FALSE(verify(mint("u_1", 3600, R"({"subs":{"a:1":7}})")).has_value());
}

TEST(Jwt, ErrorMapsToUnauthorized) {
  auto claims = verify("");
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(to_error(claims.error()).code, ErrorCode::unauthorized);
}

TEST(Base64url, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
}

TEST(Base64url, RejectsInvalidCharacters) {
  EXPECT_FALSE(base64url_decode("ab+c").has_value());
  EXPECT_FALSE(base64url_decode("a").has_value());
}

TEST(Base64, DecodesTheStandardAlphabet) {
  EXPECT_EQ(base64_decode("+/8="), std::string("\xfb\xff"));
  EXPECT_EQ(base64_decode("+/8"), std::string("\xfb\xff"));
  EXPECT_FALSE(base64_decode("-_8=").has_value());
  EXPECT_FALSE(base64_decode("a b=").has_value());
}

}  // namespace
}  // namespace tandem::auth
