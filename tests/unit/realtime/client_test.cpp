// Client protocol state machine against a real Engine: every command's happy
// path and every error and disconnect code.
#include "realtime/client.h"

#include <gtest/gtest.h>

#include "harness.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

std::int64_t error_code(const json::value& reply) {
  return reply.at("error").at("code").as_int64();
}

std::uint16_t closed_code(Conn& c) {
  auto closed = c.transport->closed();
  return closed ? closed->code : 0;
}

TEST(Client, ConnectRepliesWithClientPingAndExpiry) {
  Fixture f;
  Conn c(*f.engine);
  auto replies = c.send(R"({"connect":{"token":")" + f.token("alice", 600) + R"(","name":"js"},"id":1})");
  ASSERT_EQ(replies.size(), 1u);
  const auto& r = replies[0].at("connect");
  EXPECT_EQ(replies[0].at("id").as_int64(), 1);
  EXPECT_EQ(r.at("client").as_string().size(), 36u);
  EXPECT_EQ(r.at("ping").as_int64(), 25);
  EXPECT_TRUE(r.at("pong").as_bool());
  EXPECT_TRUE(r.at("expires").as_bool());
  EXPECT_EQ(r.at("ttl").as_int64(), 600);
  EXPECT_TRUE(c.client->connected());
}

TEST(Client, PipelinedConnectAndSubscribesKeepOrder) {
  Fixture f;
  Conn c(*f.engine);
  std::string frame = R"({"connect":{"token":")" + f.token("alice") + R"("},"id":1})" "\n" +
                      R"({"subscribe":{"channel":"doc:w1:d1"},"id":2})" "\n" +
                      R"({"subscribe":{"channel":"workspace:w1"},"id":3})";
  auto replies = c.send(frame);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_TRUE(replies[0].as_object().contains("connect"));
  EXPECT_EQ(replies[1].at("id").as_int64(), 2);
  EXPECT_TRUE(replies[1].as_object().contains("subscribe"));
  EXPECT_EQ(replies[2].at("id").as_int64(), 3);
}

TEST(Client, InvalidTokenClosesWith3500) {
  Fixture f;
  Conn c(*f.engine);
  auto forged = auth::mint_token({.secret = "other", .subject = "alice", .now_unix_s = f.now_ms / 1000});
  c.send(R"({"id":1,"connect":{"token":")" + forged + R"("}})");
  EXPECT_EQ(closed_code(c), 3500);
}

TEST(Client, MissingTokenClosesWith3500) {
  Fixture f;
  Conn c(*f.engine);
  c.send(R"({"id":1,"connect":{}})");
  EXPECT_EQ(closed_code(c), 3500);
}

TEST(Client, ConnectionTokenWithChannelClaimClosesWith3500) {
  Fixture f;
  Conn c(*f.engine);
  c.send(R"({"id":1,"connect":{"token":")" + f.token("alice", 600, R"({"channel":"doc:w1:d1"})") + R"("}})");
  EXPECT_EQ(closed_code(c), 3500);
}

TEST(Client, ExpiredTokenGets109AndIgnoresTheRest) {
  Fixture f;
  std::string expired = f.token("alice", 10);
  f.now_ms += 20'000;
  Conn c(*f.engine);
  auto replies = c.send(R"({"id":1,"connect":{"token":")" + expired + R"("}})" "\n"
                        R"({"id":2,"subscribe":{"channel":"doc:w1:d1"}})");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(error_code(replies[0]), 109);
  EXPECT_FALSE(c.transport->closed().has_value());
}

TEST(Client, CommandBeforeConnectClosesWith3501) {
  Fixture f;
  Conn c(*f.engine);
  c.send(R"({"id":1,"subscribe":{"channel":"doc:w1:d1"}})");
  EXPECT_EQ(closed_code(c), 3501);
}

TEST(Client, SecondConnectClosesWith3501) {
  Fixture f;
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  c.send(R"({"id":2,"connect":{"token":")" + f.token("alice") + R"("}})");
  EXPECT_EQ(closed_code(c), 3501);
}

TEST(Client, MalformedJsonClosesWith3501) {
  Fixture f;
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  c.send("{\"id\":2,");
  EXPECT_EQ(closed_code(c), 3501);
}

