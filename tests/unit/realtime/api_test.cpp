// Server API methods on a real Engine, with shapes as Centrifugo v5 returns.
#include "realtime/api.h"

#include <gtest/gtest.h>

#include "harness.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

json::value call(Engine& e, std::string_view method, std::string_view body, unsigned expect_status = 200) {
  ApiResponse r = call_api(e, method, body, false);
  EXPECT_EQ(r.status, expect_status) << r.body;
  return r.content_type == "application/json" ? json::parse(r.body) : json::value(r.body);
}

TEST(ServerApi, PublishDeliversAndReturnsPosition) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  auto r = call(*f.engine, "publish", R"({"channel":"workspace:w1","data":{"x":1},"tags":{"k":"v"}})");
  EXPECT_EQ(r.at("result").at("offset").as_int64(), 1);
  EXPECT_EQ(r.at("result").at("epoch").as_string().size(), 8u);
  auto pushes = a.received();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].at("push").at("pub").at("tags").at("k").as_string(), "v");
}

TEST(ServerApi, ErrorsAsResultsOrTransportStatus) {
  Fixture f;
  EXPECT_EQ(call(*f.engine, "publish", R"({"channel":"nope:x","data":{}})").at("error").at("code").as_int64(), 102);
  EXPECT_EQ(call(*f.engine, "publish", R"({"channel":"workspace:w1"})").at("error").at("code").as_int64(), 107);
  EXPECT_EQ(call(*f.engine, "presence", R"({"channel":"cursor:w1:d"})").at("error").at("code").as_int64(), 108);

  ApiResponse t = call_api(*f.engine, "publish", R"({"channel":"nope:x","data":{}})", true);
  EXPECT_EQ(t.status, 404u);
  EXPECT_EQ(json::parse(t.body).at("code").as_int64(), 102);
  ApiResponse t2 = call_api(*f.engine, "publish", R"({"channel":"workspace:w1"})", true);
  EXPECT_EQ(t2.status, 400u);

  EXPECT_EQ(call_api(*f.engine, "publish", "{not json", false).status, 400u);
  EXPECT_EQ(call_api(*f.engine, "nosuch", "{}", false).status, 404u);
}

TEST(ServerApi, BroadcastAndBatch) {
  Fixture f;
  auto b = call(*f.engine, "broadcast", R"({"channels":["workspace:w1","nope:x"],"data":{"y":2}})");
  const auto& responses = b.at("result").at("responses").as_array();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].at("result").at("offset").as_int64(), 1);
  EXPECT_EQ(responses[1].at("error").at("code").as_int64(), 102);

  auto batch = call(*f.engine, "batch",
                    R"({"commands":[{"publish":{"channel":"workspace:w1","data":{}}},{"history":{"channel":"workspace:w1","limit":-1}},{"bogus":{}}]})");
  const auto& replies = batch.at("result").at("replies").as_array();
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].at("publish").at("offset").as_int64(), 2);
  EXPECT_EQ(replies[1].at("history").at("publications").as_array().size(), 2u);
  EXPECT_EQ(replies[2].at("error").at("code").as_int64(), 104);
}

TEST(ServerApi, PresenceHistoryAndChannels) {
  Fixture f;
  Conn a(*f.engine);
  std::string id = a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1"}})");
  auto p = call(*f.engine, "presence", R"({"channel":"doc:w1:d1"})");
  EXPECT_EQ(p.at("result").at("presence").at(id).at("user").as_string(), "alice");
  auto s = call(*f.engine, "presence_stats", R"({"channel":"doc:w1:d1"})");
  EXPECT_EQ(s.at("result").at("num_users").as_int64(), 1);
  auto c = call(*f.engine, "channels", R"({"pattern":"doc:*"})");
  EXPECT_EQ(c.at("result").at("channels").at("doc:w1:d1").at("num_clients").as_int64(), 1);

  call(*f.engine, "publish", R"({"channel":"doc:w1:d1","data":{"a":1}})");
  auto h = call(*f.engine, "history", R"({"channel":"doc:w1:d1","limit":10})");
  EXPECT_EQ(h.at("result").at("publications").as_array().size(), 1u);
  EXPECT_EQ(call(*f.engine, "history", R"({"channel":"doc:w1:d1","limit":1,"since":{"offset":0,"epoch":"x"}})")
                .at("error").at("code").as_int64(),
            112);
  call(*f.engine, "history_remove", R"({"channel":"doc:w1:d1"})");
  auto after = call(*f.engine, "history", R"({"channel":"doc:w1:d1","limit":10})");
  EXPECT_TRUE(after.at("result").at("publications").as_array().empty());
  EXPECT_EQ(after.at("result").at("offset").as_int64(), 1);

  auto info = call(*f.engine, "info", "{}");
  EXPECT_EQ(info.at("result").at("nodes").as_array()[0].at("num_clients").as_int64(), 1);
}

