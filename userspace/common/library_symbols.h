// The functions of a library opened with dlopen(3), bound by name into a
// table of typed pointers. Binding stops at the first name the library
// lacks and remembers it: the caller's error names the function, and so
// the package that is too old.
#ifndef SUBMITWATCH_COMMON_LIBRARY_SYMBOLS_H_
#define SUBMITWATCH_COMMON_LIBRARY_SYMBOLS_H_

#include <dlfcn.h>

namespace submitwatch {

class LibrarySymbols {
 public:
  explicit LibrarySymbols(void* handle) : handle_(handle) {}

  template <typename Fn>
  void Bind(const char* name, Fn*& fn) {
    if (missing_ != nullptr) return;
    fn = reinterpret_cast<Fn*>(dlsym(handle_, name));
    if (fn == nullptr) missing_ = name;
  }
  // The first name not found; nullptr when all were.
  const char* missing() const { return missing_; }

 private:
  void* handle_;
  const char* missing_ = nullptr;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COMMON_LIBRARY_SYMBOLS_H_
