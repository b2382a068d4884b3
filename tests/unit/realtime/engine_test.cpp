// Engine behaviour beyond a single client: pluggable and failing history,
// concurrent publishing order, shared encoded buffers, channel cleanup and
// the remaining error and close codes.
#include "realtime/engine.h"

#include <thread>

#include <gtest/gtest.h>

#include "harness.h"
#include "realtime/api.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

// A history source that owns numbering, as the document op log does: the
// caller's offset is the version and the epoch never changes.
class VersionedHistory final : public HistorySource {
 public:
  Result<StreamPosition> append(std::string_view, Publication& pub, const NamespaceOptions&) override {
    std::lock_guard lock(mutex_);
    pubs_.push_back(pub);
    return StreamPosition{pub.offset, "stable"};
  }
  Result<HistoryResult> read(std::string_view, const HistoryQuery& q, const NamespaceOptions&) override {
    std::lock_guard lock(mutex_);
    HistoryResult r;
    r.top = {pubs_.empty() ? 0 : pubs_.back().offset, "stable"};
    for (const auto& p : pubs_) {
      if (r.publications.size() < q.limit && (!q.since || p.offset > q.since->offset)) r.publications.push_back(p);
    }
    return r;
  }
  Status remove(std::string_view) override { return {}; }

 private:
  std::mutex mutex_;
  std::vector<Publication> pubs_;
};

TEST(Engine, PluggableHistoryKeepsCallerOffsets) {
  Fixture f;
  f.engine->set_history_source("doc", std::make_shared<VersionedHistory>());
  auto first = f.engine->publish("doc:w1:d1", R"({"v":7})", {.offset = 7});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->offset, 7u);
  EXPECT_EQ(first->epoch, "stable");
  ASSERT_TRUE(f.engine->publish("doc:w1:d1", R"({"v":8})", {.offset = 8}).has_value());

  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto re = a.send(R"({"id":2,"subscribe":{"channel":"doc:w1:d1","recover":true,"offset":7,"epoch":"stable"}})");
  const auto& r = re[0].at("subscribe");
  EXPECT_EQ(r.at("epoch").as_string(), "stable");
  EXPECT_TRUE(r.at("recovered").as_bool());
  ASSERT_EQ(r.at("publications").as_array().size(), 1u);
  EXPECT_EQ(r.at("publications").as_array()[0].at("offset").as_int64(), 8);
  // Other namespaces keep the in-memory default.
  auto other = f.engine->publish("workspace:w1", "{}");
  EXPECT_EQ(other->offset, 1u);
  EXPECT_NE(other->epoch, "stable");
}

TEST(Engine, ConcurrentPublishersKeepOffsetOrder) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");

  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&f] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(f.engine->publish("workspace:w1", "{}").has_value());
    });
  }
  for (auto& t : threads) t.join();

  auto pushes = a.received();
  ASSERT_EQ(pushes.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < pushes.size(); ++i) {
    ASSERT_EQ(pushes[i].at("push").at("pub").at("offset").as_int64(), static_cast<std::int64_t>(i + 1));
  }
}

// Counts distinct buffers: every subscriber must get the same encoded message.
class BufferTransport final : public Transport {
 public:
  void send(SharedMessage) override {}
  void deliver(SharedMessage m) override { last = m; }
  void hold() override {}
  void release() override {}
  void close(Disconnect) override {}
  void post(std::function<void()> fn) override { fn(); }
  SharedMessage last;
};

TEST(Engine, PublicationEncodedOnceForAllSubscribers) {
  Fixture f;
  std::vector<std::shared_ptr<BufferTransport>> transports;
  std::vector<std::shared_ptr<Client>> clients;
  const NamespaceOptions& ns = *f.engine->find_namespace("cursor");
  for (int i = 0; i < 3; ++i) {
    transports.push_back(std::make_shared<BufferTransport>());
    clients.push_back(std::make_shared<Client>(*f.engine, transports.back()));
    AttachRequest req;
    req.client = clients.back().get();
    req.transport = transports.back();
    ASSERT_TRUE(f.engine->attach("cursor:w1:d", ns, req).has_value());
  }
  ASSERT_TRUE(f.engine->publish("cursor:w1:d", R"({"x":1})").has_value());
  ASSERT_NE(transports[0]->last, nullptr);
  EXPECT_EQ(transports[0]->last.get(), transports[1]->last.get());
  EXPECT_EQ(transports[1]->last.get(), transports[2]->last.get());
  for (const auto& c : clients) f.engine->detach("cursor:w1:d", c.get(), "");
  EXPECT_TRUE(f.engine->channels("").empty());
}

