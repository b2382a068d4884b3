#include "core/deferred.h"

#include <utility>
#include <vector>

namespace tandem::core {
namespace {

thread_local int open_scopes = 0;
thread_local std::vector<std::function<void()>> queued;

}  // namespace

DeferredScope::DeferredScope() { ++open_scopes; }

DeferredScope::~DeferredScope() {
  if (open_scopes > 1) {
    --open_scopes;
    return;
  }

  // The scope stays open while the queue drains, so work that defers more
  // work extends the queue rather than running out of order.
  for (std::size_t i = 0; i < queued.size(); ++i) {
    auto work = std::move(queued[i]);
    work();
  }
  queued.clear();
  --open_scopes;
}

bool deferred_scope_open() { return open_scopes > 0; }

void queue_deferred(std::function<void()> work) { queued.push_back(std::move(work)); }

}  // namespace tandem::core
