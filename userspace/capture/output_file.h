// Where a capture or report goes. Standard output ("-") and devices or FIFOs
// (/dev/null, a named pipe) are written in place. A regular file is created
// 0600 in the target's directory, in one of three ways:
//
// * Create (reports, exports): unnamed until Commit() renames it into place,
//   so a reader never sees half a file and a killed process leaves nothing.
// * CreateStreaming (captures being recorded): PATH.partial exists from the
//   start and holds every record written and synced so far, so a capture
//   outlives a SIGKILL, an OOM kill or a hung host; Commit() renames it to
//   PATH. An existing PATH.partial (a capture cut off before) is never
//   overwritten.
// * CreateTemporary (a capture nobody asked to keep): unnamed in a private
//   directory until Commit() names it there; killed before, nothing is left.
//
// Names are resolved against the directory opened once at the start
// (openat/renameat with O_NOFOLLOW and O_EXCL), so a symlink planted at PATH
// or PATH.partial is replaced or refused, never followed.
#ifndef SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_
#define SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace submitwatch {

// What a capture is called while it is being written (CreateStreaming).
inline constexpr char kPartialSuffix[] = ".partial";

class OutputFile {
 public:
  // Errors about the path itself (a directory, no permission, no such
  // directory, an existing PATH.partial) are InvalidArgument: the command
  // line was wrong.
  static absl::StatusOr<OutputFile> Create(const std::string& path);
  static absl::StatusOr<OutputFile> CreateStreaming(const std::string& path);
  // Commit() names it `dir`/`stem`-XXXXXX.jsonl (XXXXXX: random).
  static absl::StatusOr<OutputFile> CreateTemporary(const std::string& dir,
                                                    const std::string& stem);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  // Unless committed: removes an unnamed or named temporary file; a
  // streaming capture's PATH.partial stays (it is what was captured) unless
  // nothing was written to it.
  ~OutputFile();

  int fd() const { return fd_; }
  // The name the output has once committed ("" for a temporary one before).
  const std::string& path() const { return path_; }
  // Where the data is now: PATH.partial while streaming, else path().
  std::string current_path() const;
  bool is_stdout() const { return kind_ == Kind::kStdout; }
  // A regular file, where fdatasync(2) makes the data durable (not a pipe,
  // a terminal or a device).
  bool syncable() const { return kind_ != Kind::kStdout && kind_ != Kind::kDevice; }
  // fsync, close and rename into place (regular files); close (devices).
  absl::Status Commit();

 private:
  enum class Kind { kStdout, kDevice, kUnnamed, kNamedTemp, kStreaming, kTemporary };
  OutputFile(Kind kind, std::string path, std::string dir, int dir_fd, std::string name,
             std::string temp_name, int fd)
      : kind_(kind),
        path_(std::move(path)),
        dir_(std::move(dir)),
        dir_fd_(dir_fd),
        name_(std::move(name)),
        temp_name_(std::move(temp_name)),
        fd_(fd) {}
  // Standard output, a device or FIFO opened to be written in place, or a
  // regular file still to be made (fd -1) as `kind`, its directory open and
  // its temporary name the target's plus `temp_suffix`.
  static absl::StatusOr<OutputFile> Target(const std::string& path, Kind kind,
                                           const std::string& temp_suffix);
  // Links an unnamed file under `name` in its directory.
  absl::Status LinkUnnamed(int fd, const std::string& name);
  absl::Status CommitTemporary(int fd);

  Kind kind_;
  std::string path_;
  std::string dir_;        // the target's directory as given
  int dir_fd_ = -1;        // ... opened once
  std::string name_;       // the target's name in dir_fd_
  std::string temp_name_;  // the name it has or gets before the rename, in dir_fd_
  int fd_ = -1;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_