TEST(Client, HugeIdClosesWith3501) {
  Fixture f;
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  c.send(R"({"id":99999999999,"presence":{"channel":"doc:w1:d1"}})");
  EXPECT_EQ(closed_code(c), 3501);
}

TEST(Client, EmptyCommandWithIdClosesWith3501) {
  Fixture f;
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  c.send(R"({"id":5})");
  EXPECT_EQ(closed_code(c), 3501);
}

TEST(Client, SubscribeErrors) {
  Fixture f;
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  EXPECT_EQ(error_code(c.send(R"({"id":2,"subscribe":{"channel":"nope:x"}})")[0]), 102);
  EXPECT_EQ(error_code(c.send(R"({"id":3,"subscribe":{"channel":"doc:w2:d"}})")[0]), 103);
  EXPECT_EQ(error_code(c.send(R"({"id":4,"subscribe":{"channel":"user:bob"}})")[0]), 103);
  EXPECT_EQ(error_code(c.send(R"({"id":5,"subscribe":{"channel":"bad channel"}})")[0]), 107);
  ASSERT_TRUE(c.send(R"({"id":6,"subscribe":{"channel":"user:alice"}})")[0].as_object().contains("subscribe"));
  EXPECT_EQ(error_code(c.send(R"({"id":7,"subscribe":{"channel":"user:alice"}})")[0]), 105);
  EXPECT_FALSE(c.transport->closed().has_value());
}

TEST(Client, ChannelLimitGives106) {
  EngineOptions o = default_options();
  o.max_channels_per_connection = 2;
  Fixture f(o);
  Conn c(*f.engine);
  ASSERT_FALSE(c.connect(f.token("alice")).empty());
  c.send(R"({"id":2,"subscribe":{"channel":"doc:w1:a"}})");
  c.send(R"({"id":3,"subscribe":{"channel":"doc:w1:b"}})");
  EXPECT_EQ(error_code(c.send(R"({"id":4,"subscribe":{"channel":"doc:w1:c"}})")[0]), 106);
}

TEST(Client, PublicationsReachSubscribersInOffsetOrder) {
  Fixture f;
  Conn a(*f.engine);
  Conn b(*f.engine);
  a.connect(f.token("alice"));
  b.connect(f.token("bob"));
  auto sub = a.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1","recoverable":true,"positioned":true}})");
  ASSERT_TRUE(sub[0].at("subscribe").at("recoverable").as_bool());
  b.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1"}})");
  for (int i = 1; i <= 3; ++i) {
    auto pos = f.engine->publish("doc:w1:d1", "{\"n\":" + std::to_string(i) + "}");
    ASSERT_TRUE(pos.has_value());
    EXPECT_EQ(pos->offset, static_cast<std::uint64_t>(i));
  }
  for (Conn* c : {&a, &b}) {
    auto pushes = c->received();
    ASSERT_EQ(pushes.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      const auto& pub = pushes[i].at("push").at("pub");
      EXPECT_EQ(pushes[i].at("push").at("channel").as_string(), "doc:w1:d1");
      EXPECT_EQ(pub.at("offset").as_int64(), i + 1);
      EXPECT_EQ(pub.at("data").at("n").as_int64(), i + 1);
    }
  }
}

TEST(Client, ClientPublishRules) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 3600, R"({"info":{"name":"Alice"}})"));
  a.send(R"({"id":2,"subscribe":{"channel":"cursor:w1:d1"}})");
  auto ok = a.send(R"({"id":3,"publish":{"channel":"cursor:w1:d1","data":{"pos":4}}})");
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_TRUE(ok[0].as_object().contains("push"));  // own publication
  EXPECT_EQ(ok[0].at("push").at("pub").at("info").at("conn_info").at("name").as_string(), "Alice");
  EXPECT_TRUE(ok[1].as_object().contains("publish"));
  EXPECT_EQ(error_code(a.send(R"({"id":4,"publish":{"channel":"doc:w1:d1","data":{}}})")[0]), 103);
  EXPECT_EQ(error_code(a.send(R"({"id":5,"publish":{"channel":"cursor:w2:d1","data":{}}})")[0]), 103);
  EXPECT_EQ(error_code(a.send(R"({"id":6,"publish":{"channel":"cursor:w1:d1"}})")[0]), 107);
}

