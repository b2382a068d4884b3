#include "documents/live.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "events/derive.h"
#include "events/event.h"

namespace tandem::documents {
namespace json = boost::json;

// One op in a document's recent history: committed, or in flight to the store.
struct LiveDocuments::Entry {
  storage::OpRecord record;
  ot::Op op;
  bool has_snapshot = false;
  // Written under Document::durable_mutex; atomic so the head side can read
  // it while trimming the window.
  std::atomic<bool> durable{false};
  bool failed = false;
  std::vector<SubmitDone> waiters;  // the submitter, then resubmissions made while in flight
  std::vector<events::Target> targets;  // notification targets before the membership filter
  std::size_t event_count = 0;          // outbox events committed with the op
};

struct LiveDocuments::Document {
  std::string id;

  // Head state: everything accepted, including ops still in flight.
  std::mutex mutex;
  bool loaded = false;
  std::string workspace_id;
  json::value head;
  std::int64_t head_version = 0;
  // Serialized size of `head`, measured at load and kept up to date with an
  // estimate per op (JSON escaping is not counted).
  std::int64_t head_bytes = 0;
  std::deque<std::shared_ptr<Entry>> recent;  // ascending versions
  // The same entries by idempotency key, so a resubmission is found without a scan.
  std::unordered_map<std::string, std::shared_ptr<Entry>> recent_by_key;
  // Highest seq per client_id known to be logged or accepted, loaded from the
  // store on a client's first submit. A seq above it is new, so the common
  // submit skips the op-log lookup. Cleared when it grows past a bound.
  std::unordered_map<std::string, std::int64_t> max_seq_by_client;

  // Written by store completions on the writer thread.
  std::mutex durable_mutex;
  std::int64_t durable_version = 0;

