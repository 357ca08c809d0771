#include "cli/scratch_loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/temp_directory.h"
#include "absl/strings/strip.h"
#include "cli/kernel_files.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

constexpr int kPollMs = 50;
constexpr int kAttempts = 20;

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// The loop device's backing file as the kernel shows it; "" when detached.
std::string BackingFile(const std::string& device) {
  const std::string name = device.substr(device.rfind('/') + 1);
  return std::string(absl::StripTrailingAsciiWhitespace(
      ReadKernelFile(absl::StrCat("/sys/block/", name, "/loop/backing_file"))));
}

bool IsOurs(const std::string& device, const std::string& backing_dir) {
  return absl::StartsWith(BackingFile(device), backing_dir + "/");
}

// The backing file and its directory: unlinked when this goes, attached to
// a device or not (the device keeps the file open).
class BackingFileInDir {
 public:
  BackingFileInDir(std::string file, std::string dir, UniqueFd fd)
      : file_(std::move(file)), dir_(std::move(dir)), fd_(std::move(fd)) {}
  ~BackingFileInDir() {
    fd_.reset();
    unlink(file_.c_str());
    rmdir(dir_.c_str());
  }
  BackingFileInDir(const BackingFileInDir&) = delete;
  BackingFileInDir& operator=(const BackingFileInDir&) = delete;

  int fd() const { return fd_.get(); }

 private:
  std::string file_;
  std::string dir_;
  UniqueFd fd_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ScratchLoopDevice>> ScratchLoopDevice::Create(uint64_t size_bytes) {
  auto loop = std::unique_ptr<ScratchLoopDevice>(new ScratchLoopDevice);
  loop->size_bytes_ = size_bytes;
  std::string dir_template = absl::StrCat(TempDirectory(), "/submitwatch-demo-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    return ErrnoError(absl::StrCat("mkdtemp ", dir_template));
  }
  loop->backing_dir_ = dir_template;
  const std::string file = absl::StrCat(loop->backing_dir_, "/disk.img");
  // From here the file and its directory go, attached or not.
  const BackingFileInDir backing(
      file, loop->backing_dir_,
      UniqueFd(open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)));
  if (backing.fd() < 0) return ErrnoError(absl::StrCat("create ", file));
  if (ftruncate(backing.fd(), static_cast<off_t>(size_bytes)) != 0) {
    return ErrnoError(absl::StrCat("size ", file));
  }

  const UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control.valid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open /dev/loop-control: ", ErrnoText(errno),
                     " (is the loop module loaded? modprobe loop)"));
  }
  // Another process may take the free device between our two calls: retry.
  for (int attempt = 0; attempt < kAttempts && !loop->fd_.valid(); ++attempt) {
    const int number = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (number < 0) return ErrnoError("LOOP_CTL_GET_FREE");
    const std::string device = absl::StrCat("/dev/loop", number);
    UniqueFd fd(open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) {  // udev has not made the node yet
        SleepMs(kPollMs);
        continue;
      }
      return ErrnoError(absl::StrCat("open ", device));
    }
    loop_config config = {};
    config.fd = static_cast<uint32_t>(backing.fd());
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    snprintf(reinterpret_cast<char*>(config.info.lo_file_name), LO_NAME_SIZE, "%s", file.c_str());
    if (ioctl(fd.get(), LOOP_CONFIGURE, &config) != 0) {
      if (errno == EBUSY) continue;
      return ErrnoError(absl::StrCat("LOOP_CONFIGURE ", device));
    }
    struct stat st;
    fstat(fd.get(), &st);
    loop->device_ = device;
    loop->major_ = major(st.st_rdev);
    loop->minor_ = minor(st.st_rdev);
    loop->fd_ = std::move(fd);
  }
  if (!loop->fd_.valid()) {
    return absl::UnavailableError(
        absl::StrCat("no free loop device after ", kAttempts, " attempts"));
  }
  return loop;
}

std::string ScratchLoopDevice::name() const { return device_.substr(device_.rfind('/') + 1); }

void ScratchLoopDevice::DetachIfOurs(const std::string& device, const std::string& backing_dir,
                                     int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += kPollMs) {
    if (!IsOurs(device, backing_dir)) return;
    // With other openers (udev probing) this only marks it for autoclear,
    // which happens at their last close.
    {
      const UniqueFd fd(open(device.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.valid()) ioctl(fd.get(), LOOP_CLR_FD, 0);
    }  // closed before the wait: our opener must not hold the device
    SleepMs(kPollMs);
  }
}

ScratchLoopDevice::~ScratchLoopDevice() {
  if (!fd_.valid()) return;
  ioctl(fd_.get(), LOOP_CLR_FD, 0);
  fd_.reset();
  DetachIfOurs(device_, backing_dir_, 10'000);
  if (IsOurs(device_, backing_dir_)) {
    fprintf(stderr,
            "submitwatch demo: warning: %s is still attached (busy); it detaches itself "
            "when its last user closes it\n",
            device_.c_str());
  }
}

}  // namespace submitwatch
