#include <random>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tandem::ot {
namespace {

using testing::dump;
using testing::parse_json;
using testing::parse_op_text;

std::string transformed(std::string_view op, std::string_view other, Side side) {
  auto result = transform(parse_op_text(op), parse_op_text(other), side);
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  return result ? dump(*result) : "";
}

TEST(Transform, ConcurrentInsertsLeftFirst) {
  EXPECT_EQ(transformed(R"([{"p":["l",0],"li":"a"}])", R"([{"p":["l",0],"li":"b"}])", Side::left),
            R"([{"p":["l",0],"li":"a"}])");
  EXPECT_EQ(transformed(R"([{"p":["l",0],"li":"a"}])", R"([{"p":["l",0],"li":"b"}])", Side::right),
            R"([{"p":["l",1],"li":"a"}])");
}

TEST(Transform, DeleteAbsorbsEditInside) {
  EXPECT_EQ(transformed(R"([{"p":["l",0],"ld":{"s":"ab"}}])", R"([{"p":["l",0,"s",1],"si":"X"}])", Side::left),
            R"([{"p":["l",0],"ld":{"s":"aXb"}}])");
}

TEST(Transform, ConflictingDeletesFail) {
  auto result = transform(parse_op_text(R"([{"p":["s",0],"sd":"ab"}])"),
                          parse_op_text(R"([{"p":["s",1],"sd":"x"}])"), Side::left);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::transform_conflict);
}

TEST(Transform, MixedStringFormsAreTransformed) {
  EXPECT_EQ(transformed(R"([{"p":["s",1],"si":"X"}])", R"([{"p":["s"],"t":"text0","o":[{"p":0,"i":"YY"}]}])",
                        Side::left),
            R"([{"p":["s",3],"si":"X"}])");
  EXPECT_EQ(transformed(R"([{"p":["s"],"t":"text0","o":[{"p":1,"i":"Y"}]}])", R"([{"p":["s",0],"sd":"a"}])",
                        Side::left),
            R"([{"p":["s"],"t":"text0","o":[{"p":0,"i":"Y"}]}])");
}

TEST(Compose, MergesOnlyWithTheLastComponent) {
  auto composed = compose(parse_op_text(R"([{"p":["n"],"na":1},{"p":["m"],"na":1}])"),
                          parse_op_text(R"([{"p":["n"],"na":2}])"));
  ASSERT_TRUE(composed);
  EXPECT_EQ(dump(*composed), R"([{"p":["n"],"na":1},{"p":["m"],"na":1},{"p":["n"],"na":2}])");
}

TEST(Compose, InsertThenDeleteCancelsOnlyForPrimitives) {
  auto primitive = compose(parse_op_text(R"([{"p":["l",0],"li":1}])"), parse_op_text(R"([{"p":["l",0],"ld":1}])"));
  ASSERT_TRUE(primitive);
  EXPECT_EQ(dump(*primitive), "[]");
  auto object = compose(parse_op_text(R"([{"p":["l",0],"li":{}}])"), parse_op_text(R"([{"p":["l",0],"ld":{}}])"));
  ASSERT_TRUE(object);
  EXPECT_EQ(dump(*object), R"([{"p":["l",0],"li":{}},{"p":["l",0],"ld":{}}])");
}

TEST(Compose, LegacyStringEditsMerge) {
  auto composed = compose(parse_op_text(R"([{"p":["s",0],"si":"ab"}])"), parse_op_text(R"([{"p":["s",2],"si":"c"}])"));
  ASSERT_TRUE(composed);
  EXPECT_EQ(dump(*composed), R"([{"p":["s",0],"si":"abc"}])");
}

TEST(Invert, UndoesEveryKind) {
  auto op = parse_op_text(R"([{"p":["n"],"na":2},{"p":["l",0],"lm":2},{"p":["s",0],"si":"x"},
                              {"p":["k"],"od":1,"oi":2},{"p":["t"],"t":"text0","o":[{"p":0,"i":"a"},{"p":0,"d":"a"}]}])");
  EXPECT_EQ(dump(invert(op)),
            R"([{"p":["t"],"t":"text0","o":[{"p":0,"i":"a"},{"p":0,"d":"a"}]},{"p":["k"],"oi":1,"od":2},)"
            R"({"p":["s",0],"sd":"x"},{"p":["l",2],"lm":0},{"p":["n"],"na":-2}])");
}

