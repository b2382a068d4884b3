// Stream positions of positioned subscriptions. A subscriber that would see
// a gap, or whose stream moved on without the engine, gets unsubscribe 2500
// (server-side subscriptions: close 3010) and recovers by resubscribing. A
// publication it already has is not sent twice.
#include <gtest/gtest.h>

#include "harness.h"

namespace tandem::realtime {
namespace {

using namespace testing;
namespace json = boost::json;

// A history source the test can move without the engine, like an op log
// written by another process: publications keep the caller's offsets.
class ControlledHistory final : public HistorySource {
 public:
  Result<StreamPosition> append(std::string_view, Publication& pub, const NamespaceOptions&) override {
    std::lock_guard lock(mutex_);
    if (pub.offset == 0) pub.offset = top_ + 1;
    store(pub);
    return StreamPosition{top_, epoch_};
  }
  Result<HistoryResult> read(std::string_view, const HistoryQuery& q, const NamespaceOptions&) override {
    std::lock_guard lock(mutex_);
    HistoryResult r;
    r.top = {top_, epoch_};
    for (const auto& p : pubs_) {
      if (r.publications.size() < q.limit && (!q.since || p.offset > q.since->offset)) r.publications.push_back(p);
    }
    return r;
  }
  Status remove(std::string_view) override { return {}; }

  // Stores a publication without publishing it.
  void bump(std::uint64_t offset) {
    std::lock_guard lock(mutex_);
    Publication p;
    p.offset = offset;
    p.data = R"({"bumped":)" + std::to_string(offset) + "}";
    store(p);
  }
  void set_epoch(std::string epoch) {
    std::lock_guard lock(mutex_);
    epoch_ = std::move(epoch);
  }

