#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "events/derive.h"
#include "events/event.h"
#include "ot/json0.h"

namespace tandem::events {
namespace {
namespace json = boost::json;

ot::Op parse_op(std::string_view text) {
  auto op = ot::parse_op(json::parse(text));
  EXPECT_TRUE(op) << text;
  return op ? *op : ot::Op{};
}

// The targets of `op` on `document`, as "mention:user" / "assign:user".
std::vector<std::string> targets_of(std::string_view document, std::string_view op_text) {
  json::value value = json::parse(document);
  ot::Op op = parse_op(op_text);
  auto targets = apply_and_derive(value, op);
  EXPECT_TRUE(targets) << op_text << ": " << (targets ? "" : targets.error().message);
  std::vector<std::string> names;
  if (!targets) return names;
  for (const Target& target : *targets) {
    names.push_back((target.kind == TargetKind::mention ? "mention:" : "assign:") + target.user_id);
  }
  return names;
}

using Names = std::vector<std::string>;

TEST(MentionTokens, Scanning) {
  EXPECT_EQ(mention_tokens("hi <@alice> and <@bob.smith>!"), (Names{"alice", "bob.smith"}));
  EXPECT_EQ(mention_tokens("<@a><@a>"), (Names{"a", "a"}));
  EXPECT_EQ(mention_tokens("<@> <@ alice> <@al ice> <@alice"), Names{});
  EXPECT_EQ(mention_tokens("<<@alice>>"), (Names{"alice"}));
  EXPECT_EQ(mention_tokens("<@<@alice>"), (Names{"alice"}));
  EXPECT_EQ(mention_tokens(std::string("<@") + std::string(129, 'x') + ">"), Names{});
  EXPECT_EQ(mention_tokens(std::string("<@") + std::string(128, 'x') + ">").size(), 1u);
}

TEST(Derive, InsertedTextMentions) {
  EXPECT_EQ(targets_of(R"({"t":"hello "})", R"([{"p":["t",6],"si":"<@bob>"}])"), (Names{"mention:bob"}));
  // Twice in one op: one target.
  EXPECT_EQ(targets_of(R"({"t":""})", R"([{"p":["t",0],"si":"<@bob> <@bob>"}])"), (Names{"mention:bob"}));
  // A token completed by the insert is new; one split by it is gone.
  EXPECT_EQ(targets_of(R"({"t":"<@bo>"})", R"([{"p":["t",4],"si":"b"}])"), (Names{"mention:bob"}));
  EXPECT_EQ(targets_of(R"({"t":"<@bob>"})", R"([{"p":["t",3],"si":" "}])"), Names{});
  // The text0 subtype form counts the same.
  EXPECT_EQ(targets_of(R"({"t":"x"})", R"([{"p":["t"],"t":"text0","o":[{"p":1,"i":" <@carol>"}]}])"),
            (Names{"mention:carol"}));
}

TEST(Derive, ExistingTokensAreNotNew) {
  // Editing elsewhere in a string that has a mention.
  EXPECT_EQ(targets_of(R"({"t":"<@bob> hi"})", R"([{"p":["t",9],"si":"!"}])"), Names{});
  // Re-saving the string with a replace.
  EXPECT_EQ(targets_of(R"({"t":"<@bob> hi"})", R"([{"p":["t"],"od":"<@bob> hi","oi":"<@bob> hi!"}])"), Names{});
  // Moving a block within one op.
  EXPECT_EQ(targets_of(R"({"b":[{"t":"<@bob>"},{"t":"x"}]})",
                       R"([{"p":["b",0],"ld":{"t":"<@bob>"}},{"p":["b",1],"li":{"t":"<@bob>"}}])"),
            Names{});
  // Deleting a string with a mention.
  EXPECT_EQ(targets_of(R"({"b":[{"t":"<@bob>"}]})", R"([{"p":["b",0],"ld":{"t":"<@bob>"}}])"), Names{});
  // A second token for a user who already had one is still new.
  EXPECT_EQ(targets_of(R"({"t":"<@bob>"})", R"([{"p":["t",6],"si":" <@bob>"}])"), (Names{"mention:bob"}));
}

TEST(Derive, InsertedValuesWithMentions) {
  EXPECT_EQ(targets_of(R"({"b":[]})", R"([{"p":["b",0],"li":{"t":"<@dan>","k":["<@eve>"]}}])"),
            (Names{"mention:dan", "mention:eve"}));
  EXPECT_EQ(targets_of(R"({})", R"([{"p":["note"],"oi":"see <@dan>"}])"), (Names{"mention:dan"}));
}

TEST(Derive, Assignments) {
  const char* todo = R"({"todo":{"text":"Ship","assignee":"bob"}})";
  EXPECT_EQ(targets_of(todo, R"([{"p":["todo","assignee"],"od":"bob","oi":"carol"}])"), (Names{"assign:carol"}));
  EXPECT_EQ(targets_of(todo, R"([{"p":["todo","assignee"],"od":"bob","oi":"bob"}])"), Names{});
  EXPECT_EQ(targets_of(todo, R"([{"p":["todo","assignee"],"od":"bob"}])"), Names{});
  EXPECT_EQ(targets_of(R"({"todo":{"text":"Ship"}})", R"([{"p":["todo","assignee"],"oi":"dan"}])"),
            (Names{"assign:dan"}));
  // A new task object with an assignee.
  EXPECT_EQ(targets_of(R"({"b":[]})", R"([{"p":["b",0],"li":{"text":"Do","assignee":"eve"}}])"),
            (Names{"assign:eve"}));
  // Non-string and empty assignees are ignored.
  EXPECT_EQ(targets_of(R"({"t":{}})", R"([{"p":["t","assignee"],"oi":42}])"), Names{});
  EXPECT_EQ(targets_of(R"({"t":{}})", R"([{"p":["t","assignee"],"oi":""}])"), Names{});
}

TEST(Derive, TargetDetails) {
  json::value document = json::parse(R"({"b":[{"text":"Write it","assignee":""},{"t":"Hello"}]})");
  ot::Op op = parse_op(R"([{"p":["b",1,"t",5],"si":" <@bob>"},{"p":["b",0,"assignee"],"od":"","oi":"bob"}])");
  auto targets = apply_and_derive(document, op);
  ASSERT_TRUE(targets);
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[0].kind, TargetKind::mention);
  EXPECT_EQ(ot::path_to_json((*targets)[0].path), json::parse(R"(["b",1,"t"])"));
  EXPECT_EQ((*targets)[0].excerpt, "Hello <@bob>");
  EXPECT_EQ((*targets)[1].kind, TargetKind::assign);
  EXPECT_EQ((*targets)[1].excerpt, "Write it");
  EXPECT_EQ(ot::path_to_json((*targets)[1].path), json::parse(R"(["b",0,"assignee"])"));
}

TEST(Derive, LongTextExcerptIsCutAtCharacters) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "é";  // two bytes each
  text += "<@bob>";
  for (int i = 0; i < 60; ++i) text += "ü";
  json::value document = json::object{{"t", ""}};
  ot::Op op = parse_op(json::serialize(json::array{json::object{{"p", json::array{"t", 0}}, {"si", text}}}));
  auto targets = apply_and_derive(document, op);
  ASSERT_TRUE(targets);
  ASSERT_EQ(targets->size(), 1u);
  const std::string& excerpt = (*targets)[0].excerpt;
  EXPECT_TRUE(excerpt.starts_with("…"));
  EXPECT_TRUE(excerpt.ends_with("…"));
  EXPECT_NE(excerpt.find("<@bob>"), std::string::npos);
  EXPECT_LT(excerpt.size(), text.size());
  // Valid UTF-8 survives a JSON round trip unchanged.
  EXPECT_EQ(json::value_to<std::string>(json::parse(json::serialize(json::value(excerpt)))), excerpt);
}

