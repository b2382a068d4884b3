#include "storage/sqlite/rank.h"

#include <array>
#include <vector>

namespace tandem::storage::sqlite {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
// Column order of document_search: title, body, meta.
constexpr std::array<double, 3> kColumnWeights = {10.0, 1.0, 0.0};

// Returns the column's average length in tokens over the whole table.
double average_length(const Fts5ExtensionApi* api, Fts5Context* context, int column) {
  sqlite3_int64 rows = 0;
  sqlite3_int64 tokens = 0;
  if (api->xRowCount(context, &rows) != SQLITE_OK ||
      api->xColumnTotalSize(context, column, &tokens) != SQLITE_OK || rows == 0) {
    return 1.0;
  }
  return static_cast<double>(tokens) / static_cast<double>(rows);
}

void rank(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result, int,
          sqlite3_value**) {
  const int phrases = api->xPhraseCount(context);
  const int columns = std::min<int>(api->xColumnCount(context), kColumnWeights.size());

  // Term frequency of each phrase in each column of the current row.
  std::vector<int> frequency(static_cast<std::size_t>(phrases * columns), 0);
  int instances = 0;
  if (api->xInstCount(context, &instances) != SQLITE_OK) {
    sqlite3_result_error(result, "tandem_rank: cannot read matches", -1);
    return;
  }
  for (int i = 0; i < instances; ++i) {
    int phrase = 0;
    int column = 0;
    int offset = 0;
    if (api->xInst(context, i, &phrase, &column, &offset) == SQLITE_OK && column < columns) {
      ++frequency[static_cast<std::size_t>(phrase * columns + column)];
    }
  }

  double score = 0;
  for (int column = 0; column < columns; ++column) {
    const double weight = kColumnWeights[static_cast<std::size_t>(column)];
    if (weight == 0) {
      continue;
    }
    int length = 0;
    api->xColumnSize(context, column, &length);
    const double norm = kK1 * (1 - kB + kB * length / average_length(api, context, column));
    for (int phrase = 0; phrase < phrases; ++phrase) {
      const double tf = frequency[static_cast<std::size_t>(phrase * columns + column)];
      score += weight * tf * (kK1 + 1) / (tf + norm);
    }
  }
  sqlite3_result_double(result, -score);
}

fts5_api* find_fts5_api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) != SQLITE_OK) {
    return nullptr;
  }
  sqlite3_bind_pointer(statement, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
  sqlite3_step(statement);
  sqlite3_finalize(statement);
  return api;
}

}  // namespace

Status register_rank_function(Connection& connection) {
  fts5_api* api = find_fts5_api(connection.handle());
  if (api == nullptr || api->iVersion < 2) {
    return fail(ErrorCode::internal, "SQLite was built without FTS5; tandem needs it for search");
  }
  const int rc = api->xCreateFunction(api, "tandem_rank", nullptr, &rank, nullptr);
  if (rc != SQLITE_OK) {
    return std::unexpected(connection.fail_with(rc, "registering tandem_rank"));
  }
  return {};
}

}  // namespace tandem::storage::sqlite
