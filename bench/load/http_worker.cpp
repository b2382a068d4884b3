#include "http_worker.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>

namespace tandem::load {

HttpWorker::HttpWorker(std::string host, std::size_t max_queued)
    : host_(std::move(host)), max_queued_(max_queued), thread_([this] { run(); }) {}

HttpWorker::~HttpWorker() { stop(); }

std::optional<bench::RestReply> HttpWorker::get(const std::string& target, const std::string& token) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      std::uint16_t port = port_;
      if (!rest_ || rest_port_ != port) {
        rest_.reset();
        rest_ = std::make_unique<bench::Rest>(
            io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(host_), port), host_);
        rest_port_ = port;
      }
      return rest_->exchange(boost::beast::http::verb::get, target, token, "");
    } catch (const std::exception&) {
      rest_.reset();  // a kept-alive connection may have been closed: retry once on a new one
    }
  }
  return std::nullopt;
}

bool HttpWorker::post(std::function<void(HttpWorker&)> job) {
  std::lock_guard lock(mutex_);
  if (stopping_ || jobs_.size() >= max_queued_) return false;
  jobs_.push_back(std::move(job));
  wake_.notify_one();
  return true;
}

void HttpWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    jobs_.clear();
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void HttpWorker::run() {
  for (;;) {
    std::function<void(HttpWorker&)> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job(*this);
    } catch (const std::exception&) {
      ++failed_jobs_;
    }
  }
}

}  // namespace tandem::load
