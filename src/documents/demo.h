// Demo data for `make run`: a workspace with three users and a few
// documents, created once when the database has no demo workspace yet.
#pragma once

#include "core/error.h"
#include "documents/service.h"

namespace tandem::documents {

inline constexpr const char* kDemoOwner = "alice";

// Creates the demo workspace unless the owner already belongs to one named
// "Demo workspace". Returns the workspace id.
Result<std::string> seed_demo(Service& service);

}  // namespace tandem::documents
