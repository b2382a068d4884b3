// A thread making blocking HTTP requests for the simulated users (searches,
// inbox polls) so that the event loop never waits on them. Jobs queue up to
// a bound; the connection is reopened on the server's current port after a
// transport error (for example while chaos mode has the server down).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "common/rest_client.h"

namespace tandem::load {

class HttpWorker {
 public:
  HttpWorker(std::string host, std::size_t max_queued);
  ~HttpWorker();
  HttpWorker(const HttpWorker&) = delete;
  HttpWorker& operator=(const HttpWorker&) = delete;

  // GET `target` with a bearer token; nullopt when the server cannot be reached.
  // Only for use inside a job.
  std::optional<bench::RestReply> get(const std::string& target, const std::string& token);

  // Queues `job`, run on the worker thread; false when the queue is full.
  bool post(std::function<void(HttpWorker&)> job);
  void set_port(std::uint16_t port) { port_ = port; }
  bool stopping() const { return stopping_; }
  // Jobs that ended with an exception (for example an unparsable reply).
  std::int64_t failed_jobs() const { return failed_jobs_; }
  // Drops queued jobs and joins the thread.
  void stop();

 private:
  void run();

  std::string host_;
  std::size_t max_queued_;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> failed_jobs_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void(HttpWorker&)>> jobs_;
  boost::asio::io_context io_;
  std::unique_ptr<bench::Rest> rest_;
  std::uint16_t rest_port_ = 0;
  std::thread thread_;
};

}  // namespace tandem::load
