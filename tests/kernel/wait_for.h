// Polls a condition every 100 ms until it holds or `seconds` pass.
#ifndef SUBMITWATCH_TESTS_KERNEL_WAIT_FOR_H_
#define SUBMITWATCH_TESTS_KERNEL_WAIT_FOR_H_

#include <chrono>
#include <functional>
#include <thread>

namespace submitwatch::testing {

// True once `done` returned true; false if it still did not after `seconds`.
inline bool WaitFor(const std::function<bool()>& done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_WAIT_FOR_H_
