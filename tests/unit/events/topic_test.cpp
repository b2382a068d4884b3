#include <gtest/gtest.h>

#include "events/topic.h"

namespace tandem::events {
namespace {

struct MatchCase {
  const char* pattern;
  const char* topic;
  bool matches;
};

TEST(TopicMatch, AmqpWildcards) {
  const MatchCase cases[] = {
      {"doc.mention.alice", "doc.mention.alice", true},
      {"doc.mention.alice", "doc.mention.bob", false},
      {"doc.mention.*", "doc.mention.alice", true},
      {"doc.mention.*", "doc.mention", false},
      {"doc.mention.*", "doc.mention.alice.extra", false},
      {"doc.*.alice", "doc.assign.alice", true},
      {"*.*.*", "doc.assign.alice", true},
      {"*", "doc", true},
      {"*", "doc.assign", false},
      {"#", "doc.assign.alice", true},
      {"#", "doc", true},
      {"doc.#", "doc", true},
      {"doc.#", "doc.mention.alice", true},
      {"doc.#.alice", "doc.alice", true},
      {"doc.#.alice", "doc.mention.alice", true},
      {"doc.#.alice", "doc.a.b.c.alice", true},
      {"doc.#.alice", "doc.mention.bob", false},
      {"#.alice", "doc.mention.alice", true},
      {"#.#", "doc", true},
      {"#.*.#", "doc", true},
      {"#.*.#.*", "doc", false},
      {"doc.mention.*", "task.mention.alice", false},
      {"doc.mention", "doc.mention.alice", false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(topic_matches(c.pattern, c.topic), c.matches) << c.pattern << " vs " << c.topic;
  }
}

TEST(TopicMatch, ManyHashesStayFast) {
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "#.";
  pattern += "never";
  std::string topic;
  for (int i = 0; i < 200; ++i) topic += "word.";
  topic += "end";
  EXPECT_FALSE(topic_matches(pattern, topic));
}

TEST(TopicPattern, Validation) {
  EXPECT_TRUE(validate_pattern("doc.mention.*"));
  EXPECT_TRUE(validate_pattern("#"));
  EXPECT_TRUE(validate_pattern("doc.#.alice"));
  EXPECT_FALSE(validate_pattern(""));
  EXPECT_FALSE(validate_pattern("doc..alice"));
  EXPECT_FALSE(validate_pattern("doc.mention*"));
  EXPECT_FALSE(validate_pattern("doc.#x"));
  EXPECT_FALSE(validate_pattern(".doc"));
  auto error = validate_pattern("doc.a*");
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("doc.a*"), std::string::npos);
}

TEST(TopicWord, EscapesSeparatorsAndWildcards) {
  EXPECT_EQ(topic_word("alice"), "alice");
  EXPECT_EQ(topic_word("a.b"), "a%2Eb");
  EXPECT_EQ(topic_word("*#%"), "%2A%23%25");
  EXPECT_TRUE(topic_matches("doc.mention.*", "doc.mention." + topic_word("first.last")));
}

}  // namespace
}  // namespace tandem::events
