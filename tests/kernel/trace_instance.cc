#include "trace_instance.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch::testing {

absl::StatusOr<std::unique_ptr<TraceInstance>> TraceInstance::Start(
    const std::vector<std::string>& events, const std::string& clock) {
  std::unique_ptr<TraceInstance> t(new TraceInstance());
  const char* tmp = getenv("TMPDIR");
  std::string dir = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/submitwatch-tracefs-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", dir, ": ", ErrnoText(errno)));
  }
  t->mount_dir_ = dir;
  if (mount("nodev", dir.c_str(), "tracefs", 0, nullptr) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot mount tracefs on ", dir, ": ", ErrnoText(errno),
                     " (a kernel without CONFIG_TRACING, or not root)"));
  }
  t->mounted_ = true;
  t->instance_dir_ = absl::StrCat(dir, "/instances/submitwatch-test-", getpid());
  if (mkdir(t->instance_dir_.c_str(), 0700) != 0) {
    const int err = errno;
    t->instance_dir_.clear();
    return absl::InternalError(absl::StrCat("cannot make a tracefs instance: ", ErrnoText(err)));
  }
  if (absl::Status s = t->Write("tracing_on", "0"); !s.ok()) return s;
  if (absl::Status s = t->Write("trace_clock", clock); !s.ok()) return s;
  if (absl::Status s = t->Write("buffer_size_kb", "8192"); !s.ok()) return s;
  for (const std::string& e : events) {
    const std::string file = absl::StrCat("events/", e, "/enable");
    if (absl::Status s = t->Write(file, "1"); !s.ok()) return s;
    t->enabled_.push_back(file);
  }
  if (absl::Status s = t->Write("tracing_on", "1"); !s.ok()) return s;
  return t;
}

absl::Status TraceInstance::Write(const std::string& file, const std::string& value) const {
  const std::string path = absl::StrCat(instance_dir_, "/", file);
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("cannot write '", value, "' to ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> TraceInstance::StopAndRead() {
  if (absl::Status s = Write("tracing_on", "0"); !s.ok()) return s;
  const std::string path = absl::StrCat(instance_dir_, "/trace");
  std::ifstream in(path);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TraceInstance::~TraceInstance() {
  if (!instance_dir_.empty()) {
    (void)Write("tracing_on", "0");
    for (const std::string& file : enabled_) (void)Write(file, "0");
    // An instance is removed with rmdir, its files with it.
    rmdir(instance_dir_.c_str());
  }
  if (mounted_) umount2(mount_dir_.c_str(), MNT_DETACH);
  if (!mount_dir_.empty()) rmdir(mount_dir_.c_str());
}

}  // namespace submitwatch::testing
