// Phase 2 of a load: the opened object carries out a plan (which programs
// load, their fentry targets, the read-only switches, map sizes). Opens the
// object without loading it: no privileges, no kernel.
#include "loader/configure_object.h"

#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include "fake_kernel_btf.h"
#include "gtest/gtest.h"
#include "submitwatch.skel.h"

namespace submitwatch {
namespace {

class ConfigureObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    skel_ = submitwatch_bpf::open();
    ASSERT_NE(skel_, nullptr);
  }
  void TearDown() override { submitwatch_bpf::destroy(skel_); }

  // A plan where every trial of `works` succeeds and every other fails.
  LoadPlan Plan(AttachMode works, const LoaderOptions& options) {
    BtfPtr btf = FakeKernelBtf({"submit_bio", "submit_bio_noacct", "__blk_throtl_bio",
                                "bio_associate_blkg_from_css"},
                               AllTracepoints());
    std::vector<std::string> log;
    absl::StatusOr<LoadPlan> plan = ResolveTargets(
        options, btf.get(),
        [works](AttachMode mode, const std::string&) {
          return mode == works ? absl::OkStatus() : absl::UnavailableError("no");
        },
        log);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return *plan;
  }

  bool Loads(const ProgramSlot& slot) const { return bpf_program__autoload(slot.In(skel_)); }

  // Whether the entry and exit programs of each mode load, on every point.
  void ExpectFunctionPrograms(bool fentry, bool kprobe) const {
    for (const FunctionHookSpec& spec : FunctionHooks()) {
      for (const AttachPoint& point : spec.points) {
        EXPECT_EQ(Loads(point.fentry), fentry) << HookName(spec.hook);
        EXPECT_EQ(Loads(point.fexit), fentry) << HookName(spec.hook);
        EXPECT_EQ(Loads(point.kprobe), kprobe) << HookName(spec.hook);
        EXPECT_EQ(Loads(point.kretprobe), kprobe) << HookName(spec.hook);
      }
    }
    // The programs branch on whether the function hooks are there.
    EXPECT_EQ(skel_->rodata->submit_depth_mode, fentry || kprobe);
    EXPECT_EQ(skel_->rodata->assoc_mode, fentry || kprobe);
    EXPECT_EQ(skel_->rodata->throttle_mode, fentry || kprobe);
  }

  void ExpectTracepointPrograms(bool slab) const {
    for (const TracepointHookSpec& spec : TracepointHooks()) {
      for (const HookProgram& p : spec.programs) {
        EXPECT_EQ(Loads(p.program), slab || spec.hook != Hook::kSlab) << HookName(spec.hook);
      }
    }
  }

  submitwatch_bpf* skel_ = nullptr;
};

TEST_F(ConfigureObjectTest, FentryPlanLoadsFentryProgramsOnTheirFunctions) {
  LoaderOptions options;
  options.all_allocs = true;
  options.ringbuf_bytes = 1u << 16;
  options.bio_keys = 4096;
  options.submit_ranges = {{0x1000, 0x2000, "submit_bio"}, {0x3000, 0x4000, "__submit_bio"}};
  const LoadPlan plan = Plan(AttachMode::kFentry, options);
  ASSERT_TRUE(ConfigureObject(plan, options, skel_).ok());

  ExpectFunctionPrograms(/*fentry=*/true, /*kprobe=*/false);
  ExpectTracepointPrograms(/*slab=*/false);
  EXPECT_TRUE(skel_->rodata->all_allocs);
  EXPECT_FALSE(skel_->rodata->user_stacks);  // off unless asked for
  EXPECT_EQ(skel_->rodata->nr_submit_ranges, 2u);
  EXPECT_EQ(bpf_map__max_entries(skel_->maps.events), 1u << 16);
  EXPECT_EQ(bpf_map__max_entries(skel_->maps.blkg_slots),
            static_cast<uint32_t>(libbpf_num_possible_cpus()));
  // The bio table: an index per key, its counts on every possible CPU.
  EXPECT_EQ(skel_->rodata->blkg_table_stride, 4096u);
  for (const bpf_map* map : {skel_->maps.blkg_index, skel_->maps.blkg_table_keys,
                             skel_->maps.blkg_table_free, skel_->maps.blkg_seen}) {
    EXPECT_EQ(bpf_map__max_entries(map), 4096u) << bpf_map__name(map);
  }
  EXPECT_EQ(bpf_map__max_entries(skel_->maps.blkg_table),
            4096u * static_cast<uint32_t>(libbpf_num_possible_cpus()));
}

TEST_F(ConfigureObjectTest, KprobePlanWithSlabLoadsKprobesAndSlab) {
  LoaderOptions options;
  options.slab = true;
  options.user_stacks = true;
  const LoadPlan plan = Plan(AttachMode::kKprobe, options);
  ASSERT_TRUE(ConfigureObject(plan, options, skel_).ok());
  ExpectFunctionPrograms(/*fentry=*/false, /*kprobe=*/true);
  ExpectTracepointPrograms(/*slab=*/true);
  EXPECT_FALSE(skel_->rodata->all_allocs);
  EXPECT_TRUE(skel_->rodata->user_stacks);
}

TEST_F(ConfigureObjectTest, TracepointPlanLoadsNoFunctionProgram) {
  LoaderOptions options;
  options.mode = AttachMode::kTracepoint;
  const LoadPlan plan = Plan(AttachMode::kFentry, options);
  ASSERT_TRUE(ConfigureObject(plan, options, skel_).ok());
  ExpectFunctionPrograms(/*fentry=*/false, /*kprobe=*/false);
  ExpectTracepointPrograms(/*slab=*/false);
}

}  // namespace
}  // namespace submitwatch
