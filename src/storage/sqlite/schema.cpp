#include "storage/sqlite/schema.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tandem::storage::sqlite {

std::string tags_to_json(const std::vector<std::string>& tags) {
  boost::json::array array;
  for (const std::string& tag : tags) {
    array.emplace_back(tag);
  }
  return boost::json::serialize(array);
}

Result<std::vector<std::string>> parse_tags(std::string_view json) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(json, error);
  if (error || !value.is_array()) {
    return fail(ErrorCode::internal, "stored tags are not a JSON array");
  }
  std::vector<std::string> tags;
  for (const boost::json::value& item : value.get_array()) {
    if (!item.is_string()) {
      return fail(ErrorCode::internal, "stored tags contain a value that is not a string");
    }
    tags.emplace_back(item.get_string().data(), item.get_string().size());
  }
  return tags;
}

Status insert_index_row(Connection& connection, const IndexRow& row) {
  auto insert = connection.prepare(
      "INSERT INTO document_search (rowid, title, body, meta) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) {
    return std::unexpected(insert.error());
  }
  return insert->bind(1, row.rowid).bind(2, row.title).bind(3, row.body).bind(4, row.meta).run();
}

Status delete_index_row(Connection& connection, std::int64_t rowid) {
  auto remove = connection.prepare("DELETE FROM document_search WHERE rowid = ?1");
  if (!remove) {
    return std::unexpected(remove.error());
  }
  return remove->bind(1, rowid).run();
}

Status insert_snapshot(Connection& connection, std::string_view document_id,
                       const Snapshot& snapshot) {
  auto insert = connection.prepare(
      "INSERT INTO document_snapshots (document_id, version, content) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (document_id, version) DO UPDATE SET content = excluded.content");
  if (!insert) {
    return std::unexpected(insert.error());
  }
  return insert->bind(1, document_id).bind(2, snapshot.version).bind(3, snapshot.content_json).run();
}

}  // namespace tandem::storage::sqlite
