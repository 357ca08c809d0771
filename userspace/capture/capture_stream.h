// A capture written while it is recorded, durably and off the thread that
// consumes events. Write() formats a record into a buffer and returns; a
// writer thread of its own hands the buffer to write(2) and, every sync
// interval, calls fdatasync(2), so that a host that hangs or a recorder
// that is killed leaves a capture holding everything up to the last sync.
// Neither a slow write (page-cache allocation under memory pressure) nor a
// sync (milliseconds) delays the caller. Memory is bounded: when the writer
// is stalled and the buffer reaches kMaxBufferedBytes, Write() waits (the
// kernel ring buffer then fills, and what it cannot hold is counted lost).
// It owns the output (output_file.h): Finish() commits it (a streaming
// capture is renamed from FILE.partial to FILE); dropped without Finish(),
// what was written stays under FILE.partial.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_STREAM_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_STREAM_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "capture/capture_writer.h"
#include "capture/output_file.h"
#include "model/records.h"

namespace submitwatch {

class CaptureStream {
 public:
  // The buffer is handed to the writer once it holds this much, or at the
  // next sync, whichever comes first.
  static constexpr size_t kHandOverBytes = 32 << 10;
  // Each of the two buffers holds this from the start, so that usually they
  // never grow: no allocation, and no locked memory added while recording.
  static constexpr size_t kBufferBytes = 256 << 10;
  // What accumulates while the writer is busy (a sync takes ~10 ms, more on
  // a busy disk; a flood of --all-allocs writes 14 MiB/s) before Write()
  // waits: a buffer grows past kBufferBytes only then, and only to this.
  static constexpr size_t kMaxBufferedBytes = 4 << 20;
  // Room kept for the next line whenever a buffer grows: it grows to
  // kMaxBufferedBytes plus this at most, where doubling took it to twice
  // that, all of it locked.
  static constexpr size_t kLineRoomBytes = 64 << 10;

  struct Options {
    // Write out and fdatasync this often; zero: write when the buffer
    // fills, never sync (Commit's fsync is the only one). Only regular
    // files are synced; a pipe is written out at the interval all the same,
    // for whoever reads it live.
    absl::Duration sync_interval = absl::Seconds(1);
    // Never fdatasync, only write out at the interval (a temporary capture
    // nobody asked to keep).
    bool no_sync = false;
  };

  // What the writer thread did, for `record --verbose` and bench/.
  struct Stats {
    uint64_t bytes = 0;
    uint64_t writes = 0;
    uint64_t syncs = 0;
    uint64_t sync_ns_total = 0;
    uint64_t sync_ns_max = 0;
    uint64_t thread_cpu_ns = 0;  // the writer thread's CPU time (set by Finish)
    uint64_t thread_wall_ns = 0;  // from Start to Finish
  };

  // Starts the writer thread.
  static absl::StatusOr<std::unique_ptr<CaptureStream>> Start(OutputFile file, Options options);
  // Stops the thread after writing out what is buffered, without committing.
  ~CaptureStream();
  CaptureStream(const CaptureStream&) = delete;
  CaptureStream& operator=(const CaptureStream&) = delete;

  // Buffers the record's line. After a failed write or sync every later
  // call returns that error (errno attached: EPIPE when the reader left).
  absl::Status Write(const Record& record);
  // Asks the writer to write out what is buffered now, and to sync if the
  // sync interval is (all but) over; returns at once. The live loop calls
  // it after each snapshot: a killed recorder then loses at most the
  // records since the last snapshot, and a reader of a pipe sees each
  // snapshot as it is taken.
  void Flush();
  // Writes out what is buffered, stops the thread and commits the output;
  // the first error (then nothing is committed).
  absl::Status Finish();
  const OutputFile& file() const { return file_; }
  // Complete once Finish() returned.
  const Stats& stats() const { return stats_; }

 private:
  CaptureStream(OutputFile file, Options options);
  void Stop();
  void Run();
  // Called with mu_ released: writes `batch` out, then syncs if asked.
  absl::Status WriteOut(const std::string& batch, bool sync);

  OutputFile file_;
  const int fd_;
  const Options options_;
  const bool sync_;
  const uint64_t start_ns_;
  CaptureWriter formatter_;  // used under mu_

  std::mutex mu_;
  std::condition_variable wake_writer_;  // a full buffer, or stop
  std::condition_variable taken_;        // the writer took the buffer
  std::string pending_;                  // filled by Write(), under mu_
  bool stop_ = false;
  bool flush_requested_ = false;
  absl::Status error_;
  Stats stats_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_STREAM_H_