 private:
  void store(const Publication& p) {
    pubs_.push_back(p);
    top_ = p.offset;
  }
  std::mutex mutex_;
  std::vector<Publication> pubs_;
  std::uint64_t top_ = 0;
  std::string epoch_ = "e1";
};

EngineOptions with_feed_namespace() {
  EngineOptions o = default_options();
  NamespaceOptions feed;
  feed.subscribe = SubscribeRule::user;
  feed.history_size = 100;
  feed.history_ttl_s = 3600;
  o.namespaces["feed"] = feed;
  return o;
}

struct PositionFixture : Fixture {
  std::shared_ptr<ControlledHistory> history = std::make_shared<ControlledHistory>();
  explicit PositionFixture(EngineOptions o = with_feed_namespace()) : Fixture(std::move(o)) {
    engine->set_history_source("feed", history);
    engine->set_history_source("workspace", history);
  }
  void publish(std::uint64_t offset) {
    ASSERT_TRUE(engine->publish("feed:x", R"({"n":)" + std::to_string(offset) + "}", {.offset = offset}));
  }
};

// What `c` got since the last call: offsets of publications and codes of
// unsubscribe pushes, in order ("p3", "u2500").
std::vector<std::string> events(Conn& c) {
  std::vector<std::string> out;
  for (auto& m : c.received()) {
    const json::object& o = m.as_object();
    if (!o.contains("push")) continue;
    const json::object& push = o.at("push").as_object();
    if (push.contains("pub")) out.push_back("p" + std::to_string(push.at("pub").at("offset").as_int64()));
    if (push.contains("unsubscribe")) {
      out.push_back("u" + std::to_string(push.at("unsubscribe").at("code").as_int64()));
    }
  }
  return out;
}

using Events = std::vector<std::string>;

const char* kPositioned = R"({"id":2,"subscribe":{"channel":"feed:x","positioned":true,"recoverable":true}})";

TEST(Position, GapAtPublishStopsDeliveryAndSends2500) {
  PositionFixture f;
  Conn a(*f.engine);  // positioned
  Conn b(*f.engine);  // not positioned
  a.connect(f.token("alice"));
  b.connect(f.token("bob"));
  a.send(kPositioned);
  b.send(R"({"id":2,"subscribe":{"channel":"feed:x"}})");
  f.publish(1);
  EXPECT_EQ(events(a), Events({"p1"}));
  EXPECT_EQ(events(b), Events({"p1"}));

  f.history->bump(2);  // stored, never published
  f.publish(3);
  EXPECT_EQ(events(a), Events({"u2500"}));
  EXPECT_EQ(a.client->subscription_count(), 0u);
  EXPECT_EQ(events(b), Events({"p3"}));

  // The SDK resubscribes from its last offset and gets what it missed.
  auto re = a.send(
      R"({"id":3,"subscribe":{"channel":"feed:x","recoverable":true,"recover":true,"offset":1,"epoch":"e1"}})");
  const auto& r = re[0].at("subscribe");
  EXPECT_TRUE(r.at("recovered").as_bool());
  ASSERT_EQ(r.at("publications").as_array().size(), 2u);
  EXPECT_EQ(r.at("publications").as_array()[0].at("offset").as_int64(), 2);
  f.publish(4);
  EXPECT_EQ(events(a), Events({"p4"}));
}

TEST(Position, PublicationAlreadyCoveredBySubscribeIsNotSentTwice) {
  PositionFixture f;
  Conn b(*f.engine);
  b.connect(f.token("bob"));
  b.send(R"({"id":2,"subscribe":{"channel":"feed:x"}})");
  f.publish(1);
  // Stored first and published later, as committed ops are: a subscriber
  // that joins in between already has offset 2 from its subscribe reply.
  f.history->bump(2);
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  auto sub = a.send(kPositioned);
  EXPECT_EQ(sub[0].at("subscribe").at("offset").as_int64(), 2);
  f.publish(2);
  f.publish(3);
  EXPECT_EQ(events(a), Events({"p3"}));
  EXPECT_EQ(events(b), Events({"p1", "p2", "p3"}));
}

TEST(Position, PeriodicCheckFindsAStreamThatMovedWithoutTheEngine) {
  PositionFixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(kPositioned);
  f.publish(1);
  a.client->on_timer();  // arms the periodic check
  f.history->bump(2);
  a.received();

  f.now_ms += 39'000;
  a.client->on_timer();
  EXPECT_EQ(events(a), Events());
  a.send("{}");
  f.now_ms += 1'000;
  a.client->on_timer();
  EXPECT_EQ(events(a), Events({"u2500"}));
  EXPECT_EQ(a.client->subscription_count(), 0u);
}

TEST(Position, ActiveChannelsAreNotChecked) {
  PositionFixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(kPositioned);
  a.client->on_timer();
  f.now_ms += 30'000;
  f.publish(1);  // a publication resets the channel's check time
  f.now_ms += 5'000;
  f.history->bump(2);
  f.now_ms += 5'000;
  a.client->on_timer();  // 40 s after arming, 10 s after the publication
  EXPECT_EQ(events(a), Events({"p1"}));
  a.send("{}");

  f.now_ms += 40'000;
  a.client->on_timer();
  EXPECT_EQ(events(a), Events({"u2500"}));
}

TEST(Position, EpochChangeMakesSubscribersRecover) {
  PositionFixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(kPositioned);
  f.publish(1);
  a.client->on_timer();
  a.received();
  f.history->set_epoch("e2");
  f.now_ms += 40'000;
  a.client->on_timer();
  EXPECT_EQ(events(a), Events({"u2500"}));

  // A publication in a new epoch reaches a fresh subscription.
  Conn b(*f.engine);
  b.connect(f.token("bob"));
  b.send(kPositioned);
  f.history->set_epoch("e3");
  f.publish(2);
  EXPECT_EQ(events(b), Events({"u2500"}));
}

TEST(Position, ServerSideSubscriptionClosesWith3010) {
  PositionFixture f;
  Conn a(*f.engine);
  a.connect(f.token("alice", 3600, R"({"channels":["workspace:w1"]})"));
  ASSERT_EQ(a.client->subscription_count(), 1u);
  ASSERT_TRUE(f.engine->publish("workspace:w1", "{}"));
  f.history->bump(5);
  ASSERT_TRUE(f.engine->publish("workspace:w1", "{}"));
  ASSERT_TRUE(a.transport->closed().has_value());
  EXPECT_EQ(a.transport->closed()->code, 3010);
  EXPECT_EQ(a.transport->closed()->reason, "insufficient state");
}

TEST(Position, ZeroIntervalTurnsThePeriodicCheckOff) {
  EngineOptions o = with_feed_namespace();
  o.position_check_interval_s = 0;
  PositionFixture f(o);
  Conn a(*f.engine);
  a.connect(f.token("alice"));
  a.send(kPositioned);
  a.client->on_timer();
  f.history->bump(1);
  for (int i = 0; i < 5; ++i) {
    f.now_ms += 20'000;
    a.client->on_timer();
    EXPECT_EQ(events(a), Events());
    a.send("{}");
  }
  EXPECT_EQ(a.client->subscription_count(), 1u);
}

TEST(Position, IntervalIsConfigurable) {
  auto table = toml::parse(R"(position_check_interval = "2m")");
  auto o = parse_options(table, default_options());
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->position_check_interval_s, 120);
  auto off = parse_options(toml::parse("position_check_interval = 0"), default_options());
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->position_check_interval_s, 0);
  auto bad = parse_options(toml::parse("position_check_interval = -3"), default_options());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("position_check_interval"), std::string::npos);
}

}  // namespace
}  // namespace tandem::realtime
