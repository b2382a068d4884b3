#include <gtest/gtest.h>

#include "ot/value.h"
#include "test_support.h"

namespace tandem::ot {
namespace {

using testing::parse_json;
using testing::parse_op_text;

json::value applied(std::string_view doc, std::string_view op) {
  auto document = parse_json(doc);
  auto status = ot::apply(document, parse_op_text(op));
  EXPECT_TRUE(status) << op << ": " << (status ? "" : status.error().message);
  return document;
}

Error rejected(std::string_view doc, std::string_view op) {
  auto document = parse_json(doc);
  auto before = document;
  auto status = ot::apply(document, parse_op_text(op));
  EXPECT_FALSE(status) << op << " was accepted";
  EXPECT_EQ(document, before) << "a rejected op changed the document";
  return status ? Error{} : status.error();
}

TEST(Apply, EveryComponentKind) {
  EXPECT_EQ(applied(R"({"n":1})", R"([{"p":["n"],"na":2.5}])"), parse_json(R"({"n":3.5})"));
  EXPECT_EQ(applied(R"({"l":[1]})", R"([{"p":["l",1],"li":2}])"), parse_json(R"({"l":[1,2]})"));
  EXPECT_EQ(applied(R"({"l":[1,2]})", R"([{"p":["l",0],"ld":1}])"), parse_json(R"({"l":[2]})"));
  EXPECT_EQ(applied(R"({"l":[1,2]})", R"([{"p":["l",0],"ld":1,"li":"x"}])"), parse_json(R"({"l":["x",2]})"));
  EXPECT_EQ(applied(R"({"l":[1,2,3]})", R"([{"p":["l",0],"lm":2}])"), parse_json(R"({"l":[2,3,1]})"));
  EXPECT_EQ(applied(R"({})", R"([{"p":["k"],"oi":{"a":[]}}])"), parse_json(R"({"k":{"a":[]}})"));
  EXPECT_EQ(applied(R"({"k":1})", R"([{"p":["k"],"od":1}])"), parse_json(R"({})"));
  EXPECT_EQ(applied(R"({"k":1})", R"([{"p":["k"],"od":1,"oi":2}])"), parse_json(R"({"k":2})"));
  EXPECT_EQ(applied(R"({"s":"ab"})", R"([{"p":["s",1],"si":"X"}])"), parse_json(R"({"s":"aXb"})"));
  EXPECT_EQ(applied(R"({"s":"abc"})", R"([{"p":["s",1],"sd":"b"}])"), parse_json(R"({"s":"ac"})"));
  EXPECT_EQ(applied(R"({"s":"ab"})", R"([{"p":["s"],"t":"text0","o":[{"p":0,"d":"a"},{"p":1,"i":"c"}]}])"),
            parse_json(R"({"s":"bc"})"));
}

TEST(Apply, RootNumberAndRootString) {
  EXPECT_EQ(applied("5", R"([{"p":[],"na":-5}])"), parse_json("0"));
  EXPECT_EQ(applied(R"("ab")", R"([{"p":[],"t":"text0","o":[{"p":2,"i":"c"}]}])"), parse_json(R"("abc")"));
}

TEST(Apply, ValuesCompareAsJavaScriptDoes) {
  EXPECT_EQ(applied(R"({"l":[1.0]})", R"([{"p":["l",0],"ld":1}])"), parse_json(R"({"l":[]})"));
  EXPECT_EQ(applied(R"({"k":{"a":1,"b":2}})", R"([{"p":["k"],"od":{"b":2,"a":1}}])"), parse_json("{}"));
  EXPECT_EQ(rejected(R"({"k":{"a":1}})", R"([{"p":["k"],"od":{"a":1,"b":null}}])").code,
            ErrorCode::value_mismatch);
}

TEST(Apply, NumberResultsAreCanonical) {
  auto doc = applied(R"({"n":0.5})", R"([{"p":["n"],"na":0.5}])");
  EXPECT_TRUE(doc.at("n").is_int64());
  EXPECT_EQ(json::serialize(doc), R"({"n":1})");
}

TEST(Apply, RejectionsNameTheRule) {
  EXPECT_EQ(rejected(R"({"l":[1]})", R"([{"p":["l",0],"ld":2}])").code, ErrorCode::value_mismatch);
  EXPECT_EQ(rejected(R"({"l":[1]})", R"([{"p":["l",2],"li":2}])").code, ErrorCode::out_of_range);
  EXPECT_EQ(rejected(R"({"l":[1,2]})", R"([{"p":["l",0],"lm":2}])").code, ErrorCode::out_of_range);
  EXPECT_EQ(rejected(R"({"l":[1]})", R"([{"p":["l","0"],"ld":1}])").code, ErrorCode::invalid_path);
  EXPECT_EQ(rejected(R"({"k":1})", R"([{"p":["k"],"oi":2}])").code, ErrorCode::key_exists);
  EXPECT_EQ(rejected(R"({"k":1})", R"([{"p":["k"],"od":2,"oi":3}])").code, ErrorCode::value_mismatch);
  EXPECT_EQ(rejected(R"({"n":"x"})", R"([{"p":["n"],"na":1}])").code, ErrorCode::type_mismatch);
  EXPECT_EQ(rejected(R"({"n":1e308})", R"([{"p":["n"],"na":1e308}])").code, ErrorCode::not_finite);
  EXPECT_EQ(rejected(R"({"s":"ab"})", R"([{"p":["s",0],"sd":"b"}])").code, ErrorCode::value_mismatch);
  EXPECT_EQ(rejected(R"({"s":"ab"})", R"([{"p":["s",3],"si":"b"}])").code, ErrorCode::out_of_range);
  EXPECT_EQ(rejected("{\"s\":\"\xF0\x9F\x98\x80\"}", R"([{"p":["s",1],"si":"b"}])").code, ErrorCode::invalid_text);
  EXPECT_EQ(rejected(R"({"a":{}})", R"([{"p":["a","b","c"],"oi":1}])").code, ErrorCode::invalid_path);
  EXPECT_EQ(rejected(R"({"a":5})", R"([{"p":["a","b"],"oi":1}])").code, ErrorCode::type_mismatch);
}

TEST(Apply, FailureRollsBackEarlierComponents) {
  // Every kind of change comes before the failing last component.
  auto error = rejected(R"({"n":1,"l":[1,2,3],"k":{"x":1},"s":"hello"})",
                        R"([{"p":["n"],"na":1},{"p":["l",0],"li":0},{"p":["l",3],"ld":3},
                            {"p":["l",0],"lm":2},{"p":["l",1],"ld":2,"li":"r"},
                            {"p":["k","y"],"oi":2},{"p":["k","x"],"od":1},
                            {"p":["s"],"t":"text0","o":[{"p":0,"d":"he"},{"p":3,"i":"!"}]},
                            {"p":["s",0],"si":"A"},
                            {"p":["s"],"t":"text0","o":[{"p":0,"i":"B"},{"p":9,"d":"zz"}]}])");
  EXPECT_EQ(error.code, ErrorCode::out_of_range);
  EXPECT_NE(error.message.find("component 9"), std::string::npos) << error.message;
}

TEST(Parse, RejectsMalformedComponents) {
  const char* bad[] = {
      R"([{"li":1}])",                          // no path
      R"([{"p":"a","oi":1}])",                  // path not an array
      R"([{"p":["a"]}])",                       // no instruction
      R"([{"p":["a"],"oi":1,"li":1}])",         // two instructions
      R"([{"p":["a",-1],"li":1}])",             // negative index
      R"([{"p":["a",1.5],"li":1}])",            // fractional index
      R"([{"p":["a"],"na":"1"}])",              // na not a number
      R"([{"p":["a"],"si":"x"}])",              // si without an offset
      R"([{"p":["a",0],"si":5}])",              // si not a string
      R"([{"p":["a"],"t":"text0"}])",           // t without o
      R"([{"p":["a"],"t":"other","o":[]}])",    // unknown subtype
      R"([{"p":["a"],"t":"text0","o":[{"p":0,"i":"x","d":"y"}]}])",
      R"([{"p":["a"],"oi":1,"x":1}])",          // unknown field
      R"([{"p":[],"od":1}])",                   // empty path
      R"({"p":["a"],"oi":1})",                  // op not an array
  };
  for (const char* text : bad) {
    auto op = parse_op(json::parse(text));
    EXPECT_FALSE(op) << text;
    if (!op) {
      EXPECT_EQ(op.error().code, ErrorCode::invalid_op) << text;
    }
  }
}

TEST(Value, CanonicalizeRejectsInfinityAndRoundsLargeIntegers) {
  json::value huge = json::parse("[1e400]");
  EXPECT_FALSE(canonicalize(huge));
  json::value big = json::parse("[12345678901234567890, 3.0, -0.0]");
  ASSERT_TRUE(canonicalize(big));
  EXPECT_TRUE(big.at(0).is_double());
  EXPECT_EQ(json::serialize(big.at(1)), "3");
  EXPECT_EQ(json::serialize(big.at(2)), "0");
}

}  // namespace
}  // namespace tandem::ot
