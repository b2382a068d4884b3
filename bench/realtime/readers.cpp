#include "realtime/readers.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef TANDEM_HAVE_LIBURING
#include <liburing.h>
#endif

namespace tandem::bench {

namespace {

const auto kStart = std::chrono::steady_clock::now();

// Parses the server's WebSocket frames of every adopted socket, keeping the
// bytes of a frame split across reads until the rest arrives. Server frames
// are unmasked. The pongs sent back are masked, as WebSocket clients must mask.
class FrameSink {
 public:
  explicit FrameSink(DeliveryStats& stats) : stats_(stats) {}

  // Handles bytes read from `fd`. Returns false when the server closed the
  // WebSocket (a close frame), after which the caller drops the socket.
  bool consume(int fd, std::string_view data, std::int64_t received_us) {
    std::string& pending = pending_for(fd);
    if (!pending.empty()) {
      pending.append(data);
      data = pending;
    }

    std::size_t used = parse(fd, data, received_us);
    if (used == SIZE_MAX) {
      pending.clear();
      return false;
    }

    std::string rest(data.substr(used));
    pending = std::move(rest);
    return true;
  }

  // Counts a dropped connection and clears its partial frame.
  void forget(int fd) {
    ++stats_.closed;
    pending_for(fd).clear();
  }

 private:
  std::string& pending_for(int fd) {
    auto index = static_cast<std::size_t>(fd);
    if (index >= pending_.size()) pending_.resize(index + 1024);
    return pending_[index];
  }

  // Handles every whole frame in `data` and returns the bytes used, or
  // SIZE_MAX when a close frame arrived.
  std::size_t parse(int fd, std::string_view data, std::int64_t received_us) {
    std::size_t pos = 0;
    for (;;) {
      if (data.size() - pos < 2) return pos;
      auto byte = [&](std::size_t i) { return static_cast<unsigned char>(data[pos + i]); };
      int opcode = byte(0) & 0x0F;
      std::uint64_t length = byte(1) & 0x7F;
      std::size_t header = 2;
      if (length == 126) {
        if (data.size() - pos < 4) return pos;
        length = (std::uint64_t{byte(2)} << 8) | byte(3);
        header = 4;
      } else if (length == 127) {
        if (data.size() - pos < 10) return pos;
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | byte(2 + i);
        header = 10;
      }
      if (data.size() - pos < header + length) return pos;
      std::string_view payload = data.substr(pos + header, length);
      pos += header + length;

      if (opcode == 0x8) return SIZE_MAX;  // close
      if (opcode == 0x9) {                 // WebSocket ping
        send_frame(fd, 0xA, payload);
      } else if (opcode == 0x1 || opcode == 0x0) {
        if (count_message(payload, stats_, received_us)) send_frame(fd, 0x1, "{}");
      }
    }
  }

  static void send_frame(int fd, int opcode, std::string_view payload) {
    if (payload.size() > 125) return;
    std::string frame;
    frame += static_cast<char>(0x80 | opcode);
    frame += static_cast<char>(0x80 | payload.size());
    frame.append(4, '\0');  // mask key 0: the payload goes as is
    frame.append(payload);
    (void)send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
  }

  DeliveryStats& stats_;
  std::vector<std::string> pending_;  // partial frames, by fd
};

// One epoll set, one recv per ready socket.
class EpollReader final : public SocketReader {
 public:
  explicit EpollReader(DeliveryStats& stats) : epoll_(epoll_create1(EPOLL_CLOEXEC)), sink_(stats) {
    if (epoll_ < 0) throw std::runtime_error(std::string("epoll_create1 failed: ") + strerror(errno));
  }
  ~EpollReader() override { ::close(epoll_); }
  EpollReader(const EpollReader&) = delete;
  EpollReader& operator=(const EpollReader&) = delete;

  void adopt(int fd) override {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) throw std::runtime_error(std::string("epoll_ctl failed: ") + strerror(errno));
  }

