// The notification pipeline: a router thread that moves committed events
// from the outbox into every queue bound to their topic, and the queues
// that deliver them to the sinks.
//
// Routing and queue state live in the store (see storage/store.h), so a
// restart resumes where the last process stopped: events not yet routed are
// routed, and messages not yet acked are delivered again. Each queue runs
// on its own threads, so a slow or failing sink delays only its own queue.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/options.h"
#include "events/queue.h"
#include "events/sink.h"
#include "storage/store.h"

namespace tandem::events {

// The sink of each kind; null when that kind is off (not configured).
struct Sinks {
  std::shared_ptr<Sink> inbox;
  std::shared_ptr<Sink> email;
  std::shared_ptr<Sink> push;
};

struct QueueStatus {
  std::string name;
  std::string sink;
  QueueCounters counters;
};

class Pipeline {
 public:
  // `options` must pass validate(). Queues whose sink is off are left out:
  // nothing is routed to them.
  Pipeline(storage::Store& store, Options options, Sinks sinks, DeliveryObserver observer);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  void start();
  // Stops routing and every queue; deliveries in flight finish first.
  void stop();

  // Routes new outbox events now (call after an op with events commits).
  // Thread-safe and cheap.
  void wake();
  // Makes every queue look for due messages now (after a redrive).
  void wake_queues();

  // The active queues and their counters.
  std::vector<QueueStatus> status() const;

  // The names of the active queues.
  std::vector<std::string> queue_names() const;

  // The names of the queues that `topic` is routed to.
  std::vector<std::string> route(const std::string& topic) const;

 private:
  void route_loop();
  // Routes one batch; returns true when the outbox may hold more.
  bool route_batch();

  storage::Store& store_;
  Options options_;
  std::vector<std::unique_ptr<Queue>> queues_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;     // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  bool started_ = false;   // guarded by mutex_
  std::thread router_;
};

}  // namespace tandem::events
