// Users, workspaces and memberships.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/sqlite/sqlite_store.h"

namespace tandem::storage::sqlite {
namespace {

Result<std::optional<Role>> read_role(Connection& connection, std::string_view workspace_id,
                                      std::string_view user_id) {
  auto query =
      connection.prepare("SELECT role FROM members WHERE workspace_id = ?1 AND user_id = ?2");
  if (!query) {
    return std::unexpected(query.error());
  }
  query->bind(1, workspace_id).bind(2, user_id);
  Result<bool> row = query->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<Role>();
  }
  return std::optional<Role>(static_cast<Role>(query->integer(0)));
}

Result<bool> workspace_exists(Connection& connection, std::string_view workspace_id) {
  auto query = connection.prepare("SELECT 1 FROM workspaces WHERE id = ?1");
  if (!query) {
    return std::unexpected(query.error());
  }
  return query->bind(1, workspace_id).step();
}

Result<std::int64_t> count_owners(Connection& connection, std::string_view workspace_id) {
  auto query = connection.prepare(
      "SELECT count(*) FROM members WHERE workspace_id = ?1 AND role = ?2");
  if (!query) {
    return std::unexpected(query.error());
  }
  query->bind(1, workspace_id).bind(2, static_cast<std::int64_t>(Role::owner));
  Result<bool> row = query->step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return query->integer(0);
}

// Fails when `user_id` is the only owner left and is about to lose the role.
Status check_not_last_owner(Connection& connection, std::string_view workspace_id,
                            std::string_view user_id, std::string_view action) {
  Result<std::int64_t> owners = count_owners(connection, workspace_id);
  if (!owners) {
    return std::unexpected(owners.error());
  }
  if (*owners <= 1) {
    return fail(ErrorCode::invalid_request,
                fmt::format("cannot {} user {}: they are the last owner of workspace {}; "
                            "make another member owner first",
                            action, user_id, workspace_id));
  }
  return {};
}

Workspace read_workspace(const Statement& row, int first) {
  return Workspace{row.text(first), row.text(first + 1), row.text(first + 2),
                   row.integer(first + 3)};
}

}  // namespace

Status SqliteStore::upsert_user(const User& user) {
  // Most requests come from known users with unchanged names: check on a
  // reader first so they cost no write transaction.
  Result<std::optional<User>> stored = find_user(user.id);
  if (stored && stored->has_value() && (*stored)->name == user.name &&
      (*stored)->email == user.email) {
    return {};
  }

  Status stored_user = writer_->submit([&user](Connection& connection) -> Status {
    auto upsert = connection.prepare(
        "INSERT INTO users (id, name, email) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email");
    if (!upsert) {
      return std::unexpected(upsert.error());
    }
    return upsert->bind(1, user.id).bind(2, user.name).bind(3, user.email).run();
  }).get();
  log_write_failure(stored_user, fmt::format("storing user {}", user.id));
  return stored_user;
}

Result<std::optional<User>> SqliteStore::find_user(std::string_view user_id) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::optional<User>> {
    auto query = connection.prepare("SELECT id, name, email FROM users WHERE id = ?1");
    if (!query) {
      return std::unexpected(query.error());
    }
    Result<bool> row = query->bind(1, user_id).step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return std::optional<User>();
    }
    return User{query->text(0), query->text(1), query->text(2)};
  });
}

Status SqliteStore::create_workspace(const Workspace& workspace) {
  if (workspace.id.empty() || workspace.created_by.empty()) {
    return fail(ErrorCode::invalid_request, "a workspace needs an id and a creating user");
  }

  Status created = writer_->submit([&workspace](Connection& connection) -> Status {
    auto insert = connection.prepare(
        "INSERT INTO workspaces (id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!insert) {
      return std::unexpected(insert.error());
    }
    Status inserted = insert->bind(1, workspace.id)
                          .bind(2, workspace.name)
                          .bind(3, workspace.created_by)
                          .bind(4, workspace.created_at)
                          .run();
    if (!inserted) {
      return inserted;
    }
    auto owner = connection.prepare(
        "INSERT INTO members (workspace_id, user_id, role) VALUES (?1, ?2, ?3)");
    if (!owner) {
      return std::unexpected(owner.error());
    }
    return owner->bind(1, workspace.id)
        .bind(2, workspace.created_by)
        .bind(3, static_cast<std::int64_t>(Role::owner))
        .run();
  }).get();
  log_write_failure(created, fmt::format("creating workspace {} for user {}", workspace.id,
                                          workspace.created_by));
  return created;
}

