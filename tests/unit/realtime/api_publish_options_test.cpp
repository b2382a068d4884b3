// Server API additions of Centrifugo v5: `b64data`, `idempotency_key` and
// `delta` on publish and broadcast, the `rpc` method and the legacy single
// endpoint `POST /api`.
#include <gtest/gtest.h>

#include "harness.h"
#include "realtime/api.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

json::value call(Engine& e, std::string_view method, std::string_view body) {
  ApiResponse r = call_api(e, method, body, false);
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body);
}

std::int64_t api_error(const json::value& v) { return v.at("error").at("code").as_int64(); }

// The stream top of `channel` (0, which the result leaves out, when empty).
std::int64_t top_offset(Engine& e, std::string_view channel) {
  auto h = call(e, "history", R"({"channel":")" + std::string(channel) + R"("})");
  const json::value* offset = h.at("result").as_object().if_contains("offset");
  return offset == nullptr ? 0 : offset->as_int64();
}

// Publications pushed to `c` since the last call, as parsed `pub` objects.
std::vector<json::value> pubs(Conn& c) {
  std::vector<json::value> out;
  for (auto& m : c.received()) {
    if (m.as_object().contains("push") && m.at("push").as_object().contains("pub")) {
      out.push_back(m.at("push").at("pub"));
    }
  }
  return out;
}

TEST(ApiPublishOptions, B64DataCarriesJson) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  // b64data wins over data; this base64 text uses both '+' and '/'.
  auto r = call(*f.engine, "publish",
                R"({"channel":"workspace:w1","b64data":"eyJrIjoifn5+Pz8/Pj4+In0=","data":{"ignored":1}})");
  EXPECT_EQ(r.at("result").at("offset").as_int64(), 1);
  auto got = pubs(a);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("data").at("k").as_string(), R"(~~~???>>>)");

  auto b = call(*f.engine, "broadcast", R"({"channels":["workspace:w1"],"b64data":"eyJ5IjoyfQ=="})");
  EXPECT_EQ(b.at("result").at("responses").as_array()[0].at("result").at("offset").as_int64(), 2);
  got = pubs(a);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("data").at("y").as_int64(), 2);
}

TEST(ApiPublishOptions, B64DataErrors) {
  Fixture f;
  auto not_base64 = call(*f.engine, "publish", R"({"channel":"workspace:w1","b64data":"%%%"})");
  EXPECT_EQ(api_error(call(*f.engine, "publish", R"({"channel":"workspace:w1","b64data":"eyJrIjoifn5-Pz8_Pj4-In0"})")),
            107);  // base64url is not accepted
  EXPECT_EQ(api_error(not_base64), 107);
  EXPECT_NE(std::string(not_base64.at("error").at("message").as_string()).find("base64"), std::string::npos);
  // "aGVsbG8=" is the text hello, which is not JSON.
  auto not_json = call(*f.engine, "publish", R"({"channel":"workspace:w1","b64data":"aGVsbG8="})");
  EXPECT_EQ(api_error(not_json), 107);
  EXPECT_EQ(api_error(call(*f.engine, "broadcast", R"({"channels":["workspace:w1"],"b64data":"aGVsbG8="})")), 107);
  EXPECT_EQ(top_offset(*f.engine, "workspace:w1"), 0);  // nothing was published
}

TEST(ApiPublishOptions, IdempotencyKeyPublishesOnceAndRepeatsTheResult) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  a.received();

  std::string body = R"({"channel":"workspace:w1","data":{"n":1},"idempotency_key":"k1"})";
  auto first = call(*f.engine, "publish", body);
  auto again = call(*f.engine, "publish", body);
  EXPECT_EQ(first.at("result"), again.at("result"));
  EXPECT_EQ(pubs(a).size(), 1u);

  // Another key, or the same key on another channel, publishes.
  auto other = call(*f.engine, "publish", R"({"channel":"workspace:w1","data":{"n":2},"idempotency_key":"k2"})");
  EXPECT_EQ(other.at("result").at("offset").as_int64(), 2);
  auto elsewhere = call(*f.engine, "publish", R"({"channel":"workspace:w2","data":{"n":1},"idempotency_key":"k1"})");
  EXPECT_EQ(elsewhere.at("result").at("offset").as_int64(), 1);
  EXPECT_EQ(pubs(a).size(), 1u);

  // Broadcast keys work per channel as well.
  std::string bc = R"({"channels":["workspace:w1","workspace:w2"],"data":{"b":1},"idempotency_key":"b1"})";
  auto b1 = call(*f.engine, "broadcast", bc);
  auto b2 = call(*f.engine, "broadcast", bc);
  EXPECT_EQ(b1.at("result"), b2.at("result"));
  EXPECT_EQ(pubs(a).size(), 1u);

  // After five minutes the key is forgotten.
  f.now_ms += kIdempotencyTtlMs;
  auto later = call(*f.engine, "publish", body);
  EXPECT_EQ(later.at("result").at("offset").as_int64(), 4);
  EXPECT_EQ(pubs(a).size(), 1u);
}

TEST(ApiPublishOptions, FailedPublishIsNotRemembered) {
  Fixture f;
  std::string long_key(257, 'k');
  auto too_long =
      call(*f.engine, "publish", R"({"channel":"workspace:w1","data":{},"idempotency_key":")" + long_key + R"("})");
  EXPECT_EQ(api_error(too_long), 107);
  EXPECT_EQ(top_offset(*f.engine, "workspace:w1"), 0);

  std::string bad = R"({"channel":"nope:x","data":{},"idempotency_key":"k"})";
  EXPECT_EQ(api_error(call(*f.engine, "publish", bad)), 102);
  EXPECT_EQ(api_error(call(*f.engine, "publish", bad)), 102);
}

