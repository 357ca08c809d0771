// Where a capture or report goes: stdout ("-"), or a file created 0600 in the
// target's directory, unnamed until Commit() links it under a temporary name
// and renames it into place. A reader never sees half a file, a killed
// process leaves nothing behind, and a symlink planted at the target is
// replaced, not followed.
#ifndef SUBMITWATCH_SINKS_CAPTURE_OUTPUT_FILE_H_
#define SUBMITWATCH_SINKS_CAPTURE_OUTPUT_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace submitwatch {

class OutputFile {
 public:
  static absl::StatusOr<OutputFile> Create(const std::string& path);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();  // removes the temporary file unless committed

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool is_stdout() const { return path_ == "-"; }
  // fsync, close and rename into place.
  absl::Status Commit();

 private:
  OutputFile(std::string path, std::string temp_path, int fd, bool unnamed)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd), unnamed_(unnamed) {}

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool unnamed_ = false;  // O_TMPFILE: no name until Commit()
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_CAPTURE_OUTPUT_FILE_H_