Result<std::optional<Workspace>> SqliteStore::find_workspace(std::string_view workspace_id) {
  return readers_->with_snapshot(
      [&](Connection& connection) -> Result<std::optional<Workspace>> {
        auto query = connection.prepare(
            "SELECT id, name, created_by, created_at FROM workspaces WHERE id = ?1");
        if (!query) {
          return std::unexpected(query.error());
        }
        Result<bool> row = query->bind(1, workspace_id).step();
        if (!row) {
          return std::unexpected(row.error());
        }
        if (!*row) {
          return std::optional<Workspace>();
        }
        return read_workspace(*query, 0);
      });
}

Result<std::vector<WorkspaceMembership>> SqliteStore::list_workspaces(std::string_view user_id) {
  return readers_->with_snapshot(
      [&](Connection& connection) -> Result<std::vector<WorkspaceMembership>> {
        auto query = connection.prepare(
            "SELECT w.id, w.name, w.created_by, w.created_at, m.role "
            "FROM members m JOIN workspaces w ON w.id = m.workspace_id "
            "WHERE m.user_id = ?1 ORDER BY w.created_at, w.id");
        if (!query) {
          return std::unexpected(query.error());
        }
        query->bind(1, user_id);
        std::vector<WorkspaceMembership> memberships;
        for (;;) {
          Result<bool> row = query->step();
          if (!row) {
            return std::unexpected(row.error());
          }
          if (!*row) {
            return memberships;
          }
          memberships.push_back({read_workspace(*query, 0), static_cast<Role>(query->integer(4))});
        }
      });
}

Result<std::optional<Role>> SqliteStore::member_role(std::string_view workspace_id,
                                                     std::string_view user_id) {
  return readers_->with_snapshot([&](Connection& connection) {
    return read_role(connection, workspace_id, user_id);
  });
}

Result<std::vector<Member>> SqliteStore::list_members(std::string_view workspace_id) {
  return readers_->with_snapshot([&](Connection& connection) -> Result<std::vector<Member>> {
    auto query = connection.prepare(
        "SELECT m.user_id, coalesce(u.name, ''), coalesce(u.email, ''), m.role "
        "FROM members m LEFT JOIN users u ON u.id = m.user_id "
        "WHERE m.workspace_id = ?1 ORDER BY m.user_id");
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(1, workspace_id);
    std::vector<Member> members;
    for (;;) {
      Result<bool> row = query->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return members;
      }
      members.push_back(Member{query->text(0), query->text(1), query->text(2),
                               static_cast<Role>(query->integer(3))});
    }
  });
}

Status SqliteStore::put_member(std::string_view workspace_id, std::string_view user_id,
                               Role role) {
  Status stored = writer_->submit([&](Connection& connection) -> Status {
    Result<bool> exists = workspace_exists(connection, workspace_id);
    if (!exists) {
      return std::unexpected(exists.error());
    }
    if (!*exists) {
      return fail(ErrorCode::not_found, fmt::format("workspace {} not found", workspace_id));
    }

    Result<std::optional<Role>> current = read_role(connection, workspace_id, user_id);
    if (!current) {
      return std::unexpected(current.error());
    }
    if (*current == Role::owner && role != Role::owner) {
      Status allowed = check_not_last_owner(connection, workspace_id, user_id, "demote");
      if (!allowed) {
        return allowed;
      }
    }

    auto upsert = connection.prepare(
        "INSERT INTO members (workspace_id, user_id, role) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role");
    if (!upsert) {
      return std::unexpected(upsert.error());
    }
    return upsert->bind(1, workspace_id)
        .bind(2, user_id)
        .bind(3, static_cast<std::int64_t>(role))
        .run();
  }).get();
  log_write_failure(stored, fmt::format("setting role of user {} in workspace {}", user_id,
                                        workspace_id));
  return stored;
}

Status SqliteStore::remove_member(std::string_view workspace_id, std::string_view user_id) {
  Status removed = writer_->submit([&](Connection& connection) -> Status {
    Result<std::optional<Role>> current = read_role(connection, workspace_id, user_id);
    if (!current) {
      return std::unexpected(current.error());
    }
    if (!current->has_value()) {
      return fail(ErrorCode::not_found, fmt::format("user {} is not a member of workspace {}",
                                                    user_id, workspace_id));
    }
    if (*current == Role::owner) {
      Status allowed = check_not_last_owner(connection, workspace_id, user_id, "remove");
      if (!allowed) {
        return allowed;
      }
    }

    auto remove =
        connection.prepare("DELETE FROM members WHERE workspace_id = ?1 AND user_id = ?2");
    if (!remove) {
      return std::unexpected(remove.error());
    }
    return remove->bind(1, workspace_id).bind(2, user_id).run();
  }).get();
  log_write_failure(removed, fmt::format("removing user {} from workspace {}", user_id,
                                         workspace_id));
  return removed;
}

}  // namespace tandem::storage::sqlite