  std::atomic<bool> broken{false};         // a commit failed: memory is ahead of the disk
  std::atomic<bool> deleted{false};        // deleted through the service; never reloaded
  std::atomic<std::int64_t> snapshot_version{0};
  std::atomic<bool> reindex_scheduled{false};
  std::atomic<std::int64_t> pruned_below{0};  // history before this version was dropped
};

namespace {

// Bound on max_seq_by_client entries per document; past it the map starts over.
constexpr std::size_t kMaxTrackedClients = 10000;

std::unexpected<Error> invalid_operation(const ot::Error& error) {
  return fail(ErrorCode::invalid_operation,
              fmt::format("invalid op ({}): {}", ot::code_name(error.code), error.message));
}

Status check_request(const SubmitRequest& request, const LiveOptions& options) {
  if (request.client_id.empty() || request.client_id.size() > options.max_client_id_bytes) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'client_id': expected 1 to {} bytes", options.max_client_id_bytes));
  }
  if (request.seq < 0) {
    return fail(ErrorCode::invalid_request, fmt::format("invalid field 'seq' {}: expected 0 or more", request.seq));
  }
  if (request.base_version < 0) {
    return fail(ErrorCode::invalid_request,
                fmt::format("invalid field 'version' {}: expected 0 or more", request.base_version));
  }
  if (!request.op.is_array()) {
    return fail(ErrorCode::invalid_request, "invalid field 'op': expected a json0 op (an array of components)");
  }
  if (request.op.as_array().size() > options.max_op_components) {
    return fail(ErrorCode::payload_too_large,
                fmt::format("op has {} components, more than the limit of {}", request.op.as_array().size(),
                            options.max_op_components));
  }
  return {};
}

std::string idempotency_key(const std::string& client_id, std::int64_t seq) {
  return fmt::format("{}\n{}", client_id, seq);
}

SubmitResult result_of(const storage::OpRecord& record, bool duplicate) {
  return {record.version, record.op_json, duplicate};
}

Result<ot::Op> parse_logged_op(const storage::OpRecord& record) {
  boost::system::error_code ec;
  json::value value = json::parse(record.op_json, ec);
  if (ec) {
    return fail(ErrorCode::internal, fmt::format("logged op {}@{} is not JSON", record.document_id, record.version));
  }
  auto op = ot::parse_op(value);
  if (!op) {
    return fail(ErrorCode::internal, fmt::format("logged op {}@{} does not parse: {}", record.document_id,
                                                 record.version, op.error().message));
  }
  return std::move(*op);
}

// Applies logged ops to `content`, which is at `from_version`.
Status replay(storage::Store& store, const std::string& document_id, json::value& content,
              std::int64_t from_version, std::int64_t to_version) {
  std::int64_t version = from_version;
  while (version < to_version) {
    auto ops = store.list_ops(document_id, version, to_version, 1000);
    if (!ops) return std::unexpected(ops.error());
    if (ops->empty() || ops->front().version != version + 1) {
      return fail(ErrorCode::internal,
                  fmt::format("op log of {} has no op for version {}", document_id, version + 1));
    }
    for (const storage::OpRecord& record : *ops) {
      auto op = parse_logged_op(record);
      if (!op) return std::unexpected(op.error());
      if (auto applied = ot::apply(content, *op); !applied) {
        return fail(ErrorCode::internal, fmt::format("logged op {}@{} does not apply: {}", document_id,
                                                     record.version, applied.error().message));
      }
      version = record.version;
    }
  }
  return {};
}

std::int64_t serialized_size(const std::optional<json::value>& value) {
  return value ? static_cast<std::int64_t>(json::serialize(*value).size()) : 0;
}

// Estimates how many bytes `op` adds to the serialized document.
std::int64_t size_change(const ot::Op& op) {
  std::int64_t change = 0;
  for (const ot::Component& c : op) {
    change += serialized_size(c.li) + serialized_size(c.oi) - serialized_size(c.ld) - serialized_size(c.od);
    if (c.si) change += static_cast<std::int64_t>(c.si->utf8.size());
    if (c.sd) change -= static_cast<std::int64_t>(c.sd->utf8.size());
    for (const ot::TextComponent& text : c.o) {
      std::int64_t bytes = static_cast<std::int64_t>(text.text.utf8.size());
      change += text.insert ? bytes : -bytes;
    }
  }
  return change;
}

Result<json::value> parse_content(const std::string& text, const std::string& document_id) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return fail(ErrorCode::internal, fmt::format("stored content of {} is not JSON", document_id));
  return value;
}

}  // namespace

LiveDocuments::LiveDocuments(storage::Store& store, boost::asio::io_context& io, LiveOptions options,
                             std::function<void(const CommittedOp&)> on_committed)
    : store_(store), io_(io), options_(options), on_committed_(std::move(on_committed)) {}

LiveDocuments::~LiveDocuments() = default;

std::shared_ptr<LiveDocuments::Document> LiveDocuments::document(const std::string& id) {
  {
    std::shared_lock lock(documents_mutex_);
    auto found = documents_.find(id);
    if (found != documents_.end()) return found->second;
  }
  std::unique_lock lock(documents_mutex_);
  auto& slot = documents_[id];
  if (!slot) {
    slot = std::make_shared<Document>();
    slot->id = id;
  }
  return slot;
}

Status LiveDocuments::load(Document& document) {
  auto stored = store_.find_document(document.id);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fail(ErrorCode::not_found, fmt::format("document {} not found", document.id));

  auto content = parse_content((*stored)->content_json, document.id);
  if (!content) return std::unexpected(content.error());
  if (auto replayed = replay(store_, document.id, *content, (*stored)->content_version, (*stored)->version);
      !replayed) {
    return replayed;
  }

  document.workspace_id = (*stored)->workspace_id;
  document.head = std::move(*content);
  document.head_bytes = static_cast<std::int64_t>(json::serialize(document.head).size());
  document.head_version = (*stored)->version;
  document.recent.clear();
  document.recent_by_key.clear();
  document.snapshot_version = (*stored)->content_version;
  {
    std::lock_guard lock(document.durable_mutex);
    document.durable_version = (*stored)->version;
  }
  document.loaded = true;
  document.broken = false;
  return {};
}

