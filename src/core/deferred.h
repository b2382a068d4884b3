// Work a thread postpones to the end of what it is doing. The real-time
// fan-out uses it so that a connection receiving several messages during one
// server API batch or one storage group commit wakes its writer once and
// sends them in one WebSocket frame.
#pragma once

#include <functional>

namespace tandem::core {

// While at least one scope is open on a thread, defer() on that thread queues
// work instead of running it. Closing the outermost scope runs the queue in
// order, including work deferred by the queued work itself. Not copyable.
class DeferredScope {
 public:
  DeferredScope();
  ~DeferredScope();
  DeferredScope(const DeferredScope&) = delete;
  DeferredScope& operator=(const DeferredScope&) = delete;
};

// Runs `work` when this thread's outermost DeferredScope closes, or at once
// when none is open. `work` must not throw.
void defer(std::function<void()> work);

}  // namespace tandem::core
