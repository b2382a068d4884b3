// The connection side of the engine: what a Client needs from the socket it
// speaks over, and the bounded outgoing queue every transport shares.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "realtime/protocol.h"
#include "realtime/types.h"

namespace tandem::realtime {

// Implemented by the WebSocket session and by test harnesses.
class Transport {
 public:
  virtual ~Transport() = default;

  // Queues a reply or push produced by this connection's Client, on its strand.
  virtual void send(SharedMessage message) = 0;

  // Queues a publication, join or leave from any thread. While held, these
  // wait behind the Client's own messages (see hold()).
  virtual void deliver(SharedMessage message) = 0;

  // Between hold() and release(), delivered messages are set aside and then
  // appended after every message sent in between. A subscribe reply is sent
  // this way before any publication that followed the subscription.
  virtual void hold() = 0;
  virtual void release() = 0;

  // Closes the connection with `reason`, after the messages already queued
  // unless the reason is 3008 (slow). Thread-safe and idempotent.
  virtual void close(Disconnect reason) = 0;

  // Runs `fn` on the connection's strand, after work already queued there.
  virtual void post(std::function<void()> fn) = 0;
};

// A per-connection outgoing queue bounded in messages and bytes. Thread-safe.
// The single writer takes batches with take() and goes idle when it is empty.
class OutgoingQueue {
 public:
  OutgoingQueue(std::size_t max_messages, std::size_t max_bytes);

  enum class PushResult {
    queued,       // a write is already in flight or held back
    start_write,  // the writer is idle: the caller must start one write
    overflow,     // limits exceeded: the connection must close with 3008
    closed,       // the queue no longer accepts messages; dropped
  };

  PushResult push(SharedMessage message, bool delivery);
  void hold();
  bool release();  // returns true when the caller must start a write

  // Moves queued messages, at most about `max_batch_bytes`, into `out`.
  // Returns false, and marks the writer idle, when nothing is queued.
  bool take(std::vector<SharedMessage>& out, std::size_t max_batch_bytes);

  // Refuses further messages; `drop` also discards what is queued.
  void close(bool drop);

  std::size_t queued_bytes() const;

 private:
  PushResult admit(std::size_t size);

  const std::size_t max_messages_;
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  // Vectors rather than deques: an empty vector allocates nothing, which
  // matters for thousands of idle connections.
  std::vector<SharedMessage> queue_;
  std::size_t head_ = 0;  // first unsent entry of queue_
  std::vector<SharedMessage> held_;
  std::size_t bytes_ = 0;  // queue_ and held_ together
  int hold_depth_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace tandem::realtime
