// The ground-truth test module (tests/kmod/) loaded for a test's duration:
// finit_module() on the .ko built for the running kernel, delete_module()
// when the object goes, also after a failed assertion.
#ifndef SUBMITWATCH_TESTS_GROUND_TRUTH_TEST_MODULE_H_
#define SUBMITWATCH_TESTS_GROUND_TRUTH_TEST_MODULE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace submitwatch::testing {

class TestModule {
 public:
  static constexpr const char* kName = "submitwatch_gt";

  // The module for the running kernel: $SUBMITWATCH_TEST_KMOD (set by
  // scripts/qemu-test), else what tests/kmod/build leaves in
  // build/kmod/<release>/src/. Empty when neither exists.
  static std::string PathForThisKernel();

  // Loads it; a copy left loaded by an earlier run is unloaded first, so
  // the devices start without remembered cgroups.
  static absl::StatusOr<std::unique_ptr<TestModule>> Load(const std::string& path);
  ~TestModule();

  // One of the module's counters (/sys/module/submitwatch_gt/parameters/).
  absl::StatusOr<uint64_t> Counter(const std::string& name) const;

 private:
  TestModule() = default;
};

// Removes the module if it is loaded; waits while its devices are busy.
absl::Status UnloadTestModule();

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_GROUND_TRUTH_TEST_MODULE_H_
