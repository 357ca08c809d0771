// Every hook of the table names programs of the built BPF object, of the kind
// its mode needs, and every program of the object belongs to one hook. Opens
// the object without loading it: no privileges, no kernel.
#include "loader/hook_table.h"

#include <bpf/libbpf.h>

#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

class HookTable : public ::testing::Test {
 protected:
  void SetUp() override {
    skel_ = submitwatch_bpf::open();
    ASSERT_NE(skel_, nullptr) << "cannot open the built BPF object";
  }
  void TearDown() override { submitwatch_bpf::destroy(skel_); }

  // Counts the slot's program and returns it; null for an empty slot.
  const bpf_program* Use(const ProgramSlot& slot) {
    if (!slot) return nullptr;
    const bpf_program* prog = slot.In(skel_);
    EXPECT_NE(prog, nullptr);
    if (prog != nullptr) ++uses_[bpf_program__name(prog)];
    EXPECT_EQ(&slot.LinkIn(skel_), &(skel_->links.*slot.link));
    return prog;
  }

  submitwatch_bpf* skel_ = nullptr;
  std::map<std::string, int> uses_;
};

TEST_F(HookTable, FunctionHookProgramsAreOfTheirMode) {
  for (const FunctionHookSpec& spec : FunctionHooks()) {
    ASSERT_FALSE(spec.points.empty()) << HookName(spec.hook);
    for (const AttachPoint& point : spec.points) {
      EXPECT_FALSE(point.functions.empty()) << HookName(spec.hook);
      if (const bpf_program* p = Use(point.fentry)) {
        EXPECT_EQ(bpf_program__expected_attach_type(p), BPF_TRACE_FENTRY) << bpf_program__name(p);
      }
      if (const bpf_program* p = Use(point.fexit)) {
        EXPECT_EQ(bpf_program__expected_attach_type(p), BPF_TRACE_FEXIT) << bpf_program__name(p);
      }
      if (const bpf_program* p = Use(point.kprobe)) {
        EXPECT_EQ(bpf_program__type(p), BPF_PROG_TYPE_KPROBE);
        EXPECT_STREQ(bpf_program__section_name(p), "kprobe") << bpf_program__name(p);
      }
      if (const bpf_program* p = Use(point.kretprobe)) {
        EXPECT_EQ(bpf_program__type(p), BPF_PROG_TYPE_KPROBE);
        EXPECT_STREQ(bpf_program__section_name(p), "kretprobe") << bpf_program__name(p);
      }
      // Each mode hooks entry and exit.
      EXPECT_EQ(ProgramsFor(point, AttachMode::kFentry).size(), 2u) << HookName(spec.hook);
      EXPECT_EQ(ProgramsFor(point, AttachMode::kKprobe).size(), 2u) << HookName(spec.hook);
      EXPECT_TRUE(ProgramsFor(point, AttachMode::kTracepoint).empty());
    }
  }
}

TEST_F(HookTable, TracepointHookProgramsAreOnTheirTracepoint) {
  for (const TracepointHookSpec& spec : TracepointHooks()) {
    ASSERT_FALSE(spec.programs.empty()) << HookName(spec.hook);
    for (const HookProgram& hp : spec.programs) {
      const bpf_program* p = Use(hp.program);
      ASSERT_NE(p, nullptr) << HookName(spec.hook);
      // "tp_btf/percpu_alloc_percpu", "raw_tp/kmalloc": the section names the tracepoint.
      const std::string section = bpf_program__section_name(p);
      EXPECT_TRUE(absl::EndsWith(section, std::string("/") + hp.tracepoint))
          << bpf_program__name(p) << " is in " << section << ", not on " << hp.tracepoint;
    }
  }
}

TEST_F(HookTable, EveryProgramOfTheObjectBelongsToOneHook) {
  for (const FunctionHookSpec& spec : FunctionHooks()) {
    for (const AttachPoint& point : spec.points) {
      for (const ProgramSlot* slot : {&point.fentry, &point.fexit, &point.kprobe, &point.kretprobe}) {
        Use(*slot);
      }
    }
  }
  for (const TracepointHookSpec& spec : TracepointHooks()) {
    for (const HookProgram& hp : spec.programs) Use(hp.program);
  }
  int programs = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    ++programs;
    EXPECT_EQ(uses_[bpf_program__name(prog)], 1) << bpf_program__name(prog);
  }
  EXPECT_EQ(static_cast<size_t>(programs), uses_.size());
}

TEST(HookNames, AreDistinctAndKnown) {
  std::set<std::string> names;
  for (const FunctionHookSpec& spec : FunctionHooks()) names.insert(HookName(spec.hook));
  for (const TracepointHookSpec& spec : TracepointHooks()) names.insert(HookName(spec.hook));
  EXPECT_EQ(names.size(), FunctionHooks().size() + TracepointHooks().size());
  EXPECT_EQ(names.count("?"), 0u);
  EXPECT_STREQ(HookName(Hook::kSubmitPath), "submit_path");
}

}  // namespace
}  // namespace submitwatch
