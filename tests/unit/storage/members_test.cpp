#include "store_fixture.h"

namespace tandem::storage::testing {
namespace {

using MembersTest = StoreTest;

TEST_F(MembersTest, OpensReady) {
  EXPECT_TRUE(store_->ready());
}

TEST_F(MembersTest, UpsertUserStoresAndUpdates) {
  ASSERT_TRUE(store_->upsert_user(User{"u1", "Ann", "ann@example.com"}));
  auto found = store_->find_user("u1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "Ann");

  ASSERT_TRUE(store_->upsert_user(User{"u1", "Ann B", "annb@example.com"}));
  found = store_->find_user("u1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "Ann B");
  EXPECT_EQ((*found)->email, "annb@example.com");

  auto missing = store_->find_user("nobody");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(MembersTest, CreateWorkspaceMakesOwner) {
  make_workspace("w1", "u1");
  auto workspace = store_->find_workspace("w1");
  ASSERT_TRUE(workspace);
  ASSERT_TRUE(workspace->has_value());
  EXPECT_EQ((*workspace)->created_by, "u1");
  EXPECT_EQ((*workspace)->created_at, 1000);

  auto role = store_->member_role("w1", "u1");
  ASSERT_TRUE(role);
  ASSERT_TRUE(role->has_value());
  EXPECT_EQ(**role, Role::owner);

  auto missing = store_->find_workspace("w2");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(MembersTest, CreateWorkspaceRejectsDuplicateId) {
  make_workspace("w1", "u1");
  EXPECT_FALSE(store_->create_workspace(Workspace{"w1", "again", "u2", 5}));
  auto role = store_->member_role("w1", "u2");
  ASSERT_TRUE(role);
  EXPECT_FALSE(role->has_value());
}

TEST_F(MembersTest, ListWorkspacesOldestFirst) {
  ASSERT_TRUE(store_->create_workspace(Workspace{"wb", "B", "u1", 200}));
  ASSERT_TRUE(store_->create_workspace(Workspace{"wa", "A", "u1", 100}));
  ASSERT_TRUE(store_->create_workspace(Workspace{"wc", "C", "u2", 50}));
  ASSERT_TRUE(store_->put_member("wc", "u1", Role::viewer));

  auto list = store_->list_workspaces("u1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].workspace.id, "wc");
  EXPECT_EQ((*list)[0].role, Role::viewer);
  EXPECT_EQ((*list)[1].workspace.id, "wa");
  EXPECT_EQ((*list)[2].workspace.id, "wb");
  EXPECT_EQ((*list)[2].role, Role::owner);
}

TEST_F(MembersTest, ListMembersWithNames) {
  ASSERT_TRUE(store_->upsert_user(User{"u1", "Ann", "a@x"}));
  make_workspace("w1", "u1");
  ASSERT_TRUE(store_->put_member("w1", "u0", Role::editor));

  auto members = store_->list_members("w1");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, "u0");
  EXPECT_EQ((*members)[0].name, "");
  EXPECT_EQ((*members)[0].role, Role::editor);
  EXPECT_EQ((*members)[1].user_id, "u1");
  EXPECT_EQ((*members)[1].name, "Ann");
  EXPECT_EQ((*members)[1].role, Role::owner);
}

TEST_F(MembersTest, PutMemberChangesRole) {
  make_workspace("w1", "u1");
  ASSERT_TRUE(store_->put_member("w1", "u2", Role::viewer));
  ASSERT_TRUE(store_->put_member("w1", "u2", Role::commenter));
  auto role = store_->member_role("w1", "u2");
  ASSERT_TRUE(role);
  ASSERT_TRUE(role->has_value());
  EXPECT_EQ(**role, Role::commenter);
}

TEST_F(MembersTest, PutMemberUnknownWorkspace) {
  Status status = store_->put_member("nope", "u2", Role::viewer);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::not_found);
  EXPECT_NE(status.error().message.find("nope"), std::string::npos);
}

TEST_F(MembersTest, LastOwnerCannotBeDemoted) {
  make_workspace("w1", "u1");
  Status status = store_->put_member("w1", "u1", Role::editor);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::invalid_request);
  EXPECT_NE(status.error().message.find("last owner"), std::string::npos);
  auto role = store_->member_role("w1", "u1");
  ASSERT_TRUE(role);
  ASSERT_TRUE(role->has_value());
  EXPECT_EQ(**role, Role::owner);
}

TEST_F(MembersTest, OwnerDemotedWhenAnotherRemains) {
  make_workspace("w1", "u1");
  ASSERT_TRUE(store_->put_member("w1", "u2", Role::owner));
  ASSERT_TRUE(store_->put_member("w1", "u1", Role::editor));
  Status status = store_->put_member("w1", "u2", Role::viewer);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::invalid_request);
}

TEST_F(MembersTest, LastOwnerCannotBeRemoved) {
  make_workspace("w1", "u1");
  Status status = store_->remove_member("w1", "u1");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::invalid_request);

  ASSERT_TRUE(store_->put_member("w1", "u2", Role::owner));
  ASSERT_TRUE(store_->remove_member("w1", "u1"));
  auto role = store_->member_role("w1", "u1");
  ASSERT_TRUE(role);
  EXPECT_FALSE(role->has_value());
}

TEST_F(MembersTest, RemoveUnknownMember) {
  make_workspace("w1", "u1");
  Status status = store_->remove_member("w1", "u9");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace tandem::storage::testing
