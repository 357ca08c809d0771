// A process's executable mappings, from /proc/PID/maps: what names a user
// address as "module+offset" when it cannot be symbolized (the process is
// gone before its symbols were read, its binary is stripped, or it lives in
// another mount namespace).
#ifndef SUBMITWATCH_SYMBOLS_PROCESS_MAPS_H_
#define SUBMITWATCH_SYMBOLS_PROCESS_MAPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace submitwatch {

struct ProcessMapping {
  uint64_t start = 0;
  uint64_t end = 0;          // exclusive
  uint64_t file_offset = 0;  // of `start` in the file
  std::string path;          // "/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]"
};

// The executable mappings that have a name, sorted by start; lines it cannot
// read are skipped (the file is the kernel's, but a process may map a file
// whose name has a newline).
std::vector<ProcessMapping> ParseProcessMaps(absl::string_view text);

// The mapping that holds `address`, or nullptr.
const ProcessMapping* FindMapping(const std::vector<ProcessMapping>& mappings, uint64_t address);

// What a frame shows of a mapping's path: its last component, without the
// " (deleted)" the kernel appends to a file removed since it was mapped.
std::string ModuleName(absl::string_view path);

// "libc.so.6+0x10e1a2": the module and the address's offset in its file.
std::string ModuleOffsetFrame(const ProcessMapping& mapping, uint64_t address);

// "0x7f1c2a4e51a2": an address no mapping names.
std::string BareAddressFrame(uint64_t address);

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_PROCESS_MAPS_H_
