// Full-text search. docs/search.md explains the design; in short:
// - document_search rowids follow update order, so newest first is a
//   descending rowid scan that FTS5 stops after offset + limit rows;
// - the workspace and tags are tokens of the meta column, so their filter is
//   part of the FTS5 query instead of a join over every match;
// - relevance ranks only a bounded set of candidates;
// - `total` is counted up to kSearchTotalCap.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "search/query.h"
#include "search/snippet.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

// Snippet and highlight markers are the control characters of search/snippet.h;
// 12 tokens is about one line of text.
constexpr std::string_view kSnippetColumns =
    "snippet(document_search, 1, char(1), char(2), '…', 12), "
    "highlight(document_search, 0, char(1), char(2))";

// Title weight 10, body 1; the meta column (workspace and tag tokens) adds nothing.
constexpr std::string_view kRank = "bm25(document_search, 10.0, 1.0, 0.0)";

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

// Picks the body snippet when the body matched, else the highlighted title.
std::string choose_snippet(const std::string& body_snippet, const std::string& title) {
  if (search::has_match(body_snippet) || !search::has_match(title)) {
    return search::render_snippet(body_snippet);
  }
  return search::render_snippet(title);
}

// Fills id, title, tags and updated_at of a hit from the documents table.
Result<bool> fill_hit(Connection& connection, std::int64_t rowid, SearchHit& hit) {
  auto query = connection.prepare(
      "SELECT id, title, tags, updated_at FROM documents WHERE search_rowid = ?1");
  if (!query) {
    return std::unexpected(query.error());
  }
  Result<bool> row = query->bind(1, rowid).step();
  if (!row || !*row) {
    return row;
  }
  Result<std::vector<std::string>> tags = parse_tags(query->text(2));
  if (!tags) {
    return std::unexpected(tags.error());
  }
  hit.id = query->text(0);
  hit.title = query->text(1);
  hit.tags = std::move(*tags);
  hit.updated_at = query->integer(3);
  return true;
}

// Counts matches, stopping at kSearchTotalCap + 1.
Status count_matches(Connection& connection, const std::string& match, SearchPage& page) {
  auto count = connection.prepare(
      "SELECT count(*) FROM (SELECT 1 FROM document_search WHERE document_search MATCH ?1 "
      "LIMIT ?2)");
  if (!count) {
    return std::unexpected(count.error());
  }
  Result<bool> row = count->bind(1, match).bind(2, kSearchTotalCap + 1).step();
  if (!row) {
    return std::unexpected(row.error());
  }
  const std::int64_t counted = count->integer(0);
  page.total = std::min(counted, kSearchTotalCap);
  page.total_is_exact = counted <= kSearchTotalCap;
  return {};
}

struct Candidate {
  std::int64_t rowid = 0;
  double score = 0;  // bm25: lower is better
};

// Adds the newest kRelevanceCandidates matches of `match` with their scores,
// keeping the first score seen for a rowid.
Status collect_candidates(Connection& connection, const std::string& match,
                          std::unordered_map<std::int64_t, double>& scores) {
  static const std::string sql = fmt::format(
      "SELECT rowid, {} FROM document_search WHERE document_search MATCH ?1 "
      "ORDER BY rowid DESC LIMIT ?2",
      kRank);
  auto query = connection.prepare(sql);
  if (!query) {
    return std::unexpected(query.error());
  }
  query->bind(1, match).bind(2, std::int64_t{kRelevanceCandidates});
  for (;;) {
    Result<bool> row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
    scores.try_emplace(query->integer(0), query->real(1));
  }
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
  static const std::string sql = fmt::format(
      "SELECT rowid, {} FROM document_search WHERE document_search MATCH ?1 "
      "ORDER BY rowid DESC LIMIT ?2 OFFSET ?3",
      kSnippetColumns);
  auto hits = connection.prepare(sql);
  if (!hits) {
    return std::unexpected(hits.error());
  }
  hits->bind(1, match).bind(2, std::int64_t{query.limit}).bind(3, std::int64_t{query.offset});

  SearchPage page;
  for (;;) {
    Result<bool> row = hits->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      break;
    }
    SearchHit hit;
    hit.snippet = choose_snippet(hits->text(1), hits->text(2));
    Result<bool> found = fill_hit(connection, hits->integer(0), hit);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (*found) {
      page.results.push_back(std::move(hit));
    }
  }

  Status counted = count_matches(connection, match, page);
  if (!counted) {
    return std::unexpected(counted.error());
  }
  return page;
}

Result<SearchPage> SqliteStore::search_by_relevance(Connection& connection,
                                                    const std::string& match,
                                                    const std::string& title_match,
                                                    const SearchQuery& query) {
  // Candidates: the newest text matches and the newest title matches, so an
  // old document whose title matches still competes.
  std::unordered_map<std::int64_t, double> scores;
  Status collected = collect_candidates(connection, match, scores);
  if (collected) {
    collected = collect_candidates(connection, title_match, scores);
  }
  if (!collected) {
    return std::unexpected(collected.error());
  }

  std::vector<Candidate> ranked;
  ranked.reserve(scores.size());
  for (const auto& [rowid, score] : scores) {
    ranked.push_back({rowid, score});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score < b.score : a.rowid > b.rowid;
  });

  // Snippets only for the page, each by rowid inside the same MATCH.
  static const std::string snippet_sql = fmt::format(
      "SELECT {} FROM document_search WHERE document_search MATCH ?1 AND rowid = ?2",
      kSnippetColumns);
  SearchPage page;
  const std::size_t first = std::min(ranked.size(), static_cast<std::size_t>(query.offset));
  const std::size_t last = std::min(ranked.size(), first + static_cast<std::size_t>(query.limit));
  for (std::size_t i = first; i < last; ++i) {
    auto snippet = connection.prepare(snippet_sql);
    if (!snippet) {
      return std::unexpected(snippet.error());
    }
    Result<bool> row = snippet->bind(1, match).bind(2, ranked[i].rowid).step();
    if (!row) {
      return std::unexpected(row.error());
    }
    SearchHit hit;
    if (*row) {
      hit.snippet = choose_snippet(snippet->text(0), snippet->text(1));
    }
    Result<bool> found = fill_hit(connection, ranked[i].rowid, hit);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (*found) {
      page.results.push_back(std::move(hit));
    }
  }

  Status counted = count_matches(connection, match, page);
  if (!counted) {
    return std::unexpected(counted.error());
  }
  return page;
}

}  // namespace tandem::storage::sqlite
