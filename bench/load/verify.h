// End-of-run checks against the server: every replica equals the server's
// snapshot, every acknowledged op is in the op log exactly once, the log
// replays to the snapshot, and every mention and assignment produced exactly
// one inbox notification.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/rest_client.h"
#include "user.h"
#include "world.h"

namespace tandem::load {

struct Verification {
  std::vector<std::string> violations;  // the first ones, in words
  std::int64_t violation_count = 0;
  std::map<std::string, std::int64_t> counts;

  void violate(const std::string& what);
};

// Checks documents, op logs and replicas. Blocking; call with the event loop stopped.
void verify_documents(World& world, const std::vector<std::shared_ptr<User>>& users, bench::Rest& rest,
                      const std::string& owner_token, Verification& out);

// Returns each document's current version (owner's view), for the convergence wait.
std::vector<std::int64_t> server_versions(World& world, bench::Rest& rest, const std::string& owner_token);

// Reads every user's inbox until all expected notifications are there or
// `wait_s` passed. Each mention and assignment of the run must be there
// exactly once. Other items (tokens that typing made by accident) must be
// unique and name an existing version. A missing endpoint is a violation.
void verify_notifications(World& world, bench::Rest& rest, const std::vector<std::int64_t>& versions, int wait_s,
                          Verification& out);

}  // namespace tandem::load