TEST(Client, PresenceStatsAndJoinLeave) {
  Fixture f;
  Conn a(*f.engine);
  Conn b(*f.engine);
  std::string a_id = a.connect(f.token("alice"));
  std::string b_id = b.connect(f.token("bob"));
  a.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1","join_leave":true}})");
  auto own_join = a.received();
  b.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1","join_leave":true}})");
  auto join = a.received();
  ASSERT_EQ(join.size(), 1u);
  EXPECT_EQ(join[0].at("push").at("join").at("info").at("client").as_string(), b_id);

  auto presence = a.send(R"({"id":3,"presence":{"channel":"doc:w1:d1"}})");
  const auto& map = presence[0].at("presence").at("presence").as_object();
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.at(b_id).at("user").as_string(), "bob");

  auto stats = a.send(R"({"id":4,"presence_stats":{"channel":"doc:w1:d1"}})");
  EXPECT_EQ(stats[0].at("presence_stats").at("num_clients").as_int64(), 2);
  EXPECT_EQ(stats[0].at("presence_stats").at("num_users").as_int64(), 2);

  b.send(R"({"id":3,"unsubscribe":{"channel":"doc:w1:d1"}})");
  auto leave = a.received();
  ASSERT_EQ(leave.size(), 1u);
  EXPECT_EQ(leave[0].at("push").at("leave").at("info").at("user").as_string(), "bob");

  EXPECT_EQ(error_code(a.send(R"({"id":5,"presence":{"channel":"cursor:w1:d1"}})")[0]), 108);
  EXPECT_EQ(error_code(a.send(R"({"id":6,"presence":{"channel":"doc:w2:d1"}})")[0]), 103);
}

TEST(Client, HistoryLimitsEpochAndErrors) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.engine->publish("workspace:w1", "{}").has_value());

  auto top = a.send(R"({"id":2,"history":{"channel":"workspace:w1"}})");
  EXPECT_EQ(top[0].at("history").at("offset").as_int64(), 5);
  EXPECT_FALSE(top[0].at("history").as_object().contains("publications"));
  std::string epoch(top[0].at("history").at("epoch").as_string());

  auto all = a.send(R"({"id":3,"history":{"channel":"workspace:w1","limit":-1}})");
  EXPECT_EQ(all[0].at("history").at("publications").as_array().size(), 5u);

  auto since = a.send(R"({"id":4,"history":{"channel":"workspace:w1","limit":10,"since":{"offset":3,"epoch":")" +
                      epoch + R"("}}})");
  EXPECT_EQ(since[0].at("history").at("publications").as_array().size(), 2u);

  EXPECT_EQ(error_code(a.send(R"({"id":5,"history":{"channel":"workspace:w1","limit":1,"since":{"offset":1,"epoch":"zzz"}}})")[0]), 112);
  EXPECT_EQ(error_code(a.send(R"({"id":6,"history":{"channel":"cursor:w1:d"}})")[0]), 108);
  EXPECT_EQ(error_code(a.send(R"({"id":7,"history":{"channel":"workspace:w2"}})")[0]), 103);
  EXPECT_EQ(error_code(a.send(R"({"id":8,"history":{"channel":"workspace:w1","limit":-5}})")[0]), 107);
  EXPECT_EQ(error_code(a.send(R"({"id":9,"history":{"channel":"workspace:w1","reverse":true,"since":{"offset":0}}})")[0]), 107);
}

