// JSON values with JavaScript semantics. Documents and op values are
// Boost.JSON values, and these helpers compare and normalize numbers and
// values the way JavaScript code does.
#pragma once

#include <boost/json/value.hpp>

#include "ot/error.h"

namespace tandem::ot {

namespace json = boost::json;

// Largest integer that a JavaScript number represents exactly (2^53).
inline constexpr double kMaxSafeInteger = 9007199254740992.0;

// Returns the number as a double, as JavaScript stores it. Precondition: is_number().
double to_double(const json::value& number);

// Returns the canonical value of a JavaScript number: an int64 when the
// number is integral and within +-2^53 (so it prints as "3", not "3E0", and
// -0 prints as "0"), a double otherwise. Rejects NaN and infinities.
Result<json::value> make_number(double number);

// Rewrites every number inside `value` into its canonical form (see
// make_number) and rejects non-finite numbers, so that values read from JSON
// behave as after JavaScript's JSON.parse.
Status canonicalize(json::value& value);

// Deep equality as JavaScript programs compare JSON data: numbers by value,
// objects by key set regardless of key order, arrays element by element.
bool deep_equal(const json::value& a, const json::value& b);

// JavaScript `===` on JSON data: deep_equal for primitives, and always false
// for arrays and objects (two distinct JavaScript objects are never `===`).
bool strict_equal(const json::value& a, const json::value& b);

}  // namespace tandem::ot
