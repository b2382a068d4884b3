// The commit pipeline of live editing. Each document has its own state and
// mutex, so one document's ops are strictly ordered while different
// documents commit in parallel. The only shared lock guards the map from id
// to document, and it is held for a lookup only.
//
// An op goes through: dedup by (client_id, seq), version check, transform
// against every op committed after its base version (the incoming op on the
// left side, as ShareDB's server does), validating apply, then the store's
// group-commit writer. The submitter's callback and `on_committed` run only
// after the commit is durable, in version order per document. Notification
// events (mentions, assignments; see events/derive.h) are derived while the
// op is applied and committed in the same transaction as the op.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"
#include "documents/caller.h"
#include "ot/json0.h"
#include "storage/store.h"

namespace tandem::documents {

struct LiveOptions {
  std::int64_t snapshot_interval = 100;      // store a snapshot every N ops
  std::size_t max_op_bytes = 256 * 1024;     // serialized op size limit, bytes
  std::size_t max_op_components = 1000;      // components per op
  std::size_t max_content_bytes = 1u << 20;  // serialized content limit, bytes (estimated per op)
  std::size_t max_client_id_bytes = 64;      // client_id length limit, bytes
  std::size_t recent_ops = 1000;             // ops kept in memory per document for transforms
  std::chrono::milliseconds reindex_delay{300};  // search reindex debounce after an edit
  // Ops of history kept per document, counted back from the newest version;
  // 0 keeps everything. Older ops and snapshots are dropped after edits.
  std::int64_t retained_ops = 0;
};

struct SubmitRequest {
  std::string document_id;
  std::int64_t base_version = 0;
  boost::json::value op;
  std::string client_id;
  std::int64_t seq = 0;
};

struct SubmitResult {
  std::int64_t version = 0;
  std::string op_json;  // the op as applied, after transformation
  bool duplicate = false;  // true when (client_id, seq) was committed before
};

// A durable op, for broadcast.
struct CommittedOp {
  std::string workspace_id;
  storage::OpRecord op;
  std::size_t event_count = 0;  // notification events committed with the op
};

using SubmitDone = std::function<void(Result<SubmitResult>)>;

class LiveDocuments {
 public:
  // `on_committed` runs once per durable op, in version order per document,
  // on the storage writer thread: it must be quick. Reindexing runs on
  // `io`'s threads (timers) and blocks them briefly on a store write.
  LiveDocuments(storage::Store& store, boost::asio::io_context& io, LiveOptions options,
                std::function<void(const CommittedOp&)> on_committed);
  ~LiveDocuments();

  // Submits an op. The caller must already be authorized as an editor.
  // `done` runs exactly once, from any thread. Thread-safe.
  void submit(const Caller& caller, SubmitRequest request, SubmitDone done);

  // The document content at `version` (or the newest durable version),
  // rebuilt from the newest snapshot at or below it plus the op log.
  Result<storage::Document> read(const std::string& document_id, std::optional<std::int64_t> version);

  // As read(), from a document the caller already loaded with find_document.
  Result<storage::Document> read(storage::Document stored, std::optional<std::int64_t> version);

  // The workspace of a stored document (loading it into memory), or not_found.
  Result<std::string> workspace_of(const std::string& document_id);

  // Forgets a deleted document: later submits and reads get not_found, and
  // no snapshot is written for it. Thread-safe.
  void mark_deleted(const std::string& document_id);

  // The newest durable version of a stored document (loading it), or not_found.
  Result<std::int64_t> durable_version(const std::string& document_id);

  // Stores a snapshot of every document whose newest durable version has
  // none yet (at shutdown, after traffic stopped).
  void flush_snapshots();

 private:
  struct Entry;
  struct Document;

  std::shared_ptr<Document> document(const std::string& id);
  Status ensure_loaded(Document& document);
  Status load(Document& document);
  Result<std::vector<std::shared_ptr<Entry>>> ops_since(Document& document, std::int64_t base_version);
  // Handles a resubmission of a logged or pending (client_id, seq): returns
  // true when `done` was called or queued.
  bool handle_duplicate(Document& document, const SubmitRequest& request, SubmitDone& done);
  // The highest seq `client_id` has in this document (-1 for none), from
  // memory or, the first time, from the op log.
  Result<std::int64_t> known_max_seq(Document& document, const std::string& client_id);
  Result<std::shared_ptr<Entry>> transform_and_apply(Document& document, const Caller& caller,
                                                     SubmitRequest& request, ot::Op op);
  // The outbox events of an applied op: targets that are members of the
  // workspace, other than the author.
  Result<std::vector<storage::OutboxEvent>> notification_events(Document& document, const Entry& entry);
  void on_durable(const std::shared_ptr<Document>& document, const std::shared_ptr<Entry>& entry,
                  const Status& status);
  void schedule_reindex(const std::shared_ptr<Document>& document);
  void reindex(const std::shared_ptr<Document>& document);
  void prune(const std::shared_ptr<Document>& document);
  void forget_unknown(const std::string& document_id, const Error& error);

  storage::Store& store_;
  boost::asio::io_context& io_;
  LiveOptions options_;
  std::function<void(const CommittedOp&)> on_committed_;

  // Taken shared for lookups (every submit) and exclusively only to add a
  // document, so submits to different documents do not wait on each other.
  std::shared_mutex documents_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Document>> documents_;
};

}  // namespace tandem::documents