TEST(Client, RecoveryDeliversMissedPublications) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto sub = a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","recoverable":true}})");
  std::string epoch(sub[0].at("subscribe").at("epoch").as_string());
  ASSERT_TRUE(f.engine->publish("workspace:w1", R"({"n":1})").has_value());
  a.received();
  a.send(R"({"id":3,"unsubscribe":{"channel":"workspace:w1"}})");
  ASSERT_TRUE(f.engine->publish("workspace:w1", R"({"n":2})").has_value());
  ASSERT_TRUE(f.engine->publish("workspace:w1", R"({"n":3})").has_value());

  auto re = a.send(R"({"id":4,"subscribe":{"channel":"workspace:w1","recover":true,"offset":1,"epoch":")" + epoch +
                   R"("}})");
  ASSERT_EQ(re.size(), 1u);
  const auto& r = re[0].at("subscribe");
  EXPECT_TRUE(r.at("recovered").as_bool());
  EXPECT_TRUE(r.at("was_recovering").as_bool());
  EXPECT_EQ(r.at("offset").as_int64(), 1);  // the client's own offset
  ASSERT_EQ(r.at("publications").as_array().size(), 2u);
  EXPECT_EQ(r.at("publications").as_array()[0].at("offset").as_int64(), 2);
  EXPECT_EQ(r.at("publications").as_array()[1].at("data").at("n").as_int64(), 3);
}

TEST(Client, RecoveryFailsOnOtherEpochOrTrimmedHistory) {
  EngineOptions o = default_options();
  o.namespaces["workspace"].history_size = 2;
  Fixture f(o);
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.engine->publish("workspace:w1", "{}").has_value());

  auto wrong_epoch = a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","recover":true,"offset":5,"epoch":"old"}})");
  const auto& r1 = wrong_epoch[0].at("subscribe");
  EXPECT_FALSE(r1.as_object().contains("recovered"));
  EXPECT_TRUE(r1.at("was_recovering").as_bool());
  EXPECT_EQ(r1.at("offset").as_int64(), 5);  // the current top
  a.send(R"({"id":3,"unsubscribe":{"channel":"workspace:w1"}})");

  auto trimmed = a.send(R"({"id":4,"subscribe":{"channel":"workspace:w1","recover":true,"offset":1}})");
  const auto& r2 = trimmed[0].at("subscribe");
  EXPECT_FALSE(r2.as_object().contains("recovered"));
  EXPECT_FALSE(r2.as_object().contains("publications"));
  EXPECT_EQ(r2.at("offset").as_int64(), 5);
}

TEST(Client, SubscribeReplyPrecedesLivePublications) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  // The transport delays deliveries during subscribe, so a publication made by the
  // history source's append path while subscribing lands after the reply.
  a.transport->hold();
  ASSERT_TRUE(f.engine->publish("workspace:w1", "{}").has_value());
  a.transport->release();
  auto replies = a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(f.engine->publish("workspace:w1", "{}").has_value());
  auto pushes = a.received();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].at("push").at("pub").at("offset").as_int64(), 2);
}

TEST(Client, RpcDispatchesAndUnknownGives104) {
  Fixture f;
  f.engine->rpc().add("echo", [](RpcCall call, RpcDone done) { done("{\"user\":\"" + call.user + "\",\"in\":" + call.data + "}"); });
  f.engine->rpc().add("deny", [](RpcCall, RpcDone done) { done(std::unexpected(errors::permission_denied())); });
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto ok = a.send(R"({"id":2,"rpc":{"method":"echo","data":{"x":1}}})");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].at("rpc").at("data").at("user").as_string(), "alice");
  EXPECT_EQ(ok[0].at("rpc").at("data").at("in").at("x").as_int64(), 1);
  EXPECT_EQ(error_code(a.send(R"({"id":3,"rpc":{"method":"deny"}})")[0]), 103);
  EXPECT_EQ(error_code(a.send(R"({"id":4,"rpc":{"method":"nope"}})")[0]), 104);
}

TEST(Client, RateLimitGives111) {
  EngineOptions o = default_options();
  o.command_burst = 3;
  o.command_rate_per_s = 1;
  Fixture f(o);
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"presence_stats":{"channel":"doc:w1:d"}})");
  a.send(R"({"id":3,"presence_stats":{"channel":"doc:w1:d"}})");
  auto limited = a.send(R"({"id":4,"presence_stats":{"channel":"doc:w1:d"}})");
  EXPECT_EQ(error_code(limited[0]), 111);
  EXPECT_TRUE(limited[0].at("error").at("temporary").as_bool());
  f.now_ms += 1000;
  EXPECT_TRUE(a.send(R"({"id":5,"presence_stats":{"channel":"doc:w1:d"}})")[0].as_object().contains("presence_stats"));
}

