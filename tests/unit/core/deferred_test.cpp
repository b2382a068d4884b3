#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/deferred.h"

namespace tandem::core {
namespace {

TEST(Deferred, RunsAtOnceWithoutScope) {
  int runs = 0;
  defer([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(Deferred, WaitsForOutermostScope) {
  std::vector<std::string> order;
  {
    DeferredScope outer;
    defer([&] { order.push_back("a"); });
    {
      DeferredScope inner;
      defer([&] { order.push_back("b"); });
    }
    EXPECT_TRUE(order.empty());
    order.push_back("body");
  }
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], "body");
  EXPECT_EQ(order[1], "a");
  EXPECT_EQ(order[2], "b");
}

TEST(Deferred, WorkDeferredByWorkRunsLast) {
  std::vector<int> order;
  {
    DeferredScope scope;
    defer([&] {
      order.push_back(1);
      defer([&] { order.push_back(3); });
    });
    defer([&] { order.push_back(2); });
  }
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], 1);
  EXPECT_EQ(order[1], 2);
  EXPECT_EQ(order[2], 3);

  // The queue is empty again: nothing runs twice.
  { DeferredScope again; }
  EXPECT_EQ(order.size(), 3u);
}

}  // namespace
}  // namespace tandem::core