TEST(Engine, PublishValidatesChannelAndData) {
  Fixture f;
  EXPECT_EQ(f.engine->publish("nope:x", "{}").error().code, ErrorCode::not_found);
  EXPECT_EQ(f.engine->publish("bad channel", "{}").error().code, ErrorCode::invalid_request);
  EXPECT_EQ(f.engine->publish("workspace:w1", "{oops").error().code, ErrorCode::invalid_request);
  EXPECT_EQ(f.engine->publish("workspace:w1", "").error().code, ErrorCode::invalid_request);
}

TEST(Engine, GlobMatch) {
  EXPECT_TRUE(glob_match("doc:w1:*", "doc:w1:d1"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("doc:w1:*", "doc:w2:d1"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*:*:x", "doc:w:x"));
}

TEST(Engine, SendMessageReachesUserConnections) {
  Fixture f;
  Conn a(*f.engine);
  Conn b(*f.engine);
  a.connect(f.token("alice"));
  b.connect(f.token("bob"));
  EXPECT_EQ(f.engine->send_message("alice", "", R"({"hi":1})"), 1u);
  auto got = a.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("push").at("message").at("data").at("hi").as_int64(), 1);
  EXPECT_FALSE(got[0].at("push").as_object().contains("channel"));
  EXPECT_TRUE(b.received().empty());
  EXPECT_EQ(f.engine->send_message("nobody", "", "{}"), 0u);
}

TEST(Engine, DisconnectAllClosesWith3001) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  f.engine->disconnect_all();
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3001);
}

}  // namespace
}  // namespace tandem::realtime

namespace tandem::realtime {
namespace {

using namespace testing;

// A history source whose storage is gone, as a failed SQLite read would be.
class FailingHistory final : public HistorySource {
 public:
  Result<StreamPosition> append(std::string_view, Publication&, const NamespaceOptions&) override {
    return fail(ErrorCode::internal, "disk unavailable");
  }
  Result<HistoryResult> read(std::string_view, const HistoryQuery&, const NamespaceOptions&) override {
    return fail(ErrorCode::internal, "disk unavailable");
  }
  Status remove(std::string_view) override { return fail(ErrorCode::internal, "disk unavailable"); }
};

TEST(Engine, HistoryFailureGives100) {
  Fixture f;
  f.engine->set_history_source("workspace", std::make_shared<FailingHistory>());
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto sub = a.send(R"({"id":2,"subscribe":{"channel":"workspace:w1"}})");
  EXPECT_EQ(sub[0].at("error").at("code").as_int64(), 100);
  EXPECT_TRUE(sub[0].at("error").at("temporary").as_bool());
  auto history = a.send(R"({"id":3,"history":{"channel":"workspace:w1","limit":5}})");
  EXPECT_EQ(history[0].at("error").at("code").as_int64(), 100);
  EXPECT_EQ(f.engine->publish("workspace:w1", "{}").error().code, ErrorCode::internal);
  EXPECT_EQ(a.client->subscription_count(), 0u);
}

TEST(Engine, ExpiredSubRefreshClosesWith3006) {
  EngineOptions o = default_options();
  NamespaceOptions priv;
  priv.subscribe = SubscribeRule::token;
  o.namespaces["private"] = priv;
  Fixture f(o);
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  std::string sub_token = f.token("", 10, R"({"channel":"private:x"})");
  a.send(R"({"id":2,"subscribe":{"channel":"private:x","token":")" + sub_token + R"("}})");

  // Refreshing with an already expired token closes with 3006 at once.
  f.now_ms += 11'000;
  a.send(R"({"id":3,"sub_refresh":{"channel":"private:x","token":")" + sub_token + R"("}})");
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3006);
}

TEST(Engine, ApiDisconnectDefaultsTo3503) {
  Fixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto r = call_api(*f.engine, "disconnect", R"({"user":"alice"})", false);
  EXPECT_EQ(r.status, 200u);
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3503);
}

}  // namespace
}  // namespace tandem::realtime
