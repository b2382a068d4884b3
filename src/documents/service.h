// The document service: workspaces, members and documents, with the role
// checks and input rules applied before anything reaches the store.
//
// Thread-safe: every method may be called concurrently (the store is).
// Inputs are assumed to be well-formed JSON already (the HTTP layer parses);
// field-level rules are checked here.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "documents/caller.h"
#include "documents/live.h"
#include "storage/store.h"

namespace tandem::documents {

// A change of document metadata, for live clients.
struct MetaEvent {
  enum class Kind { created, updated, deleted };
  Kind kind = Kind::updated;
  std::string workspace_id;
  std::string document_id;
  std::string title;
  std::vector<std::string> tags;
  std::string user_id;  // who made the change
  std::int64_t version = 0;
};

struct ServiceOptions {
  std::size_t max_content_bytes = 1u << 20;  // serialized content limit, bytes
  // Called after a document is durably created, changed (title, tags) or
  // deleted, on the request's thread.
  std::function<void(const MetaEvent&)> on_meta;
};

struct CreateDocument {
  std::string title;
  std::optional<std::string> content_json;  // a serialized JSON object; default "{}"
  std::vector<std::string> tags;
};

class Service {
 public:
  Service(storage::Store& store, ServiceOptions options);

  // Records the caller's name and email when they are new or changed.
  Status remember_caller(const Caller& caller);

  Result<storage::WorkspaceMembership> create_workspace(const Caller& caller, const std::string& name);
  Result<std::vector<storage::WorkspaceMembership>> list_workspaces(const Caller& caller);
  Result<std::vector<storage::Member>> list_members(const Caller& caller, const std::string& workspace_id);
  Result<storage::Member> put_member(const Caller& caller, const std::string& workspace_id,
                                     const std::string& user_id, Role role);
  Status remove_member(const Caller& caller, const std::string& workspace_id, const std::string& user_id);

  Result<storage::Document> create_document(const Caller& caller, const std::string& workspace_id,
                                            CreateDocument input);
  Result<storage::DocumentPage> list_documents(const Caller& caller, storage::ListQuery query);
  // The document, or at `version` when given (only the current version until
  // the op log exists).
  Result<storage::Document> get_document(const Caller& caller, const std::string& document_id,
                                         std::optional<std::int64_t> version);
  Result<storage::Document> update_document(const Caller& caller, const std::string& document_id,
                                            storage::DocumentMetaUpdate update);
  Status delete_document(const Caller& caller, const std::string& document_id);

  Result<storage::SearchPage> search(const Caller& caller, storage::SearchQuery query);

  // Connects the live-editing pipeline; without it documents have no ops.
  // Call once before serving.
  void attach_live(LiveDocuments* live) { live_ = live; }

  // not_found for an unknown or deleted document, forbidden unless the
  // caller is an editor or owner of its workspace. Submitting checks this
  // too; callers use it to report access errors before input errors.
  Status check_can_edit(const Caller& caller, const std::string& document_id);

  // Submits an op as an editor. `done` runs exactly once, from any thread.
  void submit_op(const Caller& caller, SubmitRequest request, SubmitDone done);

  // Restores the content of `version` with one op that replaces each
  // changed top-level key, submitted like any other op, so the restore is
  // itself in the history, broadcast and undoable.
  void restore_version(const Caller& caller, const std::string& document_id, std::int64_t version,
                       SubmitDone done);

  // Committed ops with from < version <= to (to defaults to the newest),
  // oldest first, at most `limit`.
  Result<std::vector<storage::OpRecord>> list_ops(const Caller& caller, const std::string& document_id,
                                                  std::int64_t from, std::optional<std::int64_t> to, int limit);

  // Role of the caller in the workspace, checked against `minimum`:
  // not_found for an unknown workspace, forbidden for non-members and for
  // roles below `minimum`.
  Result<Role> authorize(const Caller& caller, const std::string& workspace_id, Role minimum);

 private:
  void notify(MetaEvent::Kind kind, const storage::Document& document, const Caller& caller);
  Result<storage::Document> find_authorized(const Caller& caller, const std::string& document_id,
                                            Role minimum);
  storage::Store& store_;
  ServiceOptions options_;
  LiveDocuments* live_ = nullptr;

  std::mutex known_users_mutex_;
  // user id -> "name\nemail" last written, so the common case needs no write.
  std::unordered_map<std::string, std::string> known_users_;
};

}  // namespace tandem::documents
