#include "realtime/options.h"

#include <gtest/gtest.h>

namespace tandem::realtime {
namespace {

toml::table parse(std::string_view text) { return toml::parse(text); }

TEST(Options, DefaultsCarryTandemNamespaces) {
  EngineOptions o = default_options();
  ASSERT_EQ(o.namespaces.size(), 4u);
  EXPECT_EQ(o.namespaces.at("doc").subscribe, SubscribeRule::member);
  EXPECT_TRUE(o.namespaces.at("doc").presence);
  EXPECT_FALSE(o.namespaces.at("doc").allow_publish);
  EXPECT_TRUE(o.namespaces.at("cursor").allow_publish);
  EXPECT_FALSE(o.namespaces.at("cursor").history_enabled());
  EXPECT_EQ(o.namespaces.at("user").subscribe, SubscribeRule::self);
  EXPECT_TRUE(o.namespaces.at("workspace").history_enabled());
  EXPECT_EQ(o.max_message_bytes, 65536u);
  EXPECT_TRUE(validate(o).has_value());
}

TEST(Options, ParsesTopLevelAndNamespaces) {
  auto o = parse_options(parse(R"(
    ping_interval = "20s"
    pong_timeout = 5
    max_message_bytes = 131072
    allowed_origins = ["https://app.example.com"]
    [namespaces.chat]
    subscribe = "user"
    presence = true
    history_size = 50
    history_ttl = "10m"
    [namespaces.doc]
    history_size = 10
  )"),
                         default_options());
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->ping_interval_s, 20);
  EXPECT_EQ(o->pong_timeout_s, 5);
  EXPECT_EQ(o->max_message_bytes, 131072u);
  ASSERT_EQ(o->allowed_origins.size(), 1u);
  const auto& chat = o->namespaces.at("chat");
  EXPECT_EQ(chat.subscribe, SubscribeRule::user);
  EXPECT_EQ(chat.history_ttl_s, 600);
  EXPECT_EQ(o->namespaces.at("doc").history_size, 10u);
  EXPECT_TRUE(o->namespaces.at("doc").presence);  // untouched default kept
}

TEST(Options, ErrorsNameKeyAndValue) {
  auto bad_duration = parse_options(parse(R"(ping_interval = "soon")"), default_options());
  ASSERT_FALSE(bad_duration.has_value());
  EXPECT_NE(bad_duration.error().message.find("ping_interval"), std::string::npos);
  EXPECT_NE(bad_duration.error().message.find("\"soon\""), std::string::npos);

  auto unknown = parse_options(parse(R"(pingg = 1)"), default_options());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("pingg"), std::string::npos);

  auto rule = parse_options(parse("[namespaces.doc]\nsubscribe = \"everyone\""), default_options());
  ASSERT_FALSE(rule.has_value());
  EXPECT_NE(rule.error().message.find("namespaces.doc.subscribe"), std::string::npos);
  EXPECT_NE(rule.error().message.find("everyone"), std::string::npos);

  auto small = parse_options(parse("max_message_bytes = 10"), default_options());
  ASSERT_FALSE(small.has_value());
  EXPECT_NE(small.error().message.find("max_message_bytes"), std::string::npos);

  auto pong = parse_options(parse("ping_interval = 5\npong_timeout = 5"), default_options());
  ASSERT_FALSE(pong.has_value());
  EXPECT_NE(pong.error().message.find("pong_timeout"), std::string::npos);
}

TEST(Options, ParsesChannelNames) {
  auto c = parse_channel("doc:w1:d1");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ns, "doc");
  EXPECT_EQ(c->rest, "w1:d1");
  auto top = parse_channel("news");
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->ns, "");
  EXPECT_FALSE(parse_channel("").has_value());
  EXPECT_FALSE(parse_channel(std::string(256, 'a')).has_value());
  EXPECT_FALSE(parse_channel("doc:w 1").has_value());
  EXPECT_FALSE(parse_channel("doc:\xc3\xa9").has_value());
}

}  // namespace
}  // namespace tandem::realtime
