// tandem_rank(document_search): a BM25 score for relevance sorting that costs
// only the current row's data.
//
// FTS5's bm25() first counts, for every phrase of the query, how many rows
// contain it, by walking the phrase's whole posting list once per query. For a
// common word plus the workspace token that is tens of thousands of entries,
// which alone exceeds the latency budget. tandem_rank drops the IDF factor
// (every phrase counts as equally rare) and keeps the rest of BM25: term
// frequency with saturation (k1 = 1.2) and length normalization (b = 0.75)
// per column, title weighted 10, body 1, meta 0. For a one-word query the
// order is the same as bm25(); see docs/search.md for the trade-off.
// Like bm25(), lower (more negative) is better.
#pragma once

#include "core/error.h"
#include "storage/sqlite/connection.h"

namespace tandem::storage::sqlite {

// Registers tandem_rank on the connection (needed once per connection).
Status register_rank_function(Connection& connection);

}  // namespace tandem::storage::sqlite