TEST(Cursor, FollowsTextAndStructure) {
  Cursor cursor{{std::string("l"), std::int64_t{1}}, 2};
  auto op = parse_op_text(R"([{"p":["l",0],"li":"new"},{"p":["l",2],"t":"text0","o":[{"p":0,"i":"ab"}]}])");
  auto moved = transform_cursor(cursor, op, Side::left);
  ASSERT_TRUE(moved);
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ(json::serialize(path_to_json((*moved)->path)), R"(["l",2])");
  EXPECT_EQ((*moved)->offset, 4);

  auto deleted = transform_cursor(cursor, parse_op_text(R"([{"p":["l",1],"ld":"x"}])"), Side::left);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted);
}

// A small generator of concurrent ops on one document shape, for a
// convergence property test that also runs under the sanitizers.
class RandomOps {
 public:
  explicit RandomOps(std::uint32_t seed) : rng_(seed) {}

  Op make(const json::value& doc) {
    const auto& list = doc.at("l").get_array();
    const auto& text = doc.at("s").get_string();
    auto n = static_cast<std::int64_t>(list.size());
    auto len = static_cast<std::int64_t>(text.size());  // ASCII only here
    json::object c;
    switch (below(7)) {
      case 0: c = {{"p", {"l", below(n + 1)}}, {"li", below(100)}}; break;
      case 1: if (n == 0) return {};
        { auto i = below(n); c = {{"p", {"l", i}}, {"ld", list[static_cast<std::size_t>(i)]}}; } break;
      case 2: if (n == 0) return {};
        c = {{"p", {"l", below(n)}}, {"lm", below(n)}}; break;
      case 3: c = {{"p", {"s", below(len + 1)}}, {"si", std::string(1 + static_cast<std::size_t>(below(2)), 'a' + static_cast<char>(below(26)))}}; break;
      case 4: if (len == 0) return {};
        { auto at = below(len); auto count = 1 + below(std::min<std::int64_t>(3, len - at));
          c = {{"p", {"s", at}}, {"sd", std::string(text.subview(static_cast<std::size_t>(at), static_cast<std::size_t>(count)))}}; } break;
      case 5: c = {{"p", {"n"}}, {"na", below(9) - 4}}; break;
      default: {
        auto key = std::string(1, 'a' + static_cast<char>(below(3)));
        const auto& object = doc.at("o").get_object();
        if (const auto* existing = object.if_contains(key)) {
          c = {{"p", {"o", key}}, {"od", *existing}};
          if (below(2) == 0) c["oi"] = below(10);
        } else {
          c = {{"p", {"o", key}}, {"oi", below(10)}};
        }
      }
    }
    return parse_op(json::array{c}).value();
  }

 private:
  std::int64_t below(std::int64_t n) { return n <= 0 ? 0 : static_cast<std::int64_t>(rng_() % static_cast<std::uint32_t>(n)); }
  std::mt19937 rng_;
};

TEST(Convergence, RandomConcurrentPairsConverge) {
  constexpr int kCases = 20000;
  auto seed = static_cast<std::uint32_t>(std::random_device{}());
  RandomOps random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  int compared = 0;
  for (int i = 0; i < kCases; ++i) {
    auto doc = parse_json(R"({"l":[1,2,3],"s":"hello","n":0,"o":{"a":1}})");
    Op first = random.make(doc);
    ASSERT_TRUE(ot::apply(doc, first));
    Op a = random.make(doc);
    Op b = random.make(doc);

    auto a_left = transform(a, b, Side::left);
    auto b_right = transform(b, a, Side::right);
    ASSERT_TRUE(a_left) << dump(a) << " vs " << dump(b);
    ASSERT_TRUE(b_right) << dump(b) << " vs " << dump(a);

    auto via_a = doc;
    auto via_b = doc;
    ASSERT_TRUE(ot::apply(via_a, a));
    ASSERT_TRUE(ot::apply(via_a, *b_right)) << dump(a) << " then " << dump(*b_right);
    ASSERT_TRUE(ot::apply(via_b, b));
    ASSERT_TRUE(ot::apply(via_b, *a_left)) << dump(b) << " then " << dump(*a_left);
    ASSERT_EQ(via_a, via_b) << "a=" << dump(a) << " b=" << dump(b);

    auto restored = via_a;
    ASSERT_TRUE(ot::apply(restored, invert(*b_right)));
    ASSERT_TRUE(ot::apply(restored, invert(a)));
    ASSERT_EQ(restored, doc) << "invert failed for a=" << dump(a) << " b'=" << dump(*b_right);
    ++compared;
  }
  EXPECT_EQ(compared, kCases);
}

}  // namespace
}  // namespace tandem::ot