Status LiveDocuments::ensure_loaded(Document& document) {
  if (document.deleted) return fail(ErrorCode::not_found, fmt::format("document {} not found", document.id));

  // After a failed commit the head is ahead of the disk: start again from
  // what the store has.
  if (document.broken.exchange(false)) {
    spdlog::warn("document {}: reloading from storage after a failed commit", document.id);
    document.loaded = false;
  }
  if (document.loaded) return {};
  return load(document);
}

Result<std::string> LiveDocuments::workspace_of(const std::string& document_id) {
  auto live = document(document_id);
  std::unique_lock lock(live->mutex);
  if (auto status = ensure_loaded(*live); !status) {
    lock.unlock();
    forget_unknown(document_id, status.error());
    return std::unexpected(status.error());
  }
  return live->workspace_id;
}

void LiveDocuments::forget_unknown(const std::string& document_id, const Error& error) {
  // Ids that name no stored document must not accumulate in memory.
  if (error.code != ErrorCode::not_found) return;
  std::unique_lock lock(documents_mutex_);
  auto found = documents_.find(document_id);
  if (found == documents_.end()) return;
  std::lock_guard document_lock(found->second->mutex);
  if (!found->second->loaded && !found->second->deleted) documents_.erase(found);
}

void LiveDocuments::mark_deleted(const std::string& document_id) {
  document(document_id)->deleted = true;
}

Result<std::int64_t> LiveDocuments::durable_version(const std::string& document_id) {
  auto live = document(document_id);
  {
    std::unique_lock lock(live->mutex);
    if (auto status = ensure_loaded(*live); !status) {
      lock.unlock();
      forget_unknown(document_id, status.error());
      return std::unexpected(status.error());
    }
  }
  std::lock_guard lock(live->durable_mutex);
  return live->durable_version;
}

Result<std::int64_t> LiveDocuments::known_max_seq(Document& document, const std::string& client_id) {
  auto known = document.max_seq_by_client.find(client_id);
  if (known != document.max_seq_by_client.end()) return known->second;

  if (document.max_seq_by_client.size() >= kMaxTrackedClients) document.max_seq_by_client.clear();
  auto logged = store_.max_op_seq(document.id, client_id);
  if (!logged) return std::unexpected(logged.error());
  std::int64_t max_seq = logged->value_or(-1);
  document.max_seq_by_client.emplace(client_id, max_seq);
  return max_seq;
}

bool LiveDocuments::handle_duplicate(Document& document, const SubmitRequest& request, SubmitDone& done) {
  auto found = document.recent_by_key.find(idempotency_key(request.client_id, request.seq));
  if (found != document.recent_by_key.end()) {
    const auto& entry = found->second;

    std::unique_lock lock(document.durable_mutex);
    if (entry->failed) return false;
    if (!entry->durable) {
      entry->waiters.push_back([done = std::move(done)](Result<SubmitResult> result) {
        if (result) result->duplicate = true;
        done(std::move(result));
      });
      return true;
    }
    lock.unlock();
    done(result_of(entry->record, true));
    return true;
  }

  auto max_seq = known_max_seq(document, request.client_id);
  if (!max_seq) {
    done(std::unexpected(max_seq.error()));
    return true;
  }
  if (request.seq > *max_seq) return false;

  auto logged = store_.find_op(document.id, request.client_id, request.seq);
  if (!logged) {
    done(std::unexpected(logged.error()));
    return true;
  }
  if (*logged) {
    done(result_of(**logged, true));
    return true;
  }
  return false;
}

