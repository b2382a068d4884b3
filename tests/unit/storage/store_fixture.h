// Shared set-up for storage tests: a real SQLite store in a fresh temp dir.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "storage/store.h"

namespace tandem::storage::testing {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "tandem-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    open_store();
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void open_store() {
    SqliteOptions options = options_;
    options.path = path();
    auto opened = open_sqlite_store(options);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  void reopen_store() {
    store_.reset();
    open_store();
  }

  std::string path() const { return (dir_ / "tandem.db").string(); }

  // Creates workspace `id` owned by `owner`.
  void make_workspace(const std::string& id, const std::string& owner = "u_owner") {
    Status created = store_->create_workspace(Workspace{id, "Workspace " + id, owner, 1000});
    ASSERT_TRUE(created) << created.error().message;
  }

  Document make_document(const std::string& workspace, const std::string& id,
                         const std::string& title, const std::string& content = "{}",
                         std::vector<std::string> tags = {}, std::int64_t at = 2000) {
    auto created = store_->create_document(
        NewDocument{id, workspace, title, content, std::move(tags), "u_owner", at});
    EXPECT_TRUE(created) << created.error().message;
    return created.value_or(Document{});
  }

  std::filesystem::path dir_;
  SqliteOptions options_;  // used by open_store(), which sets the path
  std::unique_ptr<Store> store_;
};

}  // namespace tandem::storage::testing
