// Lifts a component transform to whole ops, as ot-json0's
// lib/bootstrapTransform.js does for both json0 and text0. Each component of
// one op is transformed against each component of the other. When a
// component splits in two, the transform restarts on the rest of the op.
// Internal header: used by text0.cpp and transform.cpp.
#pragma once

#include <utility>
#include <vector>

#include "ot/error.h"
#include "ot/op.h"

namespace tandem::ot {

// NOTE: the recursion depth can reach the number of components of `left`,
// so callers must bound op sizes (a 100,000-component op may exhaust the stack).
// TransformComponent: Status(std::vector<C>& dest, const C& c, const C& other, Side).
// Append: Status(std::vector<C>& dest, C c).
template <class C, class TransformComponent, class Append>
Result<std::pair<std::vector<C>, std::vector<C>>> transform_x(std::vector<C> left, const std::vector<C>& right,
                                                              TransformComponent& transform, Append& append) {
  std::vector<C> new_right;
  for (const auto& original_right : right) {
    C right_c = original_right;
    bool right_alive = true;
    std::vector<C> new_left;

    for (std::size_t k = 0; k < left.size();) {
      std::vector<C> next;
      if (auto s = transform(new_left, left[k], right_c, Side::left); !s) return std::unexpected(s.error());
      if (auto s = transform(next, right_c, left[k], Side::right); !s) return std::unexpected(s.error());
      ++k;

      if (next.size() == 1) {
        right_c = std::move(next[0]);
        continue;
      }
      right_alive = false;
      if (next.empty()) {
        for (std::size_t j = k; j < left.size(); ++j) {
          if (auto s = append(new_left, left[j]); !s) return std::unexpected(s.error());
        }
        break;
      }

      // The right component split: transform the rest of left against the pieces.
      std::vector<C> rest(left.begin() + static_cast<std::ptrdiff_t>(k), left.end());
      auto pair = transform_x(std::move(rest), next, transform, append);
      if (!pair) return std::unexpected(pair.error());
      for (auto& c : pair->first) {
        if (auto s = append(new_left, std::move(c)); !s) return std::unexpected(s.error());
      }
      for (auto& c : pair->second) {
        if (auto s = append(new_right, std::move(c)); !s) return std::unexpected(s.error());
      }
      break;
    }

    if (right_alive) {
      if (auto s = append(new_right, std::move(right_c)); !s) return std::unexpected(s.error());
    }
    left = std::move(new_left);
  }
  return std::pair(std::move(left), std::move(new_right));
}

// Transforms `op` against `other` with `op` on `side`, as ot-json0's
// type.transform does (including returning `op` unchanged when `other` is empty).
template <class C, class TransformComponent, class Append>
Result<std::vector<C>> transform_op(const std::vector<C>& op, const std::vector<C>& other, Side side,
                                    TransformComponent transform, Append append) {
  if (other.empty()) return op;
  if (op.size() == 1 && other.size() == 1) {
    std::vector<C> dest;
    if (auto s = transform(dest, op[0], other[0], side); !s) return std::unexpected(s.error());
    return dest;
  }
  if (side == Side::left) {
    auto pair = transform_x(op, other, transform, append);
    if (!pair) return std::unexpected(pair.error());
    return std::move(pair->first);
  }
  auto pair = transform_x(other, op, transform, append);
  if (!pair) return std::unexpected(pair.error());
  return std::move(pair->second);
}

}  // namespace tandem::ot
