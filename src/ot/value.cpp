#include "ot/value.h"

#include <cmath>
#include <cstdint>

namespace tandem::ot {

double to_double(const json::value& number) {
  switch (number.kind()) {
    case json::kind::int64: return static_cast<double>(number.get_int64());
    case json::kind::uint64: return static_cast<double>(number.get_uint64());
    default: return number.get_double();
  }
}

Result<json::value> make_number(double number) {
  if (!std::isfinite(number)) {
    return fail(ErrorCode::not_finite, "number is not finite (NaN or infinity)");
  }
  if (std::trunc(number) == number && std::fabs(number) <= kMaxSafeInteger) {
    return json::value(static_cast<std::int64_t>(number));
  }
  return json::value(number);
}

Status canonicalize(json::value& value) {
  switch (value.kind()) {
    case json::kind::int64: {
      auto integer = value.get_int64();
      if (integer > static_cast<std::int64_t>(kMaxSafeInteger) ||
          integer < -static_cast<std::int64_t>(kMaxSafeInteger)) {
        value = static_cast<double>(integer);
      }
      return {};
    }
    case json::kind::uint64:
    case json::kind::double_: {
      auto number = make_number(to_double(value));
      if (!number) return std::unexpected(number.error());
      value = std::move(*number);
      return {};
    }
    case json::kind::array:
      for (auto& element : value.get_array()) {
        if (auto status = canonicalize(element); !status) return status;
      }
      return {};
    case json::kind::object:
      for (auto& member : value.get_object()) {
        if (auto status = canonicalize(member.value()); !status) return status;
      }
      return {};
    default:
      return {};
  }
}

bool deep_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return to_double(a) == to_double(b);
  if (a.kind() != b.kind()) return false;

  switch (a.kind()) {
    case json::kind::null: return true;
    case json::kind::bool_: return a.get_bool() == b.get_bool();
    case json::kind::string: return a.get_string() == b.get_string();
    case json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!deep_equal(x[i], y[i])) return false;
      }
      return true;
    }
    case json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& member : x) {
        const auto* other = y.if_contains(member.key());
        if (other == nullptr || !deep_equal(member.value(), *other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

bool strict_equal(const json::value& a, const json::value& b) {
  if (a.is_structured() || b.is_structured()) return false;
  return deep_equal(a, b);
}

}  // namespace tandem::ot