TEST(Derive, FailedOpLeavesDocumentUnchanged) {
  json::value document = json::parse(R"({"t":"a","l":[1]})");
  const json::value before = document;
  ot::Op op = parse_op(R"([{"p":["t",1],"si":"<@bob>"},{"p":["l",5],"ld":1}])");
  auto targets = apply_and_derive(document, op);
  ASSERT_FALSE(targets);
  EXPECT_NE(targets.error().message.find("component 1"), std::string::npos) << targets.error().message;
  EXPECT_EQ(document, before);
  // The op itself is restored for the caller.
  EXPECT_EQ(ot::to_json(op), json::parse(R"([{"p":["t",1],"si":"<@bob>"},{"p":["l",5],"ld":1}])"));
}

TEST(Derive, MatchesPlainApply) {
  const char* doc = R"({"b":[{"t":"one"},{"t":"two"}],"n":1})";
  const char* op_text = R"([{"p":["b",0,"t",3],"si":"!"},{"p":["b",1],"lm":0},{"p":["n"],"na":2},{"p":["b",2],"li":"x"}])";
  json::value derived = json::parse(doc);
  json::value plain = json::parse(doc);
  ot::Op op = parse_op(op_text);
  ASSERT_TRUE(apply_and_derive(derived, op));
  ASSERT_TRUE(ot::apply(plain, parse_op(op_text)));
  EXPECT_EQ(derived, plain);
}

