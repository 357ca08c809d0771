// Human-friendly durations and byte sizes for tables: the TUI and the text
// report print the same "1.5ms" and "4.0KiB".
#ifndef SUBMITWATCH_MODEL_UNITS_H_
#define SUBMITWATCH_MODEL_UNITS_H_

#include <cstdint>
#include <string>

namespace submitwatch {

// "850ns", "12.3us", "4.6ms", "1.25s", "3m20s".
std::string FormatDuration(uint64_t ns);

// "512B", "4.0KiB", "1.5MiB", "2.0GiB", "1.0TiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_UNITS_H_
