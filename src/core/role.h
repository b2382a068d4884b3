// Workspace roles, ordered by what they allow: each role can do everything
// the roles below it can.
#pragma once

#include <optional>
#include <string_view>

namespace tandem {

enum class Role { viewer = 0, commenter = 1, editor = 2, owner = 3 };

std::string_view role_name(Role role);

// Parses "owner", "editor", "commenter" or "viewer"; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

inline bool role_at_least(Role role, Role minimum) {
  return static_cast<int>(role) >= static_cast<int>(minimum);
}

}  // namespace tandem
