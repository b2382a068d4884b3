// Full-text search. docs/search.md explains the design; in short:
// - document_search rowids follow update order, so newest first is a
//   descending rowid scan that FTS5 stops early;
// - the workspace and tags are tokens of the meta column, so their filter is
//   part of the FTS5 query instead of a join over every match;
// - each search evaluates its FTS5 query once (page and capped total from the
//   same scan), because evaluating a prefix term builds its whole posting list;
// - relevance ranks a bounded set of candidates with tandem_rank (rank.h);
// - snippets are built from the stored text (search/snippet.h).
#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "search/query.h"
#include "search/snippet.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

// Extra title matches considered by relevance sort beyond the newest matches.
constexpr std::int64_t kTitleCandidates = 200;

Status validate(const SearchQuery& query) {
  if (query.limit < 1 || query.limit > kMaxSearchLimit) {
    return fail(ErrorCode::invalid_request, fmt::format("limit {} is out of range: use 1 to {}",
                                                        query.limit, kMaxSearchLimit));
  }
  if (query.offset < 0 || query.offset > kMaxSearchOffset) {
    return fail(ErrorCode::invalid_request,
                fmt::format("offset {} is out of range: use 0 to {}", query.offset,
                            kMaxSearchOffset));
  }
  return {};
}

struct Candidate {
  std::int64_t rowid = 0;
  double score = 0;  // tandem_rank: lower is better
};

// Reads up to `limit` matches of `match`, newest first, with their scores
// when `ranked`.
Result<std::vector<Candidate>> scan_matches(Connection& connection, const std::string& match,
                                            std::int64_t limit, bool ranked) {
  auto query = connection.prepare(
      ranked ? "SELECT rowid, tandem_rank(document_search) FROM document_search "
               "WHERE document_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2"
             : "SELECT rowid, 0 FROM document_search "
               "WHERE document_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2");
  if (!query) {
    return std::unexpected(query.error());
  }
  query->bind(1, match).bind(2, limit);
  std::vector<Candidate> candidates;
  for (;;) {
    Result<bool> row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return candidates;
    }
    candidates.push_back({query->integer(0), query->real(1)});
  }
}

// Sets total from the number of matches scanned, capped at kSearchTotalCap.
void set_total(std::size_t scanned, SearchPage& page) {
  const auto counted = static_cast<std::int64_t>(scanned);
  page.total = std::min(counted, kSearchTotalCap);
  page.total_is_exact = counted <= kSearchTotalCap;
}

// Builds the hit for one index row: document fields plus a snippet from the
// body, or from the title when only the title matched.
Result<std::optional<SearchHit>> load_hit(Connection& connection, std::int64_t rowid,
                                          const search::QueryTerms& terms) {
  auto query = connection.prepare(
      "SELECT d.id, d.title, d.tags, d.updated_at, s.title, s.body "
      "FROM documents d JOIN document_search s ON s.rowid = d.search_rowid "
      "WHERE d.search_rowid = ?1");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, rowid).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<SearchHit>();
  }
  Result<std::vector<std::string>> tags = parse_tags(query->text(2));
  if (!tags) {
    return std::unexpected(tags.error());
  }

  SearchHit hit{query->text(0), query->text(1), {}, std::move(*tags), query->integer(3)};
  // Escaping turns every `<` of the text into `&lt;`, so "<mark>" in a
  // snippet can only be a match marker.
  hit.snippet = search::make_snippet(query->text(5), terms);
  if (hit.snippet.find("<mark>") == std::string::npos) {
    std::string title_snippet = search::make_snippet(query->text(4), terms);
    if (title_snippet.find("<mark>") != std::string::npos) {
      hit.snippet = std::move(title_snippet);
    }
  }
  return std::optional<SearchHit>(std::move(hit));
}

Result<SearchPage> load_page(Connection& connection, const std::vector<Candidate>& ordered,
                             const SearchQuery& query, const search::QueryTerms& terms) {
  SearchPage page;
  const std::size_t first = std::min(ordered.size(), static_cast<std::size_t>(query.offset));
  const std::size_t last = std::min(ordered.size(), first + static_cast<std::size_t>(query.limit));
  for (std::size_t i = first; i < last; ++i) {
    Result<std::optional<SearchHit>> hit = load_hit(connection, ordered[i].rowid, terms);
    if (!hit) {
      return std::unexpected(hit.error());
    }
    if (hit->has_value()) {
      page.results.push_back(std::move(**hit));
    }
  }
  return page;
}

}  // namespace

Result<SearchPage> SqliteStore::search(const SearchQuery& query) {
  Status valid = validate(query);
  if (!valid) {
    return std::unexpected(valid.error());
  }
  const std::string expression = search::build_match_expression(query.text);
  if (expression.empty()) {
    return SearchPage{};
  }
  const std::string* tag = query.tag ? &*query.tag : nullptr;
  const std::string match = search::build_filtered_query(query.workspace_id, tag, expression);

  Result<SearchPage> page = readers_->with_snapshot([&](Connection& connection) {
    if (query.sort == SearchSort::relevance) {
      const std::string title_match =
          search::build_title_query(query.workspace_id, tag, expression);
      return search_by_relevance(connection, match, title_match, query);
    }
    return search_by_recency(connection, match, query);
  });
  if (!page) {
    // The query builder only emits valid syntax, so this is a bug or a
    // storage fault, never the user's text: log it with the query.
    spdlog::error("storage: search in workspace {} for {:?} failed: {}", query.workspace_id,
                  query.text, page.error().message);
  }
  return page;
}

Result<SearchPage> SqliteStore::search_by_recency(Connection& connection,
                                                  const std::string& match,
                                                  const SearchQuery& query) {
  // One scan gives both the page and the capped total.
  const std::int64_t scan = std::max<std::int64_t>(kSearchTotalCap + 1,
                                                   std::int64_t{query.offset} + query.limit);
  Result<std::vector<Candidate>> matches = scan_matches(connection, match, scan, false);
  if (!matches) {
    return std::unexpected(matches.error());
  }
  Result<SearchPage> page =
      load_page(connection, *matches, query, search::query_terms(query.text));
  if (page) {
    set_total(matches->size(), *page);
  }
  return page;
}

Result<SearchPage> SqliteStore::search_by_relevance(Connection& connection,
                                                    const std::string& match,
                                                    const std::string& title_match,
                                                    const SearchQuery& query) {
  // Candidates: the newest kRelevanceCandidates matches (which also give the
  // total) and, when there are more, the newest title matches, so an old
  // document whose title matches still competes.
  Result<std::vector<Candidate>> candidates =
      scan_matches(connection, match, kRelevanceCandidates + 1, true);
  if (!candidates) {
    return std::unexpected(candidates.error());
  }
  const std::size_t scanned = candidates->size();
  if (scanned > static_cast<std::size_t>(kRelevanceCandidates)) {
    Result<std::vector<Candidate>> titles =
        scan_matches(connection, title_match, kTitleCandidates, true);
    if (!titles) {
      return std::unexpected(titles.error());
    }
    std::unordered_set<std::int64_t> seen;
    for (const Candidate& candidate : *candidates) {
      seen.insert(candidate.rowid);
    }
    for (const Candidate& candidate : *titles) {
      if (seen.insert(candidate.rowid).second) {
        candidates->push_back(candidate);
      }
    }
  }

  std::sort(candidates->begin(), candidates->end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score < b.score : a.rowid > b.rowid;
  });
  Result<SearchPage> page =
      load_page(connection, *candidates, query, search::query_terms(query.text));
  if (page) {
    set_total(scanned, *page);
  }
  return page;
}

}  // namespace tandem::storage::sqlite
