// The `expire_at` claim of connection and subscription tokens: it replaces
// `exp` as the expiry of the connection or subscription, 0 means never, and
// one already in the past is error 110.
#include <gtest/gtest.h>

#include "harness.h"
#include "realtime/api.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

std::int64_t error_code(const json::value& reply) { return reply.at("error").at("code").as_int64(); }

std::uint16_t closed_code(Conn& c) {
  auto closed = c.transport->closed();
  return closed ? closed->code : 0;
}

std::string expire_at_claim(std::int64_t unix_s) { return R"({"expire_at":)" + std::to_string(unix_s) + "}"; }

std::string connect_frame(const std::string& token) {
  return R"({"id":1,"connect":{"token":")" + token + R"("}})";
}

TEST(ExpireAt, OverridesExpForTheConnection) {
  Fixture f;
  std::int64_t now_s = f.now_ms / 1000;
  Conn a(*f.engine);
  auto replies = a.send(connect_frame(f.token("alice", 3600, expire_at_claim(now_s + 90))));
  ASSERT_TRUE(replies[0].as_object().contains("connect")) << json::serialize(replies[0]);
  EXPECT_EQ(replies[0].at("connect").at("ttl").as_int64(), 90);

  // The connection expires at expire_at plus the grace, although exp is later.
  f.now_ms += (90 + 25) * 1000 - 1;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 0);
  a.send("{}");
  f.now_ms += 1;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 3005);
}

TEST(ExpireAt, ZeroMeansTheConnectionNeverExpires) {
  Fixture f;
  Conn a(*f.engine);
  auto replies = a.send(connect_frame(f.token("alice", 60, expire_at_claim(0))));
  const auto& r = replies[0].at("connect").as_object();
  EXPECT_FALSE(r.contains("expires"));
  EXPECT_FALSE(r.contains("ttl"));

  // Well past exp and the grace: still open while it answers pings.
  for (int i = 0; i < 10; ++i) {
    f.now_ms += 20'000;
    a.client->on_timer();
    a.send("{}");
  }
  EXPECT_EQ(closed_code(a), 0);
  EXPECT_TRUE(a.client->connected());
}

TEST(ExpireAt, ExpOfTheTokenItselfIsStillChecked) {
  Fixture f;
  std::string token = f.token("alice", 1, expire_at_claim(0));
  f.now_ms += 5000;
  Conn a(*f.engine);
  auto replies = a.send(connect_frame(token));
  EXPECT_EQ(error_code(replies[0]), 109);
}

TEST(ExpireAt, PastExpireAtIsError110AtConnectAndRefresh) {
  Fixture f;
  std::int64_t now_s = f.now_ms / 1000;
  Conn a(*f.engine);
  auto replies = a.send(connect_frame(f.token("alice", 3600, expire_at_claim(now_s - 1))));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(error_code(replies[0]), 110);
  EXPECT_FALSE(a.client->connected());

  Conn b(*f.engine);
  b.connect(f.token("alice", 60));
  auto refreshed = b.send(R"({"id":2,"refresh":{"token":")" + f.token("alice", 3600, expire_at_claim(now_s)) +
                          R"("}})");
  EXPECT_EQ(error_code(refreshed[0]), 110);

  // A refresh with expire_at 0 lifts the expiry altogether.
  auto lifted = b.send(R"({"id":3,"refresh":{"token":")" + f.token("alice", 60, expire_at_claim(0)) + R"("}})");
  ASSERT_TRUE(lifted[0].as_object().contains("refresh")) << json::serialize(lifted[0]);
  EXPECT_FALSE(lifted[0].at("refresh").as_object().contains("expires"));
  f.now_ms += 200'000;
  b.send("{}");
  b.client->on_timer();
  EXPECT_EQ(closed_code(b), 0);
}

TEST(ExpireAt, AppliesToSubscriptionTokens) {
  EngineOptions o = default_options();
  NamespaceOptions priv;
  priv.subscribe = SubscribeRule::token;
  o.namespaces["private"] = priv;
  Fixture f(o);
  std::int64_t now_s = f.now_ms / 1000;
  Conn a(*f.engine);
  a.connect(f.token("alice"));

  auto sub_token = [&](std::string_view channel, std::int64_t ttl, std::int64_t expire_at) {
    return f.token("", ttl, R"({"channel":")" + std::string(channel) + R"(","expire_at":)" + std::to_string(expire_at) +
                                "}");
  };
  auto past = a.send(R"({"id":2,"subscribe":{"channel":"private:x","token":")" + sub_token("private:x", 60, now_s - 5) +
                     R"("}})");
  EXPECT_EQ(error_code(past[0]), 110);

  auto ok = a.send(R"({"id":3,"subscribe":{"channel":"private:x","token":")" + sub_token("private:x", 600, now_s + 40) +
                   R"("}})");
  ASSERT_TRUE(ok[0].as_object().contains("subscribe")) << json::serialize(ok[0]);
  EXPECT_EQ(ok[0].at("subscribe").at("ttl").as_int64(), 40);

  auto never = a.send(R"({"id":4,"sub_refresh":{"channel":"private:x","token":")" + sub_token("private:x", 60, 0) +
                      R"("}})");
  ASSERT_TRUE(never[0].as_object().contains("sub_refresh")) << json::serialize(never[0]);
  EXPECT_FALSE(never[0].at("sub_refresh").as_object().contains("expires"));

  // No expiry left: the subscription outlives exp and the grace.
  f.now_ms += 300'000;
  a.send("{}");
  a.client->on_timer();
  a.received();  // the ping
  EXPECT_EQ(a.client->subscription_count(), 1u);

  auto stale = a.send(R"({"id":5,"sub_refresh":{"channel":"private:x","token":")" +
                      sub_token("private:x", 600, now_s) + R"("}})");
  EXPECT_EQ(error_code(stale[0]), 110);
  EXPECT_EQ(a.client->subscription_count(), 1u);
}

TEST(ExpireAt, ServerApiRefreshSetsOrLiftsTheExpiry) {
  Fixture f;
  std::int64_t now_s = f.now_ms / 1000;
  auto refresh = [&](const std::string& body) {
    ApiResponse r = call_api(*f.engine, "refresh", body, false);
    EXPECT_EQ(r.body, R"({"result":{}})");
  };

  Conn a(*f.engine);
  a.connect(f.token("alice", 60));
  refresh(R"({"user":"alice","expire_at":)" + std::to_string(now_s + 300) + "}");
  f.now_ms += (60 + 25) * 1000;
  a.client->on_timer();
  a.send("{}");
  EXPECT_EQ(closed_code(a), 0);  // exp plus grace has passed, expire_at has not
  f.now_ms += (300 - 60) * 1000;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 3005);

  Conn b(*f.engine);
  b.connect(f.token("bob", 60));
  refresh(R"({"user":"bob"})");  // no expire_at: the connection no longer expires
  f.now_ms += 200'000;
  b.client->on_timer();
  EXPECT_EQ(closed_code(b), 0);
  refresh(R"({"user":"bob","expire_at":)" + std::to_string(f.now_ms / 1000) + "}");
  EXPECT_EQ(closed_code(b), 3005);  // already past: closed at once
}

}  // namespace
}  // namespace tandem::realtime
