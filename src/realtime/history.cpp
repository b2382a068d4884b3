#include "realtime/history.h"

#include <algorithm>

#include "core/ids.h"

namespace tandem::realtime {

MemoryHistory::Stream& MemoryHistory::stream(std::string_view channel) {
  auto it = streams_.find(std::string(channel));
  if (it == streams_.end()) {
    it = streams_.emplace(std::string(channel), Stream{random_hex(4), 0, {}}).first;
  }
  return it->second;
}

void MemoryHistory::trim(Stream& s, const NamespaceOptions& ns, std::int64_t now_unix_ms) {
  while (s.pubs.size() > ns.history_size) {
    s.pubs.pop_front();
  }
  std::int64_t oldest_allowed = now_unix_ms - ns.history_ttl_s * 1000;
  while (!s.pubs.empty() && s.pubs.front().time_unix_ms < oldest_allowed) {
    s.pubs.pop_front();
  }
}

Result<StreamPosition> MemoryHistory::append(std::string_view channel, Publication& pub,
                                             const NamespaceOptions& ns) {
  std::lock_guard lock(mutex_);
  Stream& s = stream(channel);
  pub.offset = ++s.top;
  s.pubs.push_back(pub);
  trim(s, ns, pub.time_unix_ms);
  return StreamPosition{s.top, s.epoch};
}

Result<HistoryResult> MemoryHistory::read(std::string_view channel, const HistoryQuery& query,
                                          const NamespaceOptions& ns) {
  std::lock_guard lock(mutex_);
  Stream& s = stream(channel);
  trim(s, ns, query.now_unix_ms);

  HistoryResult result;
  result.top = {s.top, s.epoch};
  if (query.limit == 0) {
    return result;
  }

  // Offsets in the deque are contiguous, so the start index is arithmetic.
  std::uint64_t first_offset = s.pubs.empty() ? s.top + 1 : s.pubs.front().offset;
  std::size_t begin = 0;
  if (query.since) {
    std::uint64_t want = query.since->offset + 1;
    begin = want <= first_offset ? 0 : static_cast<std::size_t>(want - first_offset);
    begin = std::min(begin, s.pubs.size());
  }
  std::size_t end = s.pubs.size();

  if (!query.reverse) {
    std::size_t count = std::min(query.limit, end - begin);
    result.publications.assign(s.pubs.begin() + static_cast<std::ptrdiff_t>(begin),
                               s.pubs.begin() + static_cast<std::ptrdiff_t>(begin + count));
    return result;
  }

  // Reverse: newest first. With `since`, publications before since.offset.
  if (query.since) {
    std::uint64_t below = query.since->offset;
    end = below <= first_offset ? 0 : std::min<std::size_t>(s.pubs.size(), below - first_offset);
    begin = 0;
  }
  for (std::size_t i = end; i > begin && result.publications.size() < query.limit; --i) {
    result.publications.push_back(s.pubs[i - 1]);
  }
  return result;
}

Status MemoryHistory::remove(std::string_view channel) {
  std::lock_guard lock(mutex_);
  stream(channel).pubs.clear();
  return {};
}

}  // namespace tandem::realtime
