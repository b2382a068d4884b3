#include "realtime/codec.h"

#include <gtest/gtest.h>

namespace tandem::realtime {
namespace {

TEST(Codec, DecodesKeysInAnyOrder) {
  auto cmd = decode_command(R"({"subscribe":{"recover":true,"channel":"doc:w:d","offset":6,"epoch":"ab"},"id":7})");
  ASSERT_TRUE(cmd.has_value()) << cmd.error().message;
  EXPECT_EQ(cmd->id, 7u);
  EXPECT_EQ(cmd->method, Method::subscribe);
  EXPECT_EQ(cmd->channel, "doc:w:d");
  EXPECT_TRUE(cmd->recover);
  EXPECT_EQ(cmd->offset, 6u);
  EXPECT_EQ(cmd->epoch, "ab");
}

TEST(Codec, IgnoresUnknownFields) {
  auto cmd = decode_command(R"({"id":2,"subscribe":{"channel":"c:x","flag":1,"tf":{"a":1}},"extra":[1]})");
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->channel, "c:x");
}

TEST(Codec, KeepsDataAsRawJson) {
  auto cmd = decode_command(R"({"id":3,"publish":{"channel":"c:x","data":{"a":[1,"two",null]}}})");
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->data, R"({"a":[1,"two",null]})");
}

TEST(Codec, EmptyObjectIsPong) {
  auto cmd = decode_command("{}");
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->method, Method::empty);
  EXPECT_EQ(cmd->id, 0u);
}

TEST(Codec, RejectsMalformedInput) {
  EXPECT_FALSE(decode_command("{").has_value());
  EXPECT_FALSE(decode_command("[1,2]").has_value());
  EXPECT_FALSE(decode_command(R"({"id":"1","connect":{}})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":-1,"connect":{}})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":1,"connect":"x"})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":1,"subscribe":{"channel":5}})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":1,"subscribe":{"channel":"a","recover":"yes"}})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":1,"connect":{},"subscribe":{}})").has_value());
}

TEST(Codec, RejectsIdAboveUint32) {
  auto cmd = decode_command(R"({"id":4294967296,"connect":{}})");
  ASSERT_FALSE(cmd.has_value());
  EXPECT_NE(cmd.error().message.find("4294967296"), std::string::npos);
  EXPECT_TRUE(decode_command(R"({"id":4294967295,"connect":{}})").has_value());
  EXPECT_FALSE(decode_command(R"({"id":1e30,"connect":{}})").has_value());
}

TEST(Codec, AcceptsOnlyFossilDelta) {
  EXPECT_TRUE(decode_command(R"({"id":1,"subscribe":{"channel":"c","delta":"fossil"}})").has_value());
  auto unknown = decode_command(R"({"id":1,"subscribe":{"channel":"c","delta":"xdelta"}})");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("xdelta"), std::string::npos);
  EXPECT_FALSE(decode_command(R"({"id":1,"subscribe":{"channel":"c","delta":1}})").has_value());
}

TEST(Codec, DecodesHistoryAndConnectFields) {
  auto h = decode_command(R"({"id":1,"history":{"channel":"c:x","limit":-1,"since":{"offset":3,"epoch":"e"},"reverse":true}})");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->limit, -1);
  ASSERT_TRUE(h->since.has_value());
  EXPECT_EQ(h->since->offset, 3u);
  EXPECT_EQ(h->since->epoch, "e");
  EXPECT_TRUE(h->reverse);

  auto c = decode_command(R"({"id":1,"connect":{"token":"t","name":"js","subs":{"user:u":{"recover":true,"offset":4,"epoch":"q"}}}})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->token, "t");
  ASSERT_EQ(c->subs.count("user:u"), 1u);
  EXPECT_EQ(c->subs.at("user:u").offset, 4u);
}

TEST(Codec, SplitsLinesAndSkipsBlankOnes) {
  auto lines = split_lines("{\"a\":1}\n\n{\"b\":2}\r\n  \n{\"c\":3}");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "{\"a\":1}");
  EXPECT_EQ(lines[2], "{\"c\":3}");
  EXPECT_TRUE(split_lines("").empty());
}

TEST(Codec, OmitsEmptyFields) {
  std::string s = ObjectWriter().string("a", "").number("b", 0).boolean("c", false).raw("d", "").string("e", "x").finish();
  EXPECT_EQ(s, R"({"e":"x"})");
}

TEST(Codec, EscapesStrings) {
  std::string out;
  append_json_string(out, "q\"b\\n\n\x01");
  EXPECT_EQ(out, R"("q\"b\\n\n\u0001")");
}

TEST(Codec, EncodesPublicationPush) {
  Publication pub;
  pub.offset = 5;
  pub.data = R"({"x":1})";
  pub.info = ClientInfo{"u", "c", R"({"n":1})", ""};
  pub.tags = {{"t", "v"}};
  std::string push = encode_push("news:a", "pub", encode_publication(pub));
  EXPECT_EQ(push,
            R"({"push":{"channel":"news:a","pub":{"data":{"x":1},"info":{"user":"u","client":"c","conn_info":{"n":1}},"offset":5,"tags":{"t":"v"}}}})");
}

TEST(Codec, EncodesErrorReply) {
  EXPECT_EQ(encode_error(4, errors::too_many_requests()),
            R"({"id":4,"error":{"code":111,"message":"too many requests","temporary":true}})");
  EXPECT_EQ(encode_error(5, errors::permission_denied()), R"({"id":5,"error":{"code":103,"message":"permission denied"}})");
}

}  // namespace
}  // namespace tandem::realtime