TEST(ServerApi, SubscribeUnsubscribeDisconnectUser) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  call(*f.engine, "subscribe", R"({"user":"alice","channel":"workspace:w1"})");
  auto pushed = a.received();
  ASSERT_EQ(pushed.size(), 2u);  // the subscribe push, then the own join
  EXPECT_TRUE(pushed[0].at("push").as_object().contains("subscribe"));
  EXPECT_TRUE(pushed[1].at("push").as_object().contains("join"));
  EXPECT_EQ(a.client->subscription_count(), 1u);

  call(*f.engine, "unsubscribe", R"({"user":"alice","channel":"workspace:w1"})");
  auto unsub = a.received();
  ASSERT_EQ(unsub.size(), 1u);
  EXPECT_EQ(unsub[0].at("push").at("unsubscribe").at("code").as_int64(), 2000);

  EXPECT_EQ(call(*f.engine, "subscribe", R"({"channel":"workspace:w1"})").at("error").at("code").as_int64(), 107);
  call(*f.engine, "disconnect", R"({"user":"alice","disconnect":{"code":4000,"reason":"bye"}})");
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 4000);
  EXPECT_EQ(a.transport->closed()->reason, "bye");
}

TEST(ServerApi, SubscribeWithInfoDataAndExpiry) {
  Fixture f;
  Conn a(*f.engine);
  std::string id = a.connect(f.token("alice"));
  std::string expire_at = std::to_string(f.now_ms / 1000 + 60);
  // b64info is the base64 of {"role":"guest"}.
  call(*f.engine, "subscribe",
       R"({"user":"alice","channel":"workspace:w1","b64info":"eyJyb2xlIjoiZ3Vlc3QifQ==","data":{"welcome":1},)"
       R"("expire_at":)" + expire_at + "}");
  auto pushed = a.received();
  ASSERT_FALSE(pushed.empty());
  const auto& result = pushed[0].at("push").at("subscribe");
  EXPECT_EQ(result.at("data").at("welcome").as_int64(), 1);
  EXPECT_EQ(result.at("ttl").as_int64(), 60);
  auto p = call(*f.engine, "presence", R"({"channel":"workspace:w1"})");
  EXPECT_EQ(p.at("result").at("presence").at(id).at("chan_info").at("role").as_string(), "guest");

  // A server-side subscription that expires closes the connection with 3006.
  f.now_ms += (60 + 25) * 1000;
  a.client->on_timer();
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3006);
}

TEST(ServerApi, SubscribeRejectsBadInfoAndPastExpiry) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  std::string past = std::to_string(f.now_ms / 1000 - 1);
  auto expired = call(*f.engine, "subscribe", R"({"user":"alice","channel":"workspace:w1","expire_at":)" + past + "}");
  EXPECT_EQ(expired.at("error").at("code").as_int64(), 107);
  auto bad_info = call(*f.engine, "subscribe", R"({"user":"alice","channel":"workspace:w1","b64info":"aGVsbG8="})");
  EXPECT_EQ(bad_info.at("error").at("code").as_int64(), 107);
  EXPECT_EQ(a.client->subscription_count(), 0u);
}

TEST(ServerApi, RefreshInfoUpdatesPresence) {
  Fixture f;
  Conn a(*f.engine);
  std::string id = a.connect(f.token("alice", 3600, R"({"info":{"name":"Al"}})"));
  a.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1"}})");
  call(*f.engine, "refresh", R"({"user":"alice","info":{"name":"Alice"}})");
  auto p = call(*f.engine, "presence", R"({"channel":"doc:w1:d1"})");
  EXPECT_EQ(p.at("result").at("presence").at(id).at("conn_info").at("name").as_string(), "Alice");
  EXPECT_EQ(f.engine->presence_stats("doc:w1:d1").num_clients, 1u);
  EXPECT_TRUE(a.client->connected());
}

TEST(ServerApi, RefreshExpiredDisconnects) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  call(*f.engine, "refresh", R"({"user":"alice","expired":true})");
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3005);
}

}  // namespace
}  // namespace tandem::realtime
