#include "realtime/subscribe_override.h"

#include <array>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace tandem::realtime {

namespace json = boost::json;

std::expected<SubscribeOverride, std::string> parse_subscribe_override(std::string_view json_text) {
  if (json_text.empty()) {
    return SubscribeOverride{};
  }

  boost::system::error_code ec;
  json::value parsed = json::parse(json_text, ec);
  if (ec) {
    return std::unexpected(std::string("'override' must be an object"));
  }
  return read_subscribe_override(parsed);
}

std::expected<SubscribeOverride, std::string> read_subscribe_override(const json::value& parsed) {
  if (!parsed.is_object()) {
    return std::unexpected(std::string("'override' must be an object"));
  }

  SubscribeOverride changes;
  std::array<std::pair<const char*, std::optional<bool>*>, 5> fields{{
      {"presence", &changes.presence},
      {"join_leave", &changes.join_leave},
      {"force_push_join_leave", &changes.force_push_join_leave},
      {"force_recovery", &changes.force_recovery},
      {"force_positioning", &changes.force_positioning},
  }};
  for (auto& [name, target] : fields) {
    const json::value* field = parsed.as_object().if_contains(name);
    if (field == nullptr || field->is_null()) {
      continue;
    }
    const json::value* value = field->is_object() ? field->as_object().if_contains("value") : nullptr;
    if (value == nullptr || !value->is_bool()) {
      return std::unexpected(fmt::format("'override.{}' must be {{\"value\": true}} or {{\"value\": false}}", name));
    }
    *target = value->as_bool();
  }
  return changes;
}

}  // namespace tandem::realtime
