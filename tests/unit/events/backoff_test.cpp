#include <gtest/gtest.h>

#include "events/backoff.h"

namespace tandem::events {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCap) {
  const milliseconds base{100};
  const milliseconds max{1000};
  // With full jitter (1.0) the delay is the nominal one.
  EXPECT_EQ(backoff_delay(1, base, max, 1.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(2, base, max, 1.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, max, 1.0), milliseconds(400));
  EXPECT_EQ(backoff_delay(4, base, max, 1.0), milliseconds(800));
  EXPECT_EQ(backoff_delay(5, base, max, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(60, base, max, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(1000000, base, max, 1.0), milliseconds(1000));
}

TEST(Backoff, JitterKeepsAtLeastHalf) {
  const milliseconds base{100};
  const milliseconds max{10000};
  EXPECT_EQ(backoff_delay(3, base, max, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, max, 0.5), milliseconds(300));
  // Out-of-range draws are clamped.
  EXPECT_EQ(backoff_delay(3, base, max, -1.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, max, 7.0), milliseconds(400));
}

TEST(Backoff, RandomDrawsStayInRange) {
  for (int i = 0; i < 1000; ++i) {
    double jitter = random_jitter();
    ASSERT_GE(jitter, 0.0);
    ASSERT_LT(jitter, 1.0);
    auto delay = backoff_delay(2, milliseconds(1000), milliseconds(60000), jitter);
    ASSERT_GE(delay, milliseconds(1000));
    ASSERT_LE(delay, milliseconds(2000));
  }
}

}  // namespace
}  // namespace tandem::events
