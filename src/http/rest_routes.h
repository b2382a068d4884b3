// The REST API under /v1 plus /health, /ready and /metrics.
#pragma once

#include <cstdint>
#include <string>

#include "documents/service.h"
#include "http/metrics.h"
#include "http/router.h"
#include "storage/store.h"

namespace tandem::http {

struct RestContext {
  documents::Service& service;
  storage::Store& store;
  Metrics& metrics;
  std::string jwt_secret;
  std::int64_t clock_skew_s = 30;
};

// Registers every route; `context` must outlive the router.
void add_rest_routes(Router& router, RestContext& context);

// Verifies the bearer token of `request` and records the caller.
Result<documents::Caller> authenticate(const Request& request, RestContext& context);

}  // namespace tandem::http
