#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/role.h"

namespace tandem {
namespace {

TEST(Ids, HavePrefixAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_id("d");
    ASSERT_EQ(id.size(), 22u);
    ASSERT_EQ(id.substr(0, 2), "d_");
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(Ids, RandomHexHasRequestedLength) {
  EXPECT_EQ(random_hex(32).size(), 64u);
  EXPECT_NE(random_hex(16), random_hex(16));
}

TEST(Time, FormatsRfc3339) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1796413368123), "2026-12-04T19:42:48.123Z");
}

TEST(Roles, ParseAndOrder) {
  EXPECT_EQ(parse_role("owner"), Role::owner);
  EXPECT_EQ(parse_role("commenter"), Role::commenter);
  EXPECT_FALSE(parse_role("Owner").has_value());
  EXPECT_FALSE(parse_role("").has_value());
  EXPECT_TRUE(role_at_least(Role::owner, Role::editor));
  EXPECT_FALSE(role_at_least(Role::commenter, Role::editor));
  for (Role role : {Role::viewer, Role::commenter, Role::editor, Role::owner}) {
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
}

TEST(Errors, CodeNamesAreSnakeCase) {
  EXPECT_EQ(code_name(ErrorCode::version_conflict), "version_conflict");
  EXPECT_EQ(code_name(ErrorCode::payload_too_large), "payload_too_large");
  auto failure = fail(ErrorCode::forbidden, "no");
  EXPECT_EQ(failure.error().code, ErrorCode::forbidden);
}

}  // namespace
}  // namespace tandem
