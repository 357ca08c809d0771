#include "capture/capture_stream.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <string_view>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

uint64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// What the user can do about a failed write, for the errors that have an
// answer.
std::string_view WriteErrorHint(int error_number) {
  switch (error_number) {
    case ENOSPC:
    case EDQUOT: return "; free space or write the capture elsewhere";
    case EPIPE: return "; the program reading the output exited";
    case EFBIG: return "; the capture exceeds the file size limit (ulimit -f)";
    case EBADF: return "; the output is not open for writing";
    default: return "";
  }
}

absl::Status ErrnoStatus(const char* what, int error_number) {
  return WithErrno(absl::Status(absl::ErrnoToStatusCode(error_number),
                                absl::StrFormat("cannot %s the capture: %s%s", what,
                                                ErrnoText(error_number),
                                                WriteErrorHint(error_number))),
                   error_number);
}

}  // namespace

CaptureStream::CaptureStream(OutputFile file, Options options)
    : file_(std::move(file)),
      fd_(file_.fd()),
      options_(options),
      sync_(file_.syncable() && !options.no_sync),
      start_ns_(ClockNs(CLOCK_MONOTONIC)) {
  pending_.reserve(kBufferBytes);
}

absl::StatusOr<std::unique_ptr<CaptureStream>> CaptureStream::Start(OutputFile file,
                                                                   Options options) {
  if (options.sync_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the sync interval cannot be negative");
  }
  std::unique_ptr<CaptureStream> stream(new CaptureStream(std::move(file), options));
  stream->thread_ = std::thread([s = stream.get()] { s->Run(); });
  return stream;
}

CaptureStream::~CaptureStream() { Stop(); }

absl::Status CaptureStream::Write(const Record& record) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  if (pending_.capacity() - pending_.size() < kLineRoomBytes) {
    pending_.reserve(std::min(2 * pending_.capacity(), kMaxBufferedBytes) + kLineRoomBytes);
  }
  formatter_.AppendLine(record, pending_);
  if (pending_.size() < kHandOverBytes) return absl::OkStatus();
  wake_writer_.notify_one();
  // The writer is stalled on a previous batch: wait rather than grow.
  if (pending_.size() >= kMaxBufferedBytes) {
    taken_.wait(lock, [&] { return pending_.size() < kMaxBufferedBytes || !error_.ok(); });
  }
  return error_;
}

void CaptureStream::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
  }
  wake_writer_.notify_one();
  thread_.join();
  stats_.thread_wall_ns = ClockNs(CLOCK_MONOTONIC) - start_ns_;
}

void CaptureStream::Flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    flush_requested_ = true;
  }
  wake_writer_.notify_one();
}

absl::Status CaptureStream::Finish() {
  Stop();
  if (!error_.ok()) return error_;
  return file_.Commit();
}

void CaptureStream::Run() {
  // Stop signals belong to the thread that polls, whose wait they cut short.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  using Clock = std::chrono::steady_clock;
  const bool timed = options_.sync_interval > absl::ZeroDuration();
  const auto interval = std::chrono::nanoseconds(absl::ToInt64Nanoseconds(options_.sync_interval));
  // A Flush() this close to the next sync syncs at once: with the default
  // intervals (both 1 s) each snapshot is synced as soon as it is written,
  // whatever the phase between the two clocks.
  const auto early = interval / 10;
  Clock::time_point last_sync = Clock::now();
  // Swapped with pending_ under the lock, written without it; its capacity
  // comes back for the next batch.
  std::string batch;
  batch.reserve(kBufferBytes);
  bool unsynced = false;  // written since the last sync
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const auto ready = [&] {
      return stop_ || flush_requested_ || pending_.size() >= kHandOverBytes;
    };
    if (timed) {
      wake_writer_.wait_until(lock, last_sync + interval, ready);
    } else {
      wake_writer_.wait(lock, ready);
    }
    const Clock::time_point now = Clock::now();
    const bool due = timed && now + (flush_requested_ ? early : Clock::duration::zero()) >=
                                  last_sync + interval;
    const bool flush = flush_requested_ || due;
    flush_requested_ = false;
    const bool stopping = stop_;
    if (pending_.empty() && !flush) {
      if (stopping) break;
      continue;
    }
    batch.swap(pending_);
    lock.unlock();
    taken_.notify_all();
    unsynced |= !batch.empty();
    // The last batch is synced by whoever commits the file (OutputFile).
    const bool sync = due && unsynced && sync_ && !stopping;
    absl::Status status = WriteOut(batch, sync);
    if (due) last_sync = now;
    if (sync) unsynced = false;
    batch.clear();
    lock.lock();
    if (!status.ok()) {
      error_ = status;
      // The capture is incomplete either way; do not hold the data forever.
      pending_.clear();
      taken_.notify_all();
      break;
    }
    if (stopping && pending_.empty()) break;
  }
  stats_.thread_cpu_ns = ClockNs(CLOCK_THREAD_CPUTIME_ID);
}

absl::Status CaptureStream::WriteOut(const std::string& batch, bool sync) {
  size_t done = 0;
  while (done < batch.size()) {
    const ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
    if (n < 0 && errno == EINTR) continue;
    // write(2) returns 0 only for a zero-length request; treat it as no
    // progress rather than spinning.
    if (n <= 0) return ErrnoStatus("write", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (!batch.empty()) {
    stats_.bytes += batch.size();
    ++stats_.writes;
  }
  if (!sync) return absl::OkStatus();
  const uint64_t begin = ClockNs(CLOCK_MONOTONIC);
  if (fdatasync(fd_) != 0) {
    // A file system that cannot sync (EINVAL, EROFS) loses nothing by it.
    if (errno != EINVAL && errno != EROFS) return ErrnoStatus("sync", errno);
  }
  const uint64_t took = ClockNs(CLOCK_MONOTONIC) - begin;
  ++stats_.syncs;
  stats_.sync_ns_total += took;
  if (took > stats_.sync_ns_max) stats_.sync_ns_max = took;
  return absl::OkStatus();
}

}  // namespace submitwatch
