// The notification tables: the transactional outbox, routing, retries, dead
// letters, redrives and inboxes, on a real SQLite file.
#include <future>

#include <fmt/format.h>

#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

class EventsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    make_workspace("w1", "u_owner");
    make_document("w1", "d1", "Doc");
  }

  static OutboxEvent event(const std::string& id, const std::string& user = "u_bob") {
    return OutboxEvent{id, "doc.mention." + user, "w1",
                       fmt::format(R"({{"event_id":"{}","user_id":"{}"}})", id, user), 5000, 0};
  }

  Status commit(std::int64_t version, std::vector<OutboxEvent> events, std::int64_t seq = -1) {
    OpRecord op{"d1", version, R"([{"p":["n"],"oi":1}])", "u_owner", "c1", seq < 0 ? version : seq, 3000};
    std::promise<Status> promise;
    store_->commit_op(OpCommit{op, std::nullopt, std::move(events)},
                      [&](const Status& status) { promise.set_value(status); });
    return promise.get_future().get();
  }

  std::vector<QueuedMessage> due(const std::string& queue, std::int64_t now = 10000) {
    auto messages = store_->list_due(queue, now, 100, {});
    EXPECT_TRUE(messages) << messages.error().message;
    return messages.value_or(std::vector<QueuedMessage>{});
  }

  // Routes everything in the outbox to `queues`.
  void route_all(const std::vector<std::string>& queues) {
    auto events = store_->list_outbox(100);
    ASSERT_TRUE(events);
    std::vector<RoutedEvent> routed;
    for (auto& item : *events) routed.push_back(RoutedEvent{item, queues, std::nullopt});
    ASSERT_TRUE(store_->route_events(routed, 6000));
  }
};

TEST_F(EventsTest, OutboxCommitsWithTheOp) {
  ASSERT_TRUE(commit(1, {event("e_1"), event("e_2", "u_carol")}));
  auto outbox = store_->list_outbox(10);
  ASSERT_TRUE(outbox);
  ASSERT_EQ(outbox->size(), 2u);
  EXPECT_EQ((*outbox)[0].id, "e_1");
  EXPECT_EQ((*outbox)[1].topic, "doc.mention.u_carol");
  EXPECT_LT((*outbox)[0].seq, (*outbox)[1].seq);
}

TEST_F(EventsTest, RejectedOpLeavesNoEvents) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  // A version conflict and a repeated idempotency key both write nothing.
  EXPECT_FALSE(commit(5, {event("e_conflict")}));
  EXPECT_FALSE(commit(2, {event("e_repeat")}, 1));
  auto outbox = store_->list_outbox(10);
  ASSERT_TRUE(outbox);
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].id, "e_1");
}

TEST_F(EventsTest, OutboxSurvivesReopen) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  reopen_store();
  auto outbox = store_->list_outbox(10);
  ASSERT_TRUE(outbox);
  ASSERT_EQ(outbox->size(), 1u);
}

TEST_F(EventsTest, RoutingCopiesToEachQueueOnce) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  auto outbox = store_->list_outbox(10);
  ASSERT_TRUE(outbox);
  std::vector<RoutedEvent> routed{RoutedEvent{(*outbox)[0], {"inbox", "push"}, std::nullopt}};
  ASSERT_TRUE(store_->route_events(routed, 6000));
  // Routing the same batch again changes nothing.
  ASSERT_TRUE(store_->route_events(routed, 6000));
  EXPECT_TRUE(store_->list_outbox(10)->empty());
  ASSERT_EQ(due("inbox").size(), 1u);
  ASSERT_EQ(due("push").size(), 1u);
  EXPECT_EQ(due("inbox")[0].event.id, "e_1");
  EXPECT_EQ(due("inbox")[0].attempts, 0);
  EXPECT_TRUE(due("email").empty());
}

TEST_F(EventsTest, RetryDelaysThenDeadLetters) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  route_all({"push"});
  const std::int64_t id = due("push")[0].id;

  ASSERT_TRUE(store_->retry_message(id, 20000, "HTTP 500", 10000));
  EXPECT_TRUE(due("push", 19999).empty());
  auto later = due("push", 20000);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].attempts, 1);
  EXPECT_EQ(later[0].last_error, "HTTP 500");
  EXPECT_EQ(later[0].first_attempt_at, 10000);
  auto next = store_->next_due("push");
  ASSERT_TRUE(next);
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, 20000);
  auto depth = store_->queue_depth("push", 15000);
  ASSERT_TRUE(depth);
  EXPECT_EQ(depth->ready, 0);
  EXPECT_EQ(depth->delayed, 1);

  ASSERT_TRUE(store_->dead_letter_message(id, "HTTP 502", true, 21000));
  EXPECT_TRUE(due("push", 30000).empty());
  EXPECT_EQ(store_->retry_message(id, 1, "x", 1).error().code, ErrorCode::not_found);
  auto letters = store_->list_dead_letters({"u_owner", std::nullopt, 10, std::nullopt});
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1u);
  const DeadLetter& letter = (*letters)[0];
  EXPECT_EQ(letter.queue, "push");
  EXPECT_EQ(letter.attempts, 2);
  EXPECT_EQ(letter.last_error, "HTTP 502");
  EXPECT_EQ(letter.first_attempt_at, 10000);
  EXPECT_EQ(letter.last_attempt_at, 21000);
  EXPECT_EQ(letter.dead_at, 21000);
  EXPECT_EQ(store_->queue_depth("push", 30000)->dead, 1);
}

