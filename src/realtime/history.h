// Channel history: the stream of publications behind recovery and the
// `history` command. Pluggable per namespace, so that document channels can
// serve their op log (offset = document version, stable epoch) while other
// namespaces keep a bounded in-memory stream.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "realtime/options.h"
#include "realtime/types.h"

namespace tandem::realtime {

struct HistoryQuery {
  std::optional<StreamPosition> since;  // return publications after since.offset
  std::size_t limit = 0;                // max publications; 0: only the top position
  bool reverse = false;                 // newest first
  std::int64_t now_unix_ms = 0;         // for TTL expiry
};

struct HistoryResult {
  std::vector<Publication> publications;
  StreamPosition top;
};

// Implementations must be thread-safe. The engine calls append() and read()
// while holding the channel's lock, so that offsets, live delivery and
// recovery agree; keep both short (a SQLite read is acceptable).
class HistorySource {
 public:
  virtual ~HistorySource() = default;

  // Stores `pub` (or, for a source that owns numbering, only takes note of it)
  // and sets pub.offset. On entry pub.offset is PublishOptions::offset, or
  // 0 when the caller gave none. Returns the new top position.
  virtual Result<StreamPosition> append(std::string_view channel, Publication& pub,
                                        const NamespaceOptions& ns) = 0;

  // Reads publications and the top position. A since.epoch different from
  // the stream's epoch is not an error here: callers compare epochs.
  virtual Result<HistoryResult> read(std::string_view channel, const HistoryQuery& query,
                                     const NamespaceOptions& ns) = 0;

  // Drops stored publications but keeps the top position and epoch.
  virtual Status remove(std::string_view channel) = 0;
};

// In-memory streams bounded by the namespace's history_size and history_ttl_s.
// Each stream gets a random 8-character epoch when first used, so a restart
// changes every epoch and clients see recovered=false.
class MemoryHistory final : public HistorySource {
 public:
  Result<StreamPosition> append(std::string_view channel, Publication& pub,
                                const NamespaceOptions& ns) override;
  Result<HistoryResult> read(std::string_view channel, const HistoryQuery& query,
                             const NamespaceOptions& ns) override;
  Status remove(std::string_view channel) override;

 private:
  struct Stream {
    std::string epoch;
    std::uint64_t top = 0;
    std::deque<Publication> pubs;  // oldest first, contiguous offsets
  };

  Stream& stream(std::string_view channel);
  static void trim(Stream& s, const NamespaceOptions& ns, std::int64_t now_unix_ms);

  std::mutex mutex_;
  // NOTE: stream positions are kept for the life of the process (Centrifugo
  // keeps them for history_meta_ttl, 30 days by default); publications are
  // trimmed by size and TTL.
  std::unordered_map<std::string, Stream> streams_;
};

}  // namespace tandem::realtime