TEST(ApiPublishOptions, DeltaIsAcceptedAndFullDataDelivered) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1","delta":"fossil"}})");
  a.received();
  call(*f.engine, "publish", R"({"channel":"workspace:w1","data":{"doc":"aaaa"},"delta":true})");
  call(*f.engine, "publish", R"({"channel":"workspace:w1","data":{"doc":"aaab"},"delta":true})");
  auto got = pubs(a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].at("data").at("doc").as_string(), "aaab");
  EXPECT_FALSE(got[1].as_object().contains("delta"));
}

TEST(ApiRpc, CallsRegisteredMethods) {
  Fixture f;
  f.engine->api_rpc().add("echo", [](std::string_view params) -> RpcResult {
    return "{\"got\":" + std::string(params.empty() ? "null" : params) + "}";
  });
  f.engine->api_rpc().add("fails", [](std::string_view) -> RpcResult {
    return std::unexpected(ProtocolError{108, "not available", false});
  });

  auto ok = call(*f.engine, "rpc", R"({"method":"echo","params":{"a":[1,2]}})");
  EXPECT_EQ(ok.at("result").at("data").at("got").at("a").as_array().size(), 2u);
  EXPECT_TRUE(call(*f.engine, "rpc", R"({"method":"echo"})").at("result").at("data").at("got").is_null());
  EXPECT_EQ(api_error(call(*f.engine, "rpc", R"({"method":"fails"})")), 108);
  EXPECT_EQ(api_error(call(*f.engine, "rpc", R"({"method":"nosuch"})")), 104);
  EXPECT_EQ(api_error(call(*f.engine, "rpc", R"({"params":{}})")), 107);
  EXPECT_EQ(call_api(*f.engine, "rpc", R"({"method":"nosuch"})", true).status, 404u);

  // Client RPC methods are not reachable through the server API.
  f.engine->rpc().add("client.only", [](RpcCall, RpcDone done) { done(std::string("{}")); });
  EXPECT_EQ(api_error(call(*f.engine, "rpc", R"({"method":"client.only"})")), 104);
}

std::vector<json::value> legacy_lines(const ApiResponse& r) {
  std::vector<json::value> out;
  for (std::string_view line : split_lines(r.body)) out.push_back(json::parse(line));
  return out;
}

TEST(LegacyApi, RunsEachCommandInOrder) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  a.received();

  std::string body = R"({"method":"publish","params":{"channel":"workspace:w1","data":{"n":1}}})"
                     "\n"
                     R"({"id":7,"method":"HISTORY","params":{"channel":"workspace:w1","limit":-1}} )"
                     R"({"method":9})"
                     "\n\n"
                     R"({"id":9,"method":"presence","params":{"channel":"cursor:w1:d"}})";
  ApiResponse r = call_legacy_api(*f.engine, body);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  auto lines = legacy_lines(r);
  ASSERT_EQ(lines.size(), 4u) << r.body;
  EXPECT_FALSE(lines[0].as_object().contains("id"));
  EXPECT_EQ(lines[0].at("result").at("offset").as_int64(), 1);
  EXPECT_EQ(lines[1].at("id").as_int64(), 7);
  EXPECT_EQ(lines[1].at("result").at("publications").as_array().size(), 1u);
  EXPECT_EQ(lines[2].at("result").at("nodes").as_array()[0].at("num_clients").as_int64(), 1);
  EXPECT_EQ(lines[3].at("id").as_int64(), 9);
  EXPECT_EQ(lines[3].at("error").at("code").as_int64(), 108);
  EXPECT_EQ(pubs(a).size(), 1u);
}

TEST(LegacyApi, ErrorsPerCommandOrForTheBody) {
  Fixture f;
  std::string body = R"({"id":1,"method":14,"params":{}})"
                     "\n"
                     R"({"id":2,"method":"publish","params":"x"})"
                     "\n"
                     R"({"id":3,"method":"publish","params":{"channel":"nope:x","data":1}})";
  auto lines = legacy_lines(call_legacy_api(*f.engine, body));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("error").at("code").as_int64(), 104);
  EXPECT_EQ(lines[1].at("error").at("code").as_int64(), 107);
  EXPECT_EQ(lines[2].at("error").at("code").as_int64(), 102);

  EXPECT_EQ(call_legacy_api(*f.engine, "").status, 400u);
  EXPECT_EQ(call_legacy_api(*f.engine, "  \n").status, 400u);
  EXPECT_EQ(call_legacy_api(*f.engine, R"({"method":"publish")").status, 400u);
  EXPECT_EQ(call_legacy_api(*f.engine, R"([1,2])").status, 400u);
  ApiResponse unknown = call_legacy_api(*f.engine, R"({"method":"batch","params":{}})");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_NE(unknown.body.find("method"), std::string::npos);
  // A bad body publishes nothing, even after valid commands.
  EXPECT_EQ(call_legacy_api(*f.engine, R"({"params":{"channel":"workspace:w1","data":{}}} {)").status, 400u);
  EXPECT_EQ(top_offset(*f.engine, "workspace:w1"), 0);
}

}  // namespace
}  // namespace tandem::realtime
