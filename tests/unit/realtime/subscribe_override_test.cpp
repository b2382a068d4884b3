// Centrifugo's `override` of a subscription: parsing, the server API
// `subscribe`, connection-token `subs` entries and subscription tokens.
#include "realtime/subscribe_override.h"

#include <gtest/gtest.h>

#include "harness.h"
#include "realtime/api.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

json::value call(Engine& e, std::string_view method, const std::string& body) {
  ApiResponse r = call_api(e, method, body, false);
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body);
}

bool has_push(const std::vector<json::value>& messages, std::string_view kind) {
  for (const auto& m : messages) {
    if (m.as_object().contains("push") && m.at("push").as_object().contains(kind)) return true;
  }
  return false;
}

// Bob subscribed to workspace:w1 with join and leave pushes (his own join
// already read), and alice connected but not subscribed.
struct WatchedChannel {
  Fixture f;
  Conn watcher{*f.engine};
  Conn alice{*f.engine};

  WatchedChannel() {
    watcher.connect(f.token("bob"));
    watcher.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","join_leave":true}})");
    alice.connect(f.token("alice"));
  }
};

TEST(SubscribeOverride, ParsesEachField) {
  auto changes = parse_subscribe_override(
      R"({"presence":{"value":false},"join_leave":{"value":true},"force_push_join_leave":{"value":true},)"
      R"("force_recovery":{"value":false},"force_positioning":{"value":true},"unknown":{"value":1}})");
  ASSERT_TRUE(changes.has_value()) << changes.error();
  EXPECT_EQ(changes->presence, false);
  EXPECT_EQ(changes->join_leave, true);
  EXPECT_EQ(changes->force_push_join_leave, true);
  EXPECT_EQ(changes->force_recovery, false);
  EXPECT_EQ(changes->force_positioning, true);

  auto empty = parse_subscribe_override("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->presence.has_value());
}

TEST(SubscribeOverride, RejectsWrongShapes) {
  auto bare = parse_subscribe_override(R"({"presence":true})");
  ASSERT_FALSE(bare.has_value());
  EXPECT_NE(bare.error().find("override.presence"), std::string::npos) << bare.error();

  auto not_bool = parse_subscribe_override(R"({"force_recovery":{"value":"yes"}})");
  ASSERT_FALSE(not_bool.has_value());
  EXPECT_NE(not_bool.error().find("override.force_recovery"), std::string::npos) << not_bool.error();

  EXPECT_FALSE(parse_subscribe_override("[1]").has_value());
}

TEST(SubscribeOverride, ApiSubscribeWithoutPresenceOrRecovery) {
  WatchedChannel w;
  Fixture& f = w.f;
  Conn& watcher = w.watcher;
  Conn& a = w.alice;

  call(*f.engine, "subscribe",
       R"({"user":"alice","channel":"workspace:w1","override":{"presence":{"value":false},)"
       R"("force_recovery":{"value":false}}})");

  auto pushed = a.received();
  ASSERT_FALSE(pushed.empty());
  const auto& result = pushed[0].at("push").at("subscribe").as_object();
  EXPECT_FALSE(result.contains("recoverable"));
  EXPECT_FALSE(result.contains("positioned"));
  EXPECT_EQ(f.engine->presence_stats("workspace:w1").num_clients, 1u);  // bob only
  EXPECT_FALSE(has_push(watcher.received(), "join"));
}

TEST(SubscribeOverride, ApiSubscribeSilentJoinLeaveAndPositioning) {
  WatchedChannel w;
  Fixture& f = w.f;
  Conn& watcher = w.watcher;
  Conn& a = w.alice;

  call(*f.engine, "subscribe",
       R"({"user":"alice","channel":"workspace:w1","override":{"join_leave":{"value":false},)"
       R"("force_recovery":{"value":false},"force_positioning":{"value":true}}})");

  auto pushed = a.received();
  ASSERT_FALSE(pushed.empty());
  const auto& result = pushed[0].at("push").at("subscribe").as_object();
  EXPECT_FALSE(result.contains("recoverable"));
  EXPECT_TRUE(result.at("positioned").as_bool());
  EXPECT_EQ(f.engine->presence_stats("workspace:w1").num_clients, 2u);
  EXPECT_FALSE(has_push(watcher.received(), "join"));

  call(*f.engine, "unsubscribe", R"({"user":"alice","channel":"workspace:w1"})");
  EXPECT_EQ(f.engine->presence_stats("workspace:w1").num_clients, 1u);
  EXPECT_FALSE(has_push(watcher.received(), "leave"));
}

TEST(SubscribeOverride, ApiSubscribeRejectsBadOverride) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto reply = call(*f.engine, "subscribe",
                    R"({"user":"alice","channel":"workspace:w1","override":{"presence":"no"}})");
  EXPECT_EQ(reply.at("error").at("code").as_int64(), 107);
  EXPECT_NE(reply.at("error").at("message").as_string().find("override.presence"), json::string::npos);
  EXPECT_EQ(a.client->subscription_count(), 0u);
}

TEST(SubscribeOverride, TokenSubsEntryLeavesPresence) {
  Fixture f;
  Conn a(*f.engine);
  std::string id =
      a.connect(f.token("alice", 3600, R"({"subs":{"workspace:w1":{"override":{"presence":{"value":false}}}}})"));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(a.client->subscription_count(), 1u);
  EXPECT_EQ(f.engine->presence_stats("workspace:w1").num_clients, 0u);
}

TEST(SubscribeOverride, SubscriptionTokenForcesJoinLeavePushes) {
  Fixture f;
  Conn forced(*f.engine);
  forced.connect(f.token("alice"));
  std::string token =
      f.token("alice", 3600, R"({"channel":"workspace:w1","override":{"force_push_join_leave":{"value":true}}})");
  forced.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","token":")" + token + R"("}})");
  Conn plain(*f.engine);
  plain.connect(f.token("alice"));
  plain.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  forced.received();

  Conn b(*f.engine);
  b.connect(f.token("bob"));
  b.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  EXPECT_TRUE(has_push(forced.received(), "join"));
  EXPECT_FALSE(has_push(plain.received(), "join"));
}

TEST(SubscribeOverride, TokenWithBadOverrideIsInvalid) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 3600, R"({"subs":{"workspace:w1":{"override":{"presence":1}}}})"));
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3500);

  Conn b(*f.engine);
  b.connect(f.token("bob", 3600, R"({"subs":{"workspace:w1":{"override":[]}}})"));
  ASSERT_TRUE(b.transport->closed().has_value());
  EXPECT_EQ(b.transport->closed()->code, 3500);
}

TEST(SubscribeOverride, SubscriptionTokenAppliesAndChecksOverride) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  std::string good = f.token("alice", 3600, R"({"channel":"workspace:w1","override":{"presence":{"value":false}}})");
  auto replies = a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","token":")" + good + R"("}})");
  ASSERT_FALSE(replies.empty());
  EXPECT_TRUE(replies[0].as_object().contains("subscribe"));
  EXPECT_EQ(f.engine->presence_stats("workspace:w1").num_clients, 0u);

  Conn b(*f.engine);
  b.connect(f.token("bob"));
  std::string bad = f.token("bob", 3600, R"({"channel":"workspace:w1","override":{"presence":{"value":3}}})");
  auto denied = b.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","token":")" + bad + R"("}})");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied[0].at("error").at("code").as_int64(), 103);
  EXPECT_EQ(b.client->subscription_count(), 0u);
}

}  // namespace
}  // namespace tandem::realtime
