// Work a thread postpones to the end of what it is doing. The real-time
// fan-out uses it so that a connection receiving several messages during one
// server API batch or one storage group commit wakes its writer once and
// sends them in one WebSocket frame.
#pragma once

#include <functional>
#include <utility>

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

// True while a DeferredScope is open on this thread.
bool deferred_scope_open();

// Queues `work` for the end of this thread's outermost DeferredScope, which
// must be open.
void queue_deferred(std::function<void()> work);

// Runs `work` when this thread's outermost DeferredScope closes, or at once
// when none is open, without wrapping it in a std::function then. `work`
// must not throw.
template <class Work>
void defer(Work&& work) {
  if (!deferred_scope_open()) {
    work();
    return;
  }
  queue_deferred(std::function<void()>(std::forward<Work>(work)));
}

}  // namespace tandem::core