TEST(Client, PingPongAndNoPong3012) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto deadline = a.client->next_deadline();
  ASSERT_TRUE(deadline.has_value());
  EXPECT_GE(*deadline, f.now_ms + 12'500);
  EXPECT_LE(*deadline, f.now_ms + 25'000);

  f.now_ms = *deadline;
  a.client->on_timer();
  auto ping = a.transport->take();
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0], "{}");
  a.send("{}");  // pong
  f.now_ms += 8'000;
  a.client->on_timer();
  EXPECT_FALSE(a.transport->closed().has_value());

  f.now_ms = *a.client->next_deadline();
  a.client->on_timer();  // second ping, with no pong
  f.now_ms += 8'000;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 3012);
}

TEST(Client, StaleConnectionClosesWith3502) {
  Fixture f;
  Conn a(*f.engine);
  f.now_ms += 9'999;
  a.client->on_timer();
  EXPECT_FALSE(a.transport->closed().has_value());
  f.now_ms += 1;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 3502);
}

TEST(Client, ExpiredConnectionClosesWith3005UnlessRefreshed) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 60));
  f.now_ms += 50'000;
  auto refreshed = a.send(R"({"id":2,"refresh":{"token":")" + f.token("alice", 120) + R"("}})");
  EXPECT_EQ(refreshed[0].at("refresh").at("ttl").as_int64(), 120);
  f.now_ms += 60'000 + 25'000;
  a.client->on_timer();
  EXPECT_FALSE(a.transport->closed().has_value());
  a.send("{}");  // pong for the ping sent meanwhile
  f.now_ms += 60'000;
  a.client->on_timer();
  EXPECT_EQ(closed_code(a), 3005);
}

TEST(Client, RefreshErrors) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 60));
  a.send(R"({"id":2,"refresh":{"token":")" + f.token("bob") + R"("}})");
  EXPECT_EQ(closed_code(a), 3500);

  Conn b(*f.engine);
  b.connect(f.token("alice", 60));
  std::string old = f.token("alice", 1);
  f.now_ms += 5000;
  b.send(R"({"id":2,"refresh":{"token":")" + old + R"("}})");
  EXPECT_EQ(closed_code(b), 3005);
}

TEST(Client, SubscriptionTokensAndSubRefresh) {
  EngineOptions o = default_options();
  NamespaceOptions priv;
  priv.subscribe = SubscribeRule::token;
  o.namespaces["private"] = priv;
  Fixture f(o);
  Conn a(*f.engine);
  a.connect(f.token("alice"));

  EXPECT_EQ(error_code(a.send(R"({"id":2,"subscribe":{"channel":"private:x"}})")[0]), 103);
  std::string expired = f.token("", 1, R"({"channel":"private:x"})");
  f.now_ms += 5000;
  EXPECT_EQ(error_code(a.send(R"({"id":3,"subscribe":{"channel":"private:x","token":")" + expired + R"("}})")[0]), 109);

  std::string sub_token = f.token("", 30, R"({"channel":"private:x","info":{"role":"r"}})");
  auto ok = a.send(R"({"id":4,"subscribe":{"channel":"private:x","token":")" + sub_token + R"("}})");
  ASSERT_TRUE(ok[0].as_object().contains("subscribe")) << json::serialize(ok[0]);
  EXPECT_EQ(ok[0].at("subscribe").at("ttl").as_int64(), 30);

  auto refreshed = a.send(R"({"id":5,"sub_refresh":{"channel":"private:x","token":")" +
                          f.token("", 90, R"({"channel":"private:x"})") + R"("}})");
  EXPECT_EQ(refreshed[0].at("sub_refresh").at("ttl").as_int64(), 90);

  // Not refreshed again: after expiry plus grace the SDK gets unsubscribe 2501.
  f.now_ms += (90 + 25) * 1000;
  a.client->on_timer();
  std::vector<json::value> pushes;
  for (auto& m : a.received()) {
    if (m.as_object().contains("push")) pushes.push_back(m);  // skip pings
  }
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].at("push").at("unsubscribe").at("code").as_int64(), 2501);
  EXPECT_EQ(a.client->subscription_count(), 0u);

  // A token for another channel is an attack or a bug: 3500.
  a.send(R"({"id":6,"subscribe":{"channel":"private:y","token":")" + f.token("", 30, R"({"channel":"private:x"})") +
         R"("}})");
  EXPECT_EQ(closed_code(a), 3500);
}

