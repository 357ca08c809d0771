// The program whose frames `--user-stacks` must name (kernel.UserStacks.*):
// O_DIRECT writes to a block device from functions with known names. Built
// by the test suite with -g and frame pointers, not stripped, and a stripped
// copy beside it (submitwatch_test_writer.stripped).
//
// usage: submitwatch_test_writer DEVICE BLOCKS [--uid UID] [--unshare-mount-ns]
//                                [--hold-ms MS]
//
// The device is opened first (as root), then the process gives up root for
// UID when asked (a process of another user, not dumpable), or moves to a
// mount namespace of its own, then writes BLOCKS 4 KiB blocks, stays MS
// milliseconds (so that it surely exists when its events are read), exits.
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK_SIZE 4096

// The kernel walks user stacks by frame pointers; libc's pwrite() keeps
// none, so the frame that calls it is skipped (its return address is on the
// stack, not in a frame record). This one is that frame; the next is the
// one the tests look for.
__attribute__((noinline)) int submitwatch_test_issue_write(int fd, const void* buf, off_t offset) {
  return pwrite(fd, buf, BLOCK_SIZE, offset) == BLOCK_SIZE ? 0 : -1;
}

__attribute__((noinline)) int submitwatch_test_write_path(int fd, int blocks) {
  void* buf;
  if (posix_memalign(&buf, BLOCK_SIZE, BLOCK_SIZE) != 0) return -1;
  memset(buf, 0x5a, BLOCK_SIZE);
  int rc = 0;
  for (int i = 0; i < blocks && rc == 0; ++i) {
    rc = submitwatch_test_issue_write(fd, buf, (off_t)i * BLOCK_SIZE);
  }
  free(buf);
  return rc;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DEVICE BLOCKS [--uid UID] [--unshare-mount-ns] [--hold-ms MS]\n",
            argv[0]);
    return 2;
  }
  const int blocks = atoi(argv[2]);
  int fd = open(argv[1], O_WRONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  long hold_ms = 0;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc) {
      const uid_t uid = (uid_t)atoi(argv[++i]);
      if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
          setresuid(uid, uid, uid) != 0) {
        perror("setresuid");
        return 1;
      }
    } else if (strcmp(argv[i], "--hold-ms") == 0 && i + 1 < argc) {
      hold_ms = atol(argv[++i]);
    } else if (strcmp(argv[i], "--unshare-mount-ns") == 0) {
      if (unshare(CLONE_NEWNS) != 0) {
        perror("unshare");
        return 1;
      }
    } else {
      fprintf(stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (submitwatch_test_write_path(fd, blocks) != 0) {
    perror("pwrite");
    return 1;
  }
  close(fd);
  const struct timespec hold = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};
  nanosleep(&hold, NULL);
  return 0;
}
