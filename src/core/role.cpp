#include "core/role.h"

namespace tandem {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::commenter: return "commenter";
    case Role::editor: return "editor";
    case Role::owner: return "owner";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "owner") return Role::owner;
  if (text == "editor") return Role::editor;
  if (text == "commenter") return Role::commenter;
  if (text == "viewer") return Role::viewer;
  return std::nullopt;
}

}  // namespace tandem
