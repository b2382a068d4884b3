// Helpers for the json0 unit tests: JSON literals in, engine values out.
#pragma once

#include <string_view>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "ot/json0.h"

namespace tandem::ot::testing {

inline json::value parse_json(std::string_view text) { return json::parse(text); }

inline Op parse_op_text(std::string_view text) {
  auto op = parse_op(json::parse(text));
  EXPECT_TRUE(op.has_value()) << text << ": " << (op ? "" : op.error().message);
  return op.value_or(Op{});
}

inline std::string dump(const Op& op) { return json::serialize(to_json(op)); }

}  // namespace tandem::ot::testing