Result<std::vector<std::shared_ptr<LiveDocuments::Entry>>> LiveDocuments::ops_since(Document& document,
                                                                                    std::int64_t base_version) {
  std::vector<std::shared_ptr<Entry>> ops;
  if (base_version == document.head_version) return ops;

  // Ops older than the in-memory window come from the log.
  std::int64_t first_in_memory = document.recent.empty() ? document.head_version + 1
                                                         : document.recent.front()->record.version;
  if (base_version + 1 < first_in_memory) {
    auto logged = store_.list_ops(document.id, base_version, first_in_memory - 1,
                                  static_cast<int>(first_in_memory - 1 - base_version));
    if (!logged) return std::unexpected(logged.error());
    if (static_cast<std::int64_t>(logged->size()) != first_in_memory - 1 - base_version) {
      Error error{ErrorCode::version_conflict,
                  fmt::format("version {} is older than the retained op history of document {}; fetch the "
                              "document again",
                              base_version, document.id),
                  document.head_version};
      return std::unexpected(error);
    }
    for (storage::OpRecord& record : *logged) {
      auto op = parse_logged_op(record);
      if (!op) return std::unexpected(op.error());
      auto entry = std::make_shared<Entry>();
      entry->record = std::move(record);
      entry->op = std::move(*op);
      ops.push_back(std::move(entry));
    }
  }
  // The window contains contiguous versions, so the first op after the base is
  // found by position instead of a scan.
  if (!document.recent.empty()) {
    std::int64_t skip = std::max<std::int64_t>(0, base_version + 1 - first_in_memory);
    ops.insert(ops.end(), document.recent.begin() + skip, document.recent.end());
  }
  return ops;
}

Result<std::shared_ptr<LiveDocuments::Entry>> LiveDocuments::transform_and_apply(Document& document,
                                                                                 const Caller& caller,
                                                                                 SubmitRequest& request,
                                                                                 ot::Op op) {
  if (request.base_version > document.head_version) {
    return std::unexpected(Error{ErrorCode::version_conflict,
                                 fmt::format("version {} is ahead of document {}, which is at version {}",
                                             request.base_version, document.id, document.head_version),
                                 document.head_version});
  }

  auto concurrent = ops_since(document, request.base_version);
  if (!concurrent) return std::unexpected(concurrent.error());
  for (const auto& other : *concurrent) {
    auto transformed = ot::transform(op, other->op, ot::Side::left);
    if (!transformed) return invalid_operation(transformed.error());
    op = std::move(*transformed);
  }

  std::int64_t new_bytes = document.head_bytes + size_change(op);
  if (new_bytes > static_cast<std::int64_t>(options_.max_content_bytes)) {
    return fail(ErrorCode::payload_too_large,
                fmt::format("op would grow document {} to about {} bytes, more than the limit of {} bytes",
                            document.id, new_bytes, options_.max_content_bytes));
  }

  // Applying validates everything and leaves the head untouched on error.
  // The targets are measured on the op as applied, against the pre-op head.
  auto targets = events::apply_and_derive(document.head, op);
  if (!targets) return invalid_operation(targets.error());
  document.head_bytes = new_bytes;

  auto entry = std::make_shared<Entry>();
  entry->targets = std::move(*targets);
  entry->record = {document.id, document.head_version + 1, json::serialize(ot::to_json(op)), caller.user_id,
                   request.client_id, request.seq, now_unix_ms()};
  entry->op = std::move(op);
  document.head_version = entry->record.version;
  return entry;
}

