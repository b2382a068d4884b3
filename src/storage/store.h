// The storage interface: everything Tandem persists goes through a Store.
// Only implementations (storage/sqlite/, later storage/postgres/) know SQL.
//
// Contract for every implementation:
// - Thread-safe: any method may be called from any thread concurrently.
// - A write that returns success is durable (survives kill -9 and power loss
//   as far as the engine's fsync guarantees it).
// - A write that fails changes nothing.
// - Errors are returned as values; no exception escapes a method.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/records.h"

namespace tandem::storage {

class Store {
 public:
  virtual ~Store() = default;

  // True when the store is open, migrated and accepting writes.
  virtual bool ready() const = 0;

  // --- users ---
  // Inserts the user or updates name/email when they changed.
  virtual Status upsert_user(const User& user) = 0;
  virtual Result<std::optional<User>> find_user(std::string_view user_id) = 0;

  // --- workspaces and members ---
  // Creates the workspace and makes `workspace.created_by` its owner, atomically.
  virtual Status create_workspace(const Workspace& workspace) = 0;
  virtual Result<std::optional<Workspace>> find_workspace(std::string_view workspace_id) = 0;
  // Workspaces the user belongs to, oldest first.
  virtual Result<std::vector<WorkspaceMembership>> list_workspaces(std::string_view user_id) = 0;
  // The user's role, or nullopt when not a member.
  virtual Result<std::optional<Role>> member_role(std::string_view workspace_id,
                                                  std::string_view user_id) = 0;
  // Members ordered by user id.
  virtual Result<std::vector<Member>> list_members(std::string_view workspace_id) = 0;
  // Adds the member or changes the role. Fails with invalid_request when the
  // change would leave the workspace without an owner.
  virtual Status put_member(std::string_view workspace_id, std::string_view user_id,
                            Role role) = 0;
  // Removes the member. not_found when not a member; invalid_request when it
  // would remove the last owner.
  virtual Status remove_member(std::string_view workspace_id, std::string_view user_id) = 0;

  // --- documents ---
  // Stores the document at version 0 and indexes it for search.
  virtual Result<Document> create_document(const NewDocument& document) = 0;
  // The live (not deleted) document, or nullopt.
  virtual Result<std::optional<Document>> find_document(std::string_view document_id) = 0;
  virtual Result<DocumentPage> list_documents(const ListQuery& query) = 0;
  // Applies the change, bumps updated_at, reindexes. not_found when absent.
  virtual Result<Document> update_document_meta(std::string_view document_id,
                                                const DocumentMetaUpdate& update) = 0;
  // Deletes the document and its index entry. not_found when absent.
  virtual Status delete_document(std::string_view document_id) = 0;

  // --- search ---
  // Finds live documents of the workspace containing every word of the text
  // (the last as a prefix). Any text is safe; text without a word returns an
  // empty page. invalid_request when limit or offset is out of range.
  virtual Result<SearchPage> search(const SearchQuery& query) = 0;
};

struct SqliteOptions {
  std::string path;              // database file; created when missing
  int read_connections = 4;      // size of the read-only connection pool, 1 to 64
  int busy_timeout_ms = 5000;    // wait for a lock before failing, in milliseconds
  // Optional: called on the writer thread after every group commit with the
  // COMMIT duration and the number of writes in the group (for metrics). Must
  // be quick and must not call back into the store.
  std::function<void(std::chrono::nanoseconds, std::size_t)> on_commit;
};

// Opens (creating and migrating as needed) a SQLite store. Fails with
// `internal` and a message naming the file when it cannot.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace tandem::storage
