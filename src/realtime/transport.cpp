#include "realtime/transport.h"

namespace tandem::realtime {

OutgoingQueue::OutgoingQueue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(max_messages), max_bytes_(max_bytes) {}

OutgoingQueue::PushResult OutgoingQueue::admit(std::size_t size) {
  if (closed_) {
    return PushResult::closed;
  }
  if (queue_.size() + held_.size() + 1 > max_messages_ || bytes_ + size > max_bytes_) {
    return PushResult::overflow;
  }
  return PushResult::queued;
}

OutgoingQueue::PushResult OutgoingQueue::push(SharedMessage message, bool delivery) {
  std::lock_guard lock(mutex_);
  PushResult result = admit(message->size());
  if (result != PushResult::queued) {
    return result;
  }
  bytes_ += message->size();
  if (delivery && hold_depth_ > 0) {
    held_.push_back(std::move(message));
    return PushResult::queued;
  }
  queue_.push_back(std::move(message));
  if (writing_) {
    return PushResult::queued;
  }
  writing_ = true;
  return PushResult::start_write;
}

void OutgoingQueue::hold() {
  std::lock_guard lock(mutex_);
  ++hold_depth_;
}

bool OutgoingQueue::release() {
  std::lock_guard lock(mutex_);
  if (hold_depth_ > 0 && --hold_depth_ > 0) {
    return false;
  }
  while (!held_.empty()) {
    queue_.push_back(std::move(held_.front()));
    held_.pop_front();
  }
  if (writing_ || queue_.empty() || closed_) {
    return false;
  }
  writing_ = true;
  return true;
}

bool OutgoingQueue::take(std::vector<SharedMessage>& out, std::size_t max_batch_bytes) {
  std::lock_guard lock(mutex_);
  std::size_t batch = 0;
  while (!queue_.empty() && (out.empty() || batch + queue_.front()->size() <= max_batch_bytes)) {
    batch += queue_.front()->size();
    bytes_ -= queue_.front()->size();
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (out.empty()) {
    writing_ = false;
    return false;
  }
  return true;
}

void OutgoingQueue::close(bool drop) {
  std::lock_guard lock(mutex_);
  closed_ = true;
  if (drop) {
    queue_.clear();
    held_.clear();
    bytes_ = 0;
  }
}

std::size_t OutgoingQueue::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace tandem::realtime