  void poll(int timeout_ms) override {
    epoll_event events[256];
    for (int round = 0; round < 1000; ++round) {
      int ready = epoll_wait(epoll_, events, 256, round == 0 ? timeout_ms : 0);
      for (int i = 0; i < ready; ++i) read(events[i].data.fd);
      if (ready < 256) return;
    }
  }

  std::string name() const override { return "epoll"; }

 private:
  void read(int fd) {
    ssize_t n = recv(fd, buffer_, sizeof buffer_, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0 || !sink_.consume(fd, {buffer_, static_cast<std::size_t>(n)}, now_us())) drop(fd);
  }

  void drop(int fd) {
    sink_.forget(fd);
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
  }

  int epoll_;
  FrameSink sink_;
  char buffer_[256 * 1024];
};

#ifdef TANDEM_HAVE_LIBURING

// One io_uring with a multishot recv per socket into a shared ring of
// provided buffers. The ring defers completion work to this thread
// (DEFER_TASKRUN), so a frame that arrives while the generator is busy costs
// the sender no wake-up. poll() sleeps until kWakeBatch reads are pending or
// the timeout passes, which adds at most that timeout to a measured latency.
class UringReader final : public SocketReader {
 public:
  explicit UringReader(DeliveryStats& stats) : sink_(stats), storage_(std::size_t{kBuffers} * kBufferSize) {}

  ~UringReader() override {
    if (ring_ready_) io_uring_queue_exit(&ring_);
    if (buffer_ring_ != nullptr) munmap(buffer_ring_, buffer_ring_bytes());
  }
  UringReader(const UringReader&) = delete;
  UringReader& operator=(const UringReader&) = delete;

  // Sets up the ring and its buffers. Returns an empty string, or the reason
  // io_uring cannot be used here.
  std::string open() {
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    params.cq_entries = kCompletions;
    int rc = io_uring_queue_init_params(kSubmissions, &ring_, &params);
    if (rc < 0) return std::string("io_uring_queue_init_params: ") + strerror(-rc);
    ring_ready_ = true;

    void* memory = mmap(nullptr, buffer_ring_bytes(), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (memory == MAP_FAILED) return "mmap of the buffer ring failed";
    buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);

    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<std::uint64_t>(memory);
    registration.ring_entries = kBuffers;
    registration.bgid = kGroup;
    rc = io_uring_register_buf_ring(&ring_, &registration, 0);
    if (rc < 0) return std::string("io_uring_register_buf_ring: ") + strerror(-rc);

    io_uring_buf_ring_init(buffer_ring_);
    for (unsigned id = 0; id < kBuffers; ++id) give_back(id, static_cast<int>(id));
    io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(kBuffers));
    return {};
  }

  void adopt(int fd) override {
    auto index = static_cast<std::size_t>(fd);
    if (index >= states_.size()) states_.resize(index + 1024, State::idle);
    states_[index] = State::reading;
    arm(fd);
  }

  void poll(int timeout_ms) override {
    __kernel_timespec timeout{};
    timeout.tv_nsec = static_cast<long long>(timeout_ms) * 1'000'000;
    io_uring_cqe* cqe = nullptr;
    (void)io_uring_submit_and_wait_timeout(&ring_, &cqe, kWakeBatch, &timeout, nullptr);

    // Drain, then let the kernel run reads that became ready meanwhile.
    for (int round = 0; round < 64; ++round) {
      if (drain() == 0) return;
      io_uring_get_events(&ring_);
    }
  }

  std::string name() const override { return "io_uring"; }

 private:
  enum class State : std::uint8_t { idle, reading, closing };

  static constexpr unsigned kSubmissions = 4096;
  static constexpr unsigned kCompletions = 65536;
  static constexpr unsigned kBuffers = 8192;  // a power of two, as the ring requires
  static constexpr unsigned kBufferSize = 4096;
  static constexpr int kGroup = 0;
  static constexpr unsigned kWakeBatch = 32;
  static constexpr std::uint64_t kCancelTag = UINT64_MAX;