void LiveDocuments::submit(const Caller& caller, SubmitRequest request, SubmitDone done) {
  if (auto status = check_request(request, options_); !status) {
    done(std::unexpected(status.error()));
    return;
  }
  std::size_t op_bytes = json::serialize(request.op).size();
  if (op_bytes > options_.max_op_bytes) {
    done(fail(ErrorCode::payload_too_large,
              fmt::format("op is {} bytes, more than the limit of {} bytes", op_bytes, options_.max_op_bytes)));
    return;
  }
  auto op = ot::parse_op(request.op);
  if (!op) {
    done(invalid_operation(op.error()));
    return;
  }

  auto live = document(request.document_id);
  std::unique_lock lock(live->mutex);
  if (auto status = ensure_loaded(*live); !status) {
    lock.unlock();
    done(std::unexpected(status.error()));
    return;
  }
  if (handle_duplicate(*live, request, done)) return;

  auto entry = transform_and_apply(*live, caller, request, std::move(*op));
  if (!entry) {
    lock.unlock();
    done(std::unexpected(entry.error()));
    return;
  }
  auto events = notification_events(*live, **entry);
  if (!events) {
    // Take the op back out of the head; the inverse of an applied op applies.
    (void)ot::apply(live->head, ot::invert((*entry)->op));
    live->head_version -= 1;
    live->head_bytes -= size_change((*entry)->op);
    lock.unlock();
    done(std::unexpected(events.error()));
    return;
  }
  (*entry)->event_count = events->size();

  (*entry)->waiters.push_back(std::move(done));
  live->recent.push_back(*entry);
  live->recent_by_key[idempotency_key(request.client_id, request.seq)] = *entry;
  // Absent means not loaded yet: the next lookup reads the log, which by
  // then contains this op or still has it in `recent`.
  if (auto known = live->max_seq_by_client.find(request.client_id); known != live->max_seq_by_client.end()) {
    known->second = std::max(known->second, request.seq);
  }
  while (live->recent.size() > options_.recent_ops && live->recent.front()->durable) {
    const storage::OpRecord& oldest = live->recent.front()->record;
    live->recent_by_key.erase(idempotency_key(oldest.client_id, oldest.seq));
    live->recent.pop_front();
  }

  storage::OpCommit commit{(*entry)->record, std::nullopt, std::move(*events)};
  if ((*entry)->record.version % options_.snapshot_interval == 0) {
    commit.snapshot_json = json::serialize(live->head);
    (*entry)->has_snapshot = true;
  }

  // Queued while holding the document's mutex, so the store receives this
  // document's versions in order. Completions never take this mutex, so a
  // full writer queue cannot deadlock with them.
  store_.commit_op(std::move(commit), [this, live, entry = *entry](const Status& status) {
    on_durable(live, entry, status);
  });
}

Result<std::vector<storage::OutboxEvent>> LiveDocuments::notification_events(Document& document,
                                                                            const Entry& entry) {
  std::vector<events::Target> targets;
  for (const events::Target& target : entry.targets) {
    if (target.user_id == entry.record.user_id) continue;
    auto role = store_.member_role(document.workspace_id, target.user_id);
    if (!role) {
      return fail(ErrorCode::internal, fmt::format("document {}: checking membership of {} failed: {}", document.id,
                                                   target.user_id, role.error().message));
    }
    if (role->has_value()) targets.push_back(target);
  }
  if (targets.empty()) return std::vector<storage::OutboxEvent>{};

  auto stored = store_.find_document(document.id);
  if (!stored) return std::unexpected(stored.error());
  std::string title = *stored ? (*stored)->title : std::string();
  return events::build_events(targets, {document.workspace_id, document.id, std::move(title), entry.record.user_id,
                                        entry.record.version, entry.record.created_at});
}

void LiveDocuments::on_durable(const std::shared_ptr<Document>& document, const std::shared_ptr<Entry>& entry,
                               const Status& status) {
  std::vector<SubmitDone> waiters;
  {
    std::lock_guard lock(document->durable_mutex);
    if (status) {
      entry->durable = true;
      document->durable_version = entry->record.version;
    } else {
      entry->failed = true;
    }
    waiters.swap(entry->waiters);
  }

  if (!status) {
    document->broken = true;
    spdlog::error("document {}: commit of version {} failed: {}", document->id, entry->record.version,
                  status.error().message);
    for (auto& waiter : waiters) waiter(std::unexpected(status.error()));
    return;
  }

  if (entry->has_snapshot) document->snapshot_version = entry->record.version;
  for (auto& waiter : waiters) waiter(result_of(entry->record, false));
  if (on_committed_) on_committed_({document->workspace_id, entry->record, entry->event_count});
  schedule_reindex(document);
}

void LiveDocuments::schedule_reindex(const std::shared_ptr<Document>& document) {
  if (document->reindex_scheduled.exchange(true)) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, options_.reindex_delay);
  timer->async_wait([this, timer, document](boost::system::error_code ec) {
    if (ec) return;
    reindex(document);
  });
}

