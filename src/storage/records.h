// Plain records that the storage layer reads and writes. They carry no
// behaviour; validation happens before a record reaches the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/role.h"

namespace tandem::storage {

struct User {
  std::string id;  // the token's `sub`
  std::string name;
  std::string email;
};

struct Workspace {
  std::string id;
  std::string name;
  std::string created_by;
  std::int64_t created_at = 0;  // unix milliseconds
};

struct WorkspaceMembership {
  Workspace workspace;
  Role role = Role::viewer;
};

struct Member {
  std::string user_id;
  std::string name;  // empty when the user has never presented a token
  std::string email;
  Role role = Role::viewer;
};

struct Document {
  std::string id;
  std::string workspace_id;
  std::string title;
  std::string content_json;  // a serialized JSON object
  std::int64_t version = 0;
  std::vector<std::string> tags;
  std::string created_by;
  std::string last_edited_by;
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t updated_at = 0;  // unix milliseconds
};

struct NewDocument {
  std::string id;
  std::string workspace_id;
  std::string title;
  std::string content_json;
  std::vector<std::string> tags;
  std::string created_by;
  std::int64_t created_at = 0;
};

// A metadata change: fields left empty are kept as they are.
struct DocumentMetaUpdate {
  std::optional<std::string> title;
  std::optional<std::vector<std::string>> tags;
  std::string edited_by;
  std::int64_t edited_at = 0;
};

// Opaque position in the newest-first listing. Encodes the position in update
// order of the last row returned, so pages stay correct while documents
// change: a document updated after the page was read moves to the front and
// is not returned twice; none that existed and was unchanged is skipped.
struct ListQuery {
  std::string workspace_id;
  std::optional<std::string> tag;
  int limit = 20;
  std::optional<std::string> cursor;  // from DocumentPage::next_cursor
};

struct DocumentPage {
  std::vector<Document> documents;
  std::optional<std::string> next_cursor;  // absent on the last page
};

enum class SearchSort { updated_at, relevance };

struct SearchQuery {
  std::string workspace_id;
  std::string text;  // raw user text; the store makes it safe for FTS5
  std::optional<std::string> tag;
  SearchSort sort = SearchSort::updated_at;
  int limit = 20;
  int offset = 0;
};

struct SearchHit {
  std::string id;
  std::string title;
  std::string snippet;  // matched words wrapped in <mark>...</mark>, rest escaped
  std::vector<std::string> tags;
  std::int64_t updated_at = 0;
};

struct SearchPage {
  std::vector<SearchHit> results;
  std::int64_t total = 0;  // all matches in the workspace (and tag), not just this page
  // False when counting stopped at the store's cap: `total` is then a lower
  // bound ("100+"), because an exact count of a very common word costs more
  // than the search itself.
  bool total_is_exact = true;
};

}  // namespace tandem::storage