  static std::size_t buffer_ring_bytes() { return std::size_t{kBuffers} * sizeof(io_uring_buf); }

  io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    if (sqe == nullptr) throw std::runtime_error("io_uring submission queue is still full after a submit");
    return sqe;
  }

  // Starts a multishot recv on `fd` that picks buffers from the ring.
  void arm(int fd) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, static_cast<std::uint64_t>(fd));
  }

  void give_back(unsigned id, int offset) {
    io_uring_buf_ring_add(buffer_ring_, storage_.data() + std::size_t{id} * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(id), io_uring_buf_ring_mask(kBuffers), offset);
  }

  // Handles every completion posted so far and returns their count.
  unsigned drain() {
    std::int64_t received_us = now_us();
    unsigned head = 0;
    unsigned count = 0;
    int returned = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++count;
      if (cqe->user_data != kCancelTag) complete(*cqe, received_us, returned);
    }
    io_uring_cq_advance(&ring_, count);
    if (returned > 0) io_uring_buf_ring_advance(buffer_ring_, returned);
    return count;
  }

  // One recv result: data to parse, or the end of that socket's multishot.
  void complete(const io_uring_cqe& cqe, std::int64_t received_us, int& returned) {
    int fd = static_cast<int>(cqe.user_data);
    State& state = states_[static_cast<std::size_t>(fd)];

    if (cqe.res > 0) {
      unsigned id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
      std::string_view data(storage_.data() + std::size_t{id} * kBufferSize, static_cast<std::size_t>(cqe.res));
      if (state == State::reading && !sink_.consume(fd, data, received_us)) close_socket(fd);
      give_back(id, returned++);
    }
    if (cqe.flags & IORING_CQE_F_MORE) return;

    // The multishot recv ended. After running out of buffers or completion
    // slots it starts again. After EOF, an error or a cancel, the socket closes.
    if (state == State::reading && (cqe.res > 0 || cqe.res == -ENOBUFS)) {
      arm(fd);
      return;
    }
    if (state == State::reading) sink_.forget(fd);
    state = State::idle;
    ::close(fd);
  }

  // Stops reading a socket whose server sent a close frame. The socket is
  // closed once its cancelled recv reports back.
  void close_socket(int fd) {
    states_[static_cast<std::size_t>(fd)] = State::closing;
    sink_.forget(fd);
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, static_cast<std::uint64_t>(fd), 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
  }

  FrameSink sink_;
  std::vector<char> storage_;
  std::vector<State> states_;  // by fd
  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buffer_ring_ = nullptr;
};

#endif  // TANDEM_HAVE_LIBURING

}  // namespace

std::int64_t now_us() {
  auto elapsed = std::chrono::steady_clock::now() - kStart;
  return std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
}

bool count_message(std::string_view text, DeliveryStats& stats, std::int64_t received_us) {
  ++stats.frames;
  bool ping = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (line == "{}") ping = true;
    std::size_t t = line.find("\"t\":");
    if (t != std::string_view::npos) {
      std::int64_t sent_us = std::strtoll(line.data() + t + 4, nullptr, 10);
      ++stats.deliveries;
      if (stats.latencies_us.size() < kMaxLatencySamples) {
        stats.latencies_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, received_us - sent_us)));
        auto second = std::max<std::int64_t>(0, received_us - stats.publish_started_us) / 1'000'000;
        stats.latency_second.push_back(static_cast<std::uint16_t>(std::min<std::int64_t>(second, 65535)));
      }
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return ping;
}

std::unique_ptr<SocketReader> make_socket_reader(const std::string& kind, DeliveryStats& stats, std::string& note) {
  if (kind == "epoll") return std::make_unique<EpollReader>(stats);
#ifdef TANDEM_HAVE_LIBURING
  auto reader = std::make_unique<UringReader>(stats);
  note = reader->open();
  if (note.empty()) return reader;
#else
  note = "built without liburing";
#endif
  return std::make_unique<EpollReader>(stats);
}

}  // namespace tandem::bench