void LiveDocuments::reindex(const std::shared_ptr<Document>& document) {
  std::string content;
  {
    std::lock_guard lock(document->mutex);
    std::int64_t durable = 0;
    {
      std::lock_guard durable_lock(document->durable_mutex);
      durable = document->durable_version;
    }
    // Index only durable content: with ops still in flight, try again later.
    if (durable != document->head_version) {
      document->reindex_scheduled = false;
      schedule_reindex(document);
      return;
    }
    content = json::serialize(document->head);
    document->reindex_scheduled = false;
  }

  if (auto status = store_.reindex_document(document->id, content); !status) {
    if (status.error().code != ErrorCode::not_found) {
      spdlog::error("document {}: search reindex failed: {}", document->id, status.error().message);
    }
  }
  prune(document);
}

void LiveDocuments::prune(const std::shared_ptr<Document>& document) {
  if (options_.retained_ops <= 0) return;
  std::int64_t durable = 0;
  {
    std::lock_guard lock(document->durable_mutex);
    durable = document->durable_version;
  }

  // Pruning runs at most once per snapshot interval of new history.
  std::int64_t keep_from = durable - options_.retained_ops;
  if (keep_from <= document->pruned_below + options_.snapshot_interval) return;
  if (auto status = store_.prune_history(document->id, keep_from); !status) {
    if (status.error().code != ErrorCode::not_found) {
      spdlog::error("document {}: pruning history below version {} failed: {}", document->id, keep_from,
                    status.error().message);
    }
    return;
  }
  document->pruned_below = keep_from;
}

Result<storage::Document> LiveDocuments::read(const std::string& document_id,
                                              std::optional<std::int64_t> version) {
  auto stored = store_.find_document(document_id);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fail(ErrorCode::not_found, fmt::format("document {} not found", document_id));
  return read(std::move(**stored), version);
}

Result<storage::Document> LiveDocuments::read(storage::Document stored, std::optional<std::int64_t> version) {
  storage::Document result = std::move(stored);
  const std::string document_id = result.id;

  std::int64_t target = version.value_or(result.version);
  if (target > result.version) {
    return fail(ErrorCode::not_found, fmt::format("document {} has no version {}; the current version is {}",
                                                  document_id, target, result.version));
  }

  storage::Snapshot base{result.content_version, std::move(result.content_json)};
  if (target < base.version) {
    auto older = store_.find_snapshot(document_id, target);
    if (!older) return std::unexpected(older.error());
    if (!*older) {
      return fail(ErrorCode::not_found,
                  fmt::format("version {} of document {} is older than the retained history", target, document_id));
    }
    base = std::move(**older);
  }

  auto content = parse_content(base.content_json, document_id);
  if (!content) return std::unexpected(content.error());
  if (auto replayed = replay(store_, document_id, *content, base.version, target); !replayed) {
    return std::unexpected(replayed.error());
  }
  result.content_json = json::serialize(*content);
  result.content_version = target;
  result.version = target;
  return result;
}

void LiveDocuments::flush_snapshots() {
  std::vector<std::shared_ptr<Document>> documents;
  {
    std::shared_lock lock(documents_mutex_);
    for (auto& [id, document] : documents_) documents.push_back(document);
  }

  for (const auto& document : documents) {
    std::lock_guard lock(document->mutex);
    if (!document->loaded || document->broken || document->deleted) continue;
    std::int64_t durable = 0;
    {
      std::lock_guard durable_lock(document->durable_mutex);
      durable = document->durable_version;
    }
    if (durable != document->head_version || durable <= document->snapshot_version) continue;

    auto status = store_.save_snapshot(document->id, {durable, json::serialize(document->head)});
    if (!status) {
      spdlog::error("document {}: snapshot at version {} failed: {}", document->id, durable, status.error().message);
      continue;
    }
    document->snapshot_version = durable;
  }
}

}  // namespace tandem::documents
