#include "realtime/transport.h"

namespace tandem::realtime {

OutgoingQueue::OutgoingQueue(std::size_t max_messages, std::size_t max_bytes)
    : max_messages_(max_messages), max_bytes_(max_bytes) {}

OutgoingQueue::PushResult OutgoingQueue::admit(std::size_t size) {
  if (closed_) {
    return PushResult::closed;
  }
  if (queue_.size() - head_ + held_.size() + 1 > max_messages_ || bytes_ + size > max_bytes_) {
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
  for (auto& message : held_) {
    queue_.push_back(std::move(message));
  }
  held_.clear();
  if (writing_ || queue_.size() == head_ || closed_) {
    return false;
  }
  writing_ = true;
  return true;
}

bool OutgoingQueue::take(std::vector<SharedMessage>& out, std::size_t max_batch_bytes) {
  std::lock_guard lock(mutex_);
  std::size_t batch = 0;
  while (head_ < queue_.size() && (out.empty() || batch + queue_[head_]->size() <= max_batch_bytes)) {
    batch += queue_[head_]->size();
    bytes_ -= queue_[head_]->size();
    out.push_back(std::move(queue_[head_]));
    ++head_;
  }
  // Drop the sent prefix: at once when all is sent, otherwise once it is the
  // larger half, so a queue that never drains still stays bounded.
  if (head_ == queue_.size()) {
    queue_.clear();
    head_ = 0;
  } else if (head_ > queue_.size() / 2) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
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
    head_ = 0;
    held_.clear();
    bytes_ = 0;
  }
}

std::size_t OutgoingQueue::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace tandem::realtime
