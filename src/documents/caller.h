// The authenticated user on whose behalf a request runs.
#pragma once

#include <string>

namespace tandem::documents {

struct Caller {
  std::string user_id;  // the token's `sub`
  std::string name;
  std::string email;
};

}  // namespace tandem::documents
