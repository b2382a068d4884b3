#include "realtime/history.h"

#include <gtest/gtest.h>

#include "realtime/transport.h"

namespace tandem::realtime {
namespace {

NamespaceOptions ns_with(std::size_t size, std::int64_t ttl_s) {
  NamespaceOptions ns;
  ns.history_size = size;
  ns.history_ttl_s = ttl_s;
  return ns;
}

Publication pub_at(std::int64_t t, std::string data = "1") {
  Publication p;
  p.data = std::move(data);
  p.time_unix_ms = t;
  return p;
}

TEST(MemoryHistory, AssignsContiguousOffsetsFromOne) {
  MemoryHistory h;
  auto ns = ns_with(10, 60);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    Publication p = pub_at(1000);
    auto top = h.append("a", p, ns);
    ASSERT_TRUE(top.has_value());
    EXPECT_EQ(p.offset, i);
    EXPECT_EQ(top->offset, i);
    EXPECT_EQ(top->epoch.size(), 8u);
  }
  Publication other = pub_at(1000);
  ASSERT_TRUE(h.append("b", other, ns).has_value());
  EXPECT_EQ(other.offset, 1u);
}

TEST(MemoryHistory, TrimsBySizeAndTtl) {
  MemoryHistory h;
  auto ns = ns_with(3, 10);
  for (int i = 0; i < 5; ++i) {
    Publication p = pub_at(1000 + i * 1000);
    ASSERT_TRUE(h.append("a", p, ns).has_value());
  }
  auto all = h.read("a", {.limit = 100, .now_unix_ms = 6000}, ns);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->publications.size(), 3u);
  EXPECT_EQ(all->publications.front().offset, 3u);
  EXPECT_EQ(all->top.offset, 5u);

  auto later = h.read("a", {.limit = 100, .now_unix_ms = 14'500}, ns);
  ASSERT_EQ(later->publications.size(), 1u);
  EXPECT_EQ(later->publications.front().offset, 5u);
}

TEST(MemoryHistory, ReadsSinceAndReverse) {
  MemoryHistory h;
  auto ns = ns_with(100, 60);
  for (int i = 0; i < 6; ++i) {
    Publication p = pub_at(1000, std::to_string(i + 1));
    ASSERT_TRUE(h.append("a", p, ns).has_value());
  }
  auto since = h.read("a", {.since = StreamPosition{4, ""}, .limit = 10, .now_unix_ms = 1000}, ns);
  ASSERT_EQ(since->publications.size(), 2u);
  EXPECT_EQ(since->publications[0].offset, 5u);
  EXPECT_EQ(since->publications[1].offset, 6u);

  auto reversed = h.read("a", {.limit = 2, .reverse = true, .now_unix_ms = 1000}, ns);
  ASSERT_EQ(reversed->publications.size(), 2u);
  EXPECT_EQ(reversed->publications[0].offset, 6u);
  EXPECT_EQ(reversed->publications[1].offset, 5u);

  auto before = h.read("a", {.since = StreamPosition{3, ""}, .limit = 10, .reverse = true, .now_unix_ms = 1000}, ns);
  ASSERT_EQ(before->publications.size(), 2u);
  EXPECT_EQ(before->publications[0].offset, 2u);

  auto top_only = h.read("a", {.limit = 0, .now_unix_ms = 1000}, ns);
  EXPECT_TRUE(top_only->publications.empty());
  EXPECT_EQ(top_only->top.offset, 6u);
}

TEST(MemoryHistory, RemoveKeepsPosition) {
  MemoryHistory h;
  auto ns = ns_with(100, 60);
  Publication p = pub_at(1000);
  auto top = h.append("a", p, ns);
  ASSERT_TRUE(h.remove("a").has_value());
  auto read = h.read("a", {.limit = 10, .now_unix_ms = 1000}, ns);
  EXPECT_TRUE(read->publications.empty());
  EXPECT_EQ(read->top.offset, 1u);
  EXPECT_EQ(read->top.epoch, top->epoch);
}

SharedMessage msg(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

TEST(OutgoingQueue, OverflowsOnMessagesOrBytes) {
  OutgoingQueue q(2, 1000);
  EXPECT_EQ(q.push(msg("a"), false), OutgoingQueue::PushResult::start_write);
  EXPECT_EQ(q.push(msg("b"), true), OutgoingQueue::PushResult::queued);
  EXPECT_EQ(q.push(msg("c"), true), OutgoingQueue::PushResult::overflow);

  OutgoingQueue bytes(100, 10);
  EXPECT_EQ(bytes.push(msg("123456"), false), OutgoingQueue::PushResult::start_write);
  EXPECT_EQ(bytes.push(msg("123456"), false), OutgoingQueue::PushResult::overflow);
}

TEST(OutgoingQueue, HeldDeliveriesFollowReplies) {
  OutgoingQueue q(100, 1000);
  q.hold();
  EXPECT_EQ(q.push(msg("pub"), true), OutgoingQueue::PushResult::queued);
  EXPECT_EQ(q.push(msg("reply"), false), OutgoingQueue::PushResult::start_write);
  EXPECT_FALSE(q.release());  // the writer is already started
  std::vector<SharedMessage> out;
  ASSERT_TRUE(q.take(out, 1 << 20));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], "reply");
  EXPECT_EQ(*out[1], "pub");
  out.clear();
  EXPECT_FALSE(q.take(out, 1 << 20));
}

TEST(OutgoingQueue, TakeBoundsBatchAndCloseDrops) {
  OutgoingQueue q(100, 1000);
  q.push(msg("aaaa"), false);
  q.push(msg("bbbb"), false);
  q.push(msg("cccc"), false);
  std::vector<SharedMessage> out;
  ASSERT_TRUE(q.take(out, 8));
  EXPECT_EQ(out.size(), 2u);
  q.close(true);
  EXPECT_EQ(q.queued_bytes(), 0u);
  EXPECT_EQ(q.push(msg("d"), false), OutgoingQueue::PushResult::closed);
}

}  // namespace
}  // namespace tandem::realtime
