// How every submitwatch process has malloc keep and give back memory: set by
// main() before anything is allocated, and by the benchmarks that stand in
// for the tool's processes, since it changes what their work costs (memory
// malloc keeps is reused without a page fault; memory it gives back is
// faulted in again when next needed).
#ifndef SUBMITWATCH_COMMON_MALLOC_POLICY_H_
#define SUBMITWATCH_COMMON_MALLOC_POLICY_H_

namespace submitwatch {

// One malloc arena. Blocks of 128 KiB and more in mappings of their own,
// given back to the kernel when freed, and a free heap top past 128 KiB
// trimmed: in the heap they would stay mapped, and a process locked with
// mlockall would keep them all resident (setup peaks at 30 MiB while it
// parses kallsyms and BTF). Fixed, so glibc does not raise the thresholds
// as large blocks are freed.
void ApplyMallocPolicy();

}  // namespace submitwatch

#endif  // SUBMITWATCH_COMMON_MALLOC_POLICY_H_