TEST(Events, PayloadRoundTrip) {
  Target target{TargetKind::assign, "first.last", {std::string("todo"), std::string("assignee")}, "Ship"};
  auto events = build_events({target}, {"w_1", "d_1", "Plan", "alice", 7, 1700000000000});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, "doc.assign.first%2Elast");
  EXPECT_EQ(events[0].workspace_id, "w_1");
  EXPECT_TRUE(events[0].id.starts_with("e_"));
  auto payload = parse_payload(events[0].payload_json);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(payload->event_id, events[0].id);
  EXPECT_EQ(payload->type, "assign");
  EXPECT_EQ(payload->user_id, "first.last");
  EXPECT_EQ(payload->actor_id, "alice");
  EXPECT_EQ(payload->doc_title, "Plan");
  EXPECT_EQ(payload->version, 7);
  EXPECT_EQ(payload->ts, 1700000000000);
  EXPECT_EQ(json::parse(events[0].payload_json).at("path"), json::parse(R"(["todo","assignee"])"));
}

TEST(Events, BadPayloadsAreRejected) {
  EXPECT_FALSE(parse_payload("not json"));
  EXPECT_FALSE(parse_payload("[]"));
  EXPECT_FALSE(parse_payload(R"({"event_id":"e_1"})"));
  auto wrong_type = parse_payload(
      R"({"event_id":"e","type":"like","workspace_id":"w","doc_id":"d","doc_title":"t","actor_id":"a",)"
      R"("user_id":"u","excerpt":"","version":1,"ts":2})");
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("like"), std::string::npos);
}

}  // namespace
}  // namespace tandem::events

namespace tandem::events {
namespace {

// Edits that could only form a token in unusual ways still take the full
// count: the fast path for plain keystrokes must not miss them.
TEST(Derive, TokensFormedByDeletesAndSplits) {
  // Deleting the character between '<' and '@'.
  EXPECT_EQ(targets_of(R"({"t":"<x@bob>"})", R"([{"p":["t",1],"sd":"x"}])"), (Names{"mention:bob"}));
  // Inserting '<' before "@bob>", or '@' after '<'.
  EXPECT_EQ(targets_of(R"({"t":"@bob>"})", R"([{"p":["t",0],"si":"<"}])"), (Names{"mention:bob"}));
  EXPECT_EQ(targets_of(R"({"t":"<bob>"})", R"([{"p":["t",1],"si":"@"}])"), (Names{"mention:bob"}));
  // Closing an open token with '>'.
  EXPECT_EQ(targets_of(R"({"t":"<@bob"})", R"([{"p":["t",5],"si":">"}])"), (Names{"mention:bob"}));
  // The same through the text0 subtype form.
  EXPECT_EQ(targets_of(R"({"t":"<x@bob>"})", R"([{"p":["t"],"t":"text0","o":[{"p":1,"d":"x"}]}])"),
            (Names{"mention:bob"}));
  // Plain typing next to nothing special.
  EXPECT_EQ(targets_of(R"({"t":"hello"})", R"([{"p":["t",5],"si":" world"}])"), Names{});
  EXPECT_EQ(targets_of(R"({"t":"a < b"})", R"([{"p":["t",5],"si":" c"}])"), Names{});
  // Typing inside an assignee string is counted as an assignment.
  EXPECT_EQ(targets_of(R"({"task":{"assignee":"bo"}})", R"([{"p":["task","assignee",2],"si":"b"}])"),
            (Names{"assign:bob"}));
}

}  // namespace
}  // namespace tandem::events
