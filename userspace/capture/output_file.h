// Where a capture or report goes: stdout ("-"); a device or FIFO written in
// place (/dev/null, a named pipe); or a regular file created 0600 in the
// target's directory, unnamed until Commit() links it under a temporary name
// and renames it into place. A reader never sees half a file, a killed
// process leaves nothing behind, and a symlink planted at the target is
// replaced, not followed.
#ifndef SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_
#define SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace submitwatch {

class OutputFile {
 public:
  // Errors about the path itself (a directory, no permission, no such
  // directory) are InvalidArgument: the command line was wrong.
  static absl::StatusOr<OutputFile> Create(const std::string& path);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();  // removes the temporary file unless committed

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool is_stdout() const { return kind_ == Kind::kStdout; }
  // fsync, close and rename into place (regular files); close (devices).
  absl::Status Commit();

 private:
  enum class Kind { kStdout, kDevice, kUnnamed, kNamedTemp };
  OutputFile(Kind kind, std::string path, std::string temp_path, int fd)
      : kind_(kind), path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

  Kind kind_;
  std::string path_;
  std::string temp_path_;  // kUnnamed: the name Commit() links it under
  int fd_ = -1;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_OUTPUT_FILE_H_