TEST(Client, SubscriptionTokenDataAndBase64Info) {
  EngineOptions o = default_options();
  NamespaceOptions priv;
  priv.subscribe = SubscribeRule::token;
  priv.presence = true;
  o.namespaces["private"] = priv;
  Fixture f(o);
  Conn a(*f.engine);
  std::string id = a.connect(f.token("alice"));

  // b64info is the base64 of {"role":"guest"}; data comes back in the result.
  std::string sub_token =
      f.token("", 60, R"({"channel":"private:x","b64info":"eyJyb2xlIjoiZ3Vlc3QifQ==","data":{"motd":"hi"}})");
  auto ok = a.send(R"({"id":2,"subscribe":{"channel":"private:x","token":")" + sub_token + R"("}})");
  ASSERT_TRUE(ok[0].as_object().contains("subscribe")) << json::serialize(ok[0]);
  EXPECT_EQ(ok[0].at("subscribe").at("data").at("motd").as_string(), "hi");
  auto presence = a.send(R"({"id":3,"presence":{"channel":"private:x"}})");
  EXPECT_EQ(presence[0].at("presence").at("presence").at(id).at("chan_info").at("role").as_string(), "guest");

  // b64data that is not JSON makes the token invalid: 103.
  std::string bad = f.token("", 60, R"({"channel":"private:y","b64data":"aGVsbG8="})");
  EXPECT_EQ(error_code(a.send(R"({"id":4,"subscribe":{"channel":"private:y","token":")" + bad + R"("}})")[0]), 103);
}

TEST(Client, SubRefreshWithoutChannelClosesWith3501) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"sub_refresh":{"token":"x"}})");
  EXPECT_EQ(closed_code(a), 3501);
}

TEST(Client, SubscriptionTokenNeverWidensMembership) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 3600, R"({"channels":["doc:w2:*"]})"));
  std::string sub_token = f.token("", 30, R"({"channel":"doc:w2:d"})");
  EXPECT_EQ(error_code(a.send(R"({"id":2,"subscribe":{"channel":"doc:w2:d","token":")" + sub_token + R"("}})")[0]), 103);
}

TEST(Client, TokenChannelsBecomeServerSideSubscriptions) {
  Fixture f;
  Conn a(*f.engine);
  auto replies = a.send(R"({"id":1,"connect":{"token":")" +
                        f.token("alice", 3600, R"({"channels":["user:alice","workspace:w2","doc:w1:*"]})") + R"("}})");
  ASSERT_EQ(replies.size(), 1u);
  const auto& subs = replies[0].at("connect").at("subs").as_object();
  EXPECT_TRUE(subs.contains("user:alice"));
  EXPECT_FALSE(subs.contains("workspace:w2"));  // not a member: skipped
  EXPECT_EQ(subs.size(), 1u);
  ASSERT_TRUE(f.engine->publish("user:alice", R"({"note":1})").has_value());
  auto pushes = a.received();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].at("push").at("channel").as_string(), "user:alice");
}

TEST(Client, TokenSubsClaimOverridesChannels) {
  Fixture f;
  Conn a(*f.engine);
  std::string claims = R"({"channels":["user:alice"],)"
                       R"("subs":{"workspace:w1":{"info":{"role":"viewer"},"data":{"motd":"hi"}},"doc:w1:*":{}}})";
  auto replies = a.send(R"({"id":1,"connect":{"token":")" + f.token("alice", 3600, claims) + R"("}})");
  const auto& subs = replies[0].at("connect").at("subs").as_object();
  ASSERT_EQ(subs.size(), 1u) << json::serialize(replies[0]);  // `channels` is ignored
  EXPECT_EQ(subs.at("workspace:w1").at("data").at("motd").as_string(), "hi");
  std::string id(replies[0].at("connect").at("client").as_string());
  auto presence = a.send(R"({"id":2,"presence":{"channel":"workspace:w1"}})");
  EXPECT_EQ(presence[0].at("presence").at("presence").at(id).at("chan_info").at("role").as_string(), "viewer");

  Conn b(*f.engine);
  b.send(R"({"id":1,"connect":{"token":")" + f.token("bob", 3600, R"({"subs":{"nope:x":{}}})") + R"("}})");
  EXPECT_FALSE(b.client->connected());
}