TEST_F(EventsTest, DeadLettersAreScopedToOwners) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  route_all({"push"});
  ASSERT_TRUE(store_->dead_letter_message(due("push")[0].id, "failed", true, 7000));
  ASSERT_TRUE(store_->put_member("w1", "u_editor", Role::editor));
  EXPECT_EQ(store_->list_dead_letters({"u_owner", std::nullopt, 10, std::nullopt})->size(), 1u);
  EXPECT_TRUE(store_->list_dead_letters({"u_editor", std::nullopt, 10, std::nullopt})->empty());
  EXPECT_TRUE(store_->list_dead_letters({"u_stranger", std::nullopt, 10, std::nullopt})->empty());
  EXPECT_TRUE(store_->list_dead_letters({"u_owner", std::string("inbox"), 10, std::nullopt})->empty());
  EXPECT_EQ(store_->list_dead_letters({"u_owner", std::nullopt, 0, std::nullopt}).error().code,
            ErrorCode::invalid_request);
}

TEST_F(EventsTest, RedriveAndDelete) {
  ASSERT_TRUE(commit(1, {event("e_1"), event("e_2"), event("e_3")}));
  route_all({"push"});
  for (const QueuedMessage& message : due("push")) {
    ASSERT_TRUE(store_->dead_letter_message(message.id, "failed", true, 7000));
  }
  auto letters = store_->list_dead_letters({"u_owner", std::nullopt, 10, std::nullopt});
  ASSERT_EQ(letters->size(), 3u);
  // Newest first; paging continues below the last id.
  auto page = store_->list_dead_letters({"u_owner", std::nullopt, 1, (*letters)[0].id});
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, (*letters)[1].id);

  ASSERT_TRUE(store_->redrive_dead_letter((*letters)[0].id, 8000));
  EXPECT_EQ(store_->redrive_dead_letter((*letters)[0].id, 8000).error().code, ErrorCode::not_found);
  auto back = due("push");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].attempts, 0);
  EXPECT_EQ(back[0].event.id, (*letters)[0].event.id);

  ASSERT_TRUE(store_->delete_dead_letter((*letters)[1].id));
  EXPECT_EQ(store_->delete_dead_letter((*letters)[1].id).error().code, ErrorCode::not_found);
  auto all = store_->redrive_dead_letters({"u_owner", std::nullopt, 10, std::nullopt}, 9000);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 1);
  EXPECT_EQ(due("push").size(), 2u);
  EXPECT_TRUE(store_->list_dead_letters({"u_owner", std::nullopt, 10, std::nullopt})->empty());
}

TEST_F(EventsTest, UnroutableRedriveReturnsToOutbox) {
  ASSERT_TRUE(commit(1, {event("e_1")}));
  auto outbox = store_->list_outbox(10);
  std::vector<RoutedEvent> routed{RoutedEvent{(*outbox)[0], {}, std::string("no queue is bound")}};
  ASSERT_TRUE(store_->route_events(routed, 6000));
  auto letters = store_->list_dead_letters({"u_owner", std::nullopt, 10, std::nullopt});
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].queue, "");
  EXPECT_EQ((*letters)[0].attempts, 0);
  ASSERT_TRUE(store_->redrive_dead_letter((*letters)[0].id, 7000));
  outbox = store_->list_outbox(10);
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].id, "e_1");
}

TEST_F(EventsTest, InboxStoresEachEventOnce) {
  Notification first{"e_1", "u_bob", "mention", R"({"x":1})", 1000, 0};
  auto inserted = store_->insert_notification(first);
  ASSERT_TRUE(inserted);
  EXPECT_TRUE(*inserted);
  EXPECT_FALSE(*store_->insert_notification(first));
  for (int i = 2; i <= 5; ++i) {
    ASSERT_TRUE(store_->insert_notification({fmt::format("e_{}", i), "u_bob", "assign", "{}", 1000 + i, 0}));
  }
  ASSERT_TRUE(store_->insert_notification({"e_other", "u_carol", "mention", "{}", 1000, 0}));

  auto page = store_->list_notifications({"u_bob", false, 2, std::nullopt});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "e_5");
  EXPECT_EQ(page->unread_count, 5);
  ASSERT_TRUE(page->next_cursor);
  auto second = store_->list_notifications({"u_bob", false, 3, page->next_cursor});
  ASSERT_EQ(second->items.size(), 3u);
  EXPECT_EQ(second->items[2].id, "e_1");
  EXPECT_FALSE(second->next_cursor);

  ASSERT_TRUE(store_->mark_notification_read("u_bob", "e_3", 9000));
  EXPECT_EQ(store_->mark_notification_read("u_carol", "e_3", 9000).error().code, ErrorCode::not_found);
  auto unread = store_->list_notifications({"u_bob", true, 10, std::nullopt});
  EXPECT_EQ(unread->items.size(), 4u);
  EXPECT_EQ(unread->unread_count, 4);
  EXPECT_EQ(*store_->mark_all_notifications_read("u_bob", 9500), 4);
  EXPECT_EQ(store_->list_notifications({"u_bob", true, 10, std::nullopt})->unread_count, 0);
  EXPECT_EQ(store_->list_notifications({"u_carol", true, 10, std::nullopt})->unread_count, 1);
  EXPECT_EQ(store_->list_notifications({"u_bob", false, 10, std::string("bad")}).error().code,
            ErrorCode::invalid_request);
}

TEST_F(EventsTest, NotificationSettings) {
  auto none = store_->notification_settings("u_bob");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->put_notification_settings("u_bob", {false}));
  EXPECT_FALSE((*store_->notification_settings("u_bob"))->email);
  ASSERT_TRUE(store_->put_notification_settings("u_bob", {true}));
  EXPECT_TRUE((*store_->notification_settings("u_bob"))->email);
}

}  // namespace
}  // namespace tandem::storage::testing
