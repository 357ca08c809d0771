// A kernel's BTF built in memory for loader tests: the functions and the
// tracepoints (btf_trace_<name> typedefs with a parameter count) it is given,
// nothing else.
#ifndef SUBMITWATCH_TESTS_UNIT_FAKE_KERNEL_BTF_H_
#define SUBMITWATCH_TESTS_UNIT_FAKE_KERNEL_BTF_H_

#include <bpf/btf.h>

#include <map>
#include <string>
#include <vector>

#include "loader/hook_table.h"
#include "loader/kernel_btf.h"

namespace submitwatch {

inline BtfPtr FakeKernelBtf(const std::vector<std::string>& functions,
                            const std::map<std::string, int>& tracepoint_args) {
  BtfPtr b(btf__new_empty(), btf__free);
  const int u64 = btf__add_int(b.get(), "u64", 8, 0);
  const int proto = btf__add_func_proto(b.get(), u64);
  for (const std::string& fn : functions) btf__add_func(b.get(), fn.c_str(), BTF_FUNC_GLOBAL, proto);
  for (const auto& [tracepoint, args] : tracepoint_args) {
    const int tp_proto = btf__add_func_proto(b.get(), 0);
    for (int i = 0; i < args; ++i) btf__add_func_param(b.get(), "", u64);
    const std::string name = "btf_trace_" + tracepoint;
    btf__add_typedef(b.get(), name.c_str(), btf__add_ptr(b.get(), tp_proto));
  }
  return b;
}

// Every tracepoint of the hook table, with the parameter count it expects.
inline std::map<std::string, int> AllTracepoints() {
  std::map<std::string, int> args;
  for (const TracepointHookSpec& spec : TracepointHooks()) {
    for (const HookProgram& p : spec.programs) args[p.tracepoint] = p.btf_args >= 0 ? p.btf_args : 3;
  }
  return args;
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_TESTS_UNIT_FAKE_KERNEL_BTF_H_