TEST(Client, UnknownTokenChannelFailsConnectWith102) {
  Fixture f;
  Conn a(*f.engine);
  auto replies = a.send(R"({"id":1,"connect":{"token":")" + f.token("alice", 3600, R"({"channels":["nope:x"]})") + R"("}})");
  EXPECT_EQ(error_code(replies[0]), 102);
}

TEST(Client, SendWithoutHandlerClosesWith3508) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"send":{"data":{"x":1}}})");
  EXPECT_EQ(closed_code(a), 3508);
}

TEST(Client, SendReachesMessageHandler) {
  Fixture f;
  std::string got;
  f.engine->set_message_handler([&got](const RpcCall& call) { got = call.user + call.data; });
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto replies = a.send(R"({"send":{"data":{"x":1}}})");
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(got, R"(alice{"x":1})");
}

TEST(Client, PingCommandGets108) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  EXPECT_EQ(error_code(a.send(R"({"id":2,"ping":{}})")[0]), 108);
}

TEST(Client, HistoryReverseNewestFirst) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  for (int n = 1; n <= 4; ++n) {
    ASSERT_TRUE(f.engine->publish("workspace:w1", R"({"n":)" + std::to_string(n) + "}").has_value());
  }
  auto newest = a.send(R"({"id":2,"history":{"channel":"workspace:w1","limit":2,"reverse":true}})");
  const auto& pubs = newest[0].at("history").at("publications").as_array();
  ASSERT_EQ(pubs.size(), 2u);
  EXPECT_EQ(pubs[0].at("offset").as_int64(), 4);
  EXPECT_EQ(pubs[1].at("offset").as_int64(), 3);
  EXPECT_EQ(pubs[1].at("data").at("n").as_int64(), 3);
  EXPECT_EQ(newest[0].at("history").at("offset").as_int64(), 4);
}

TEST(Client, TokenPatternOpensMatchingTokenChannels) {
  EngineOptions o = default_options();
  NamespaceOptions priv;
  priv.subscribe = SubscribeRule::token;
  priv.presence = true;
  o.namespaces["private"] = priv;
  Fixture f(o);
  Conn a(*f.engine);
  auto connected = a.send(R"({"id":1,"connect":{"token":")" +
                          f.token("alice", 3600, R"({"channels":["private:room-*"]})") + R"("}})");
  // A pattern is a permission, not a server-side subscription.
  EXPECT_FALSE(connected[0].at("connect").as_object().contains("subs"));

  auto ok = a.send(R"({"id":2,"subscribe":{"channel":"private:room-7"}})");
  EXPECT_TRUE(ok[0].as_object().contains("subscribe")) << json::serialize(ok[0]);
  auto presence = a.send(R"({"id":3,"presence_stats":{"channel":"private:room-8"}})");
  EXPECT_TRUE(presence[0].as_object().contains("presence_stats")) << json::serialize(presence[0]);
  EXPECT_EQ(error_code(a.send(R"({"id":4,"subscribe":{"channel":"private:hall"}})")[0]), 103);
  EXPECT_EQ(error_code(a.send(R"({"id":5,"presence":{"channel":"private:hall"}})")[0]), 103);
}

TEST(Client, CloseLeavesChannelsAndPresence) {
  Fixture f;
  auto a = std::make_unique<Conn>(*f.engine);
  a->connect(f.token("alice"));
  a->send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1"}})");
  EXPECT_EQ(f.engine->presence_stats("doc:w1:d1").num_clients, 1u);
  EXPECT_EQ(f.engine->stats().num_clients, 1u);
  a.reset();
  EXPECT_EQ(f.engine->presence_stats("doc:w1:d1").num_clients, 0u);
  EXPECT_EQ(f.engine->stats().num_clients, 0u);
  EXPECT_TRUE(f.engine->channels("").empty());
}

}  // namespace
}  // namespace tandem::realtime
