// The TUI's pure parts, without a terminal: column fitting, replay pacing,
// rates between frames, and the selection following its row.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/model.h"
#include "sinks/tui/frame_builder.h"
#include "sinks/tui/layout.h"
#include "sinks/tui/pane.h"
#include "sinks/tui/replay_pacer.h"
#include "sinks/tui/screen.h"
#include "sinks/tui/text_view.h"
#include "sinks/tui/view_state.h"

namespace submitwatch::tui {
namespace {

TEST(Layout, ColumnsKeepTheirContentWhenTheyFit) {
  std::vector<ColumnSpec> columns = {{"A"}, {"PATH", Align::kLeft, 0, 4, Keep::kTail}, {"N"}};
  EXPECT_EQ(FitColumns(columns, {3, 10, 2}, 80), (std::vector<int>{3, 10, 2}));
}

TEST(Layout, ShortWidthShrinksThenHidesByDropOrder) {
  std::vector<ColumnSpec> columns = {{"KEY"},
                                     {"PATH", Align::kLeft, 0, 6, Keep::kTail},
                                     {"LOW", Align::kRight, 2},
                                     {"MID", Align::kRight, 1}};
  // 3 + 20 + 3 + 3 + 3 gaps = 32: the path shrinks first.
  EXPECT_EQ(FitColumns(columns, {3, 20, 3, 3}, 26), (std::vector<int>{3, 14, 3, 3}));
  // 3 + 6 + 3 + 3 + 3 = 18 > 16: the highest drop order goes.
  EXPECT_EQ(FitColumns(columns, {3, 20, 3, 3}, 16), (std::vector<int>{3, 8, 0, 3}));
  EXPECT_EQ(FitColumns(columns, {3, 20, 3, 3}, 11), (std::vector<int>{3, 7, 0, 0}));
}

TEST(Layout, CellsAreCutVisibly) {
  EXPECT_EQ(FitCell("blkg_alloc", 6, Align::kLeft, Keep::kHead), "blkg_~");
  EXPECT_EQ(FitCell("/a/b/leaf", 6, Align::kLeft, Keep::kTail), "~/leaf");
  EXPECT_EQ(FitCell("12", 5, Align::kRight, Keep::kHead), "   12");
  EXPECT_EQ(Printable("dd\x1b[2J\xff"), "dd?[2J?");
}

TEST(Layout, WrapKeepsIndentationAndBreaksAtBlanks) {
  EXPECT_EQ(Wrap("  key  a long value here", 14, 3),
            (std::vector<std::string>{"  key  a long", "     value", "     here"}));
  EXPECT_EQ(Wrap("short", 14, 3), (std::vector<std::string>{"short"}));
}

TEST(ReplayPacer, KeepsRecordedSpacingScaledBySpeed) {
  ReplayPacer pacer(2.0);
  EXPECT_EQ(pacer.DueAt(0, 500), 500u);  // the header: at once
  EXPECT_EQ(pacer.DueAt(1'000, 10'000), 10'000u);  // anchors
  pacer.Fed(1'000);
  EXPECT_EQ(pacer.DueAt(3'000, 10'100), 11'000u);  // 2000 ns of capture at x2
  EXPECT_EQ(pacer.Position(10'500), 2'000u);
  pacer.Fed(3'000);
  pacer.End();
  EXPECT_EQ(pacer.Position(99'000), 3'000u);  // stays on the last record
}

TEST(ReplayPacer, SpeedZeroIsAtOnce) {
  ReplayPacer pacer(0);
  EXPECT_EQ(pacer.DueAt(1'000, 10), 10u);
  EXPECT_EQ(pacer.DueAt(9'000'000'000, 11), 11u);
  pacer.Fed(9'000'000'000);
  EXPECT_EQ(pacer.Position(12), 9'000'000'000u);
}

BlkgRecord Row(uint64_t ts, uint64_t bios) {
  BlkgRecord b;
  b.ts_ns = ts;
  b.first_seen_ns = 1'000'000'000;
  b.cgroup_id = b.blkg_cgroup_id = 7;
  b.cgroup = b.blkg_cgroup = "/x";
  b.disk = "loop0";
  b.online = b.has_stats = true;
  b.bios = bios;
  b.bytes = bios * 4096;
  return b;
}

// A model and its frames, the session started at 1 s; "/x" with 100 bios
// at 2 s.
class FrameBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override { model.Add(Row(2'000'000'000, 100)); }
  std::shared_ptr<const Frame> Build(uint64_t now_ns) {
    return builder.Build(model, now_ns, 1'000'000'000, status);
  }

  Model model;
  FrameBuilder builder;
  FeedStatus status;
};

TEST_F(FrameBuilderTest, RatesComeFromTheDeltaBetweenFrames) {
  std::shared_ptr<const Frame> first = Build(2'000'000'000);
  ASSERT_EQ(first->cgroups.size(), 1u);
  // First sight: the average over the row's life, 100 bios in 1 s.
  ASSERT_TRUE(first->cgroups[0].bios_per_s().has_value());
  EXPECT_DOUBLE_EQ(*first->cgroups[0].bios_per_s(), 100);
  model.Add(Row(2'500'000'000, 150));
  status.events = 20;
  std::shared_ptr<const Frame> second = Build(2'500'000'000);
  EXPECT_DOUBLE_EQ(*second->cgroups[0].bios_per_s(), 100);  // 50 in 0.5 s
  EXPECT_DOUBLE_EQ(*second->cgroups[0].bytes_per_s(), 100 * 4096);
  EXPECT_DOUBLE_EQ(*second->events_per_s, 40);
  // A clock that stands still keeps the last rates.
  std::shared_ptr<const Frame> third = Build(2'500'000'000);
  EXPECT_DOUBLE_EQ(*third->cgroups[0].bios_per_s(), 100);
  // After a clear no rate spans it.
  model.Clear();
  builder.Reset();
  model.Add(Row(3'000'000'000, 170));
  std::shared_ptr<const Frame> fourth = Build(3'000'000'000);
  ASSERT_EQ(fourth->cgroups.size(), 1u);
  EXPECT_EQ(fourth->cgroups[0].row.bios, 20u);
  EXPECT_FALSE(fourth->cgroups[0].bios_per_s().has_value());
  EXPECT_EQ(fourth->clears, third->clears + 1);
}

// A row pushed to another place by a new one ahead of it keeps its rate's
// history; a row that did not change reads zero once the clock moves.
TEST_F(FrameBuilderTest, RatesFollowRowsThatMovedAndZeroRowsThatStood) {
  ASSERT_EQ(Build(2'000'000'000)->cgroups.size(), 1u);
  BlkgRecord ahead = Row(2'500'000'000, 10);
  ahead.cgroup_id = ahead.blkg_cgroup_id = 3;
  ahead.cgroup = ahead.blkg_cgroup = "/a";  // placed before "/x"
  ahead.first_seen_ns = 2'000'000'000;
  model.Add(ahead);
  model.Add(Row(2'500'000'000, 150));
  std::shared_ptr<const Frame> second = Build(2'500'000'000);
  ASSERT_EQ(second->cgroups.size(), 2u);
  ASSERT_EQ(second->cgroups[1].row.cgroup, "/x");
  EXPECT_DOUBLE_EQ(*second->cgroups[1].bios_per_s(), 100);  // 50 in 0.5 s
  EXPECT_DOUBLE_EQ(*second->cgroups[0].bios_per_s(), 20);   // first sight: 10 in 0.5 s
  std::shared_ptr<const Frame> third = Build(3'000'000'000);
  ASSERT_EQ(third->cgroups.size(), 2u);
  EXPECT_EQ(&third->cgroups[1].row, &second->cgroups[1].row);  // shared, not rebuilt
  EXPECT_DOUBLE_EQ(*third->cgroups[0].bios_per_s(), 0);
  EXPECT_DOUBLE_EQ(*third->cgroups[1].bios_per_s(), 0);
}

// The filter's answers kept from the last refresh give the table a fresh
// filter would: rows that changed, rows that came, a changed filter.
TEST(CgroupTable, RememberedFilterAnswersMatchAFreshFilter) {
  Model model;
  FrameBuilder builder;
  FeedStatus status;
  CgroupFilterMemo memo;
  uint64_t now = 2'000'000'000;
  const auto pair = [&](int i, uint64_t bios) {
    BlkgRecord b = Row(now, bios);
    b.cgroup_id = b.blkg_cgroup_id = 100 + i;
    b.cgroup = b.blkg_cgroup = (i % 3 == 0 ? "/keep/c" : "/other/c") + std::to_string(i);
    model.Add(b);
  };
  int pairs = 200;
  for (int i = 0; i < pairs; ++i) pair(i, 1 + i);
  std::string filter = "KEEP";
  for (int round = 0; round < 12; ++round) {
    now += 1'000'000'000;
    // Every seventh row changes, a few new ones come, and once the filter.
    for (int i = round % 7; i < pairs; i += 7) pair(i, 1000 * round + i);
    for (int k = 0; k < 5; ++k) pair(pairs++, 3);
    if (round == 6) filter = "c1";
    std::shared_ptr<const Frame> frame = builder.Build(model, now, 1'000'000'000, status);
    const int sort = round % 3;
    const PaneTable remembered = CgroupTable(*frame, sort, filter, &memo);
    const PaneTable fresh = CgroupTable(*frame, sort, filter);
    ASSERT_EQ(remembered.row_ids, fresh.row_ids) << "round " << round;
    ASSERT_GT(fresh.size(), 10u);
    for (size_t i = 0; i < fresh.size(); ++i) {
      EXPECT_EQ(remembered.Row(i).cells, fresh.Row(i).cells) << "round " << round << " row " << i;
    }
  }
}

TEST(ViewState, SelectionFollowsItsRowWhenTheOrderChanges) {
  PaneTable table;
  table.rows = {{"a", {}, {}}, {"b", {}, {}}, {"c", {}, {}}};
  ViewState state;
  state.SyncTable(table, 10);
  state.HandleKey({Key::kDown});
  state.SyncTable(table, 10);
  EXPECT_EQ(state.selected(), 1);
  std::swap(table.rows[0], table.rows[1]);  // b moves to the top
  state.SyncTable(table, 10);
  EXPECT_EQ(state.selected(), 0);
  state.HandleKey({Key::kEnd});
  state.SyncTable(table, 2);
  EXPECT_EQ(state.selected(), 2);
  EXPECT_EQ(state.top(), 1);  // scrolled into the 2-row body
  table.rows.pop_back();  // the selected row went away
  state.SyncTable(table, 2);
  EXPECT_EQ(state.selected(), 1);
}

TEST(ViewState, FilterPromptAppliesOnEnterAndCancelsOnEscape) {
  ViewState state;
  state.HandleKey({Key::kChar, '/'});
  EXPECT_EQ(state.mode(), ViewState::Mode::kFilterEdit);
  for (char c : std::string("dd")) state.HandleKey({Key::kChar, c});
  state.HandleKey({Key::kChar, 'q'});  // typed, not quit
  state.HandleKey({Key::kBackspace});
  EXPECT_FALSE(state.HandleKey({Key::kEnter}).quit);
  EXPECT_EQ(state.filter(), "dd");
  state.HandleKey({Key::kChar, '/'});
  state.HandleKey({Key::kChar, 'x'});
  state.HandleKey({Key::kEscape});
  EXPECT_EQ(state.filter(), "dd");
  EXPECT_EQ(state.mode(), ViewState::Mode::kTable);
  EXPECT_TRUE(state.HandleKey({Key::kChar, 'q'}).quit);
}

// --user-stacks: the stack view shows the user part below the kernel part,
// headed with why frames are not named when some are not.
TEST(AllocationDetail, ShowsTheUserStackBelowTheKernelStack) {
  Model model;
  AllocRecord a;
  a.ts_ns = 1;
  a.is_atomic = true;
  a.context = kContextSubmit;
  a.site = "blkg_alloc";
  a.comm = "writer";
  a.stack = {"pcpu_alloc_noprof+0x656", "entry_SYSCALL_64_after_hwframe+0x76"};
  a.user_stack = {"__pwrite64+0x13 (libc.so.6)", "write_path+0x72 (writer)"};
  model.Add(a);
  AllocRecord stripped = a;
  stripped.user_stack = {"__pwrite64+0x13 (libc.so.6)", "writer+0x12de"};
  stripped.user_stack_fallback = "no_symbols";
  model.Add(stripped);
  Frame frame;
  const std::vector<AllocRow> rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  const TextView view = AllocationDetail(frame, rows[0]);
  std::vector<std::string> lines;
  for (const TextLine& line : view.lines) lines.push_back(line.text);
  const auto at = [&](const std::string& text) {
    return std::find(lines.begin(), lines.end(), text) - lines.begin();
  };
  const auto kernel_end = at("    entry_SYSCALL_64_after_hwframe+0x76");
  ASSERT_LT(kernel_end, static_cast<long>(lines.size()));
  EXPECT_EQ(lines[kernel_end + 1], "  user stack");
  EXPECT_EQ(lines[kernel_end + 2], "    __pwrite64+0x13 (libc.so.6)");
  EXPECT_EQ(lines[kernel_end + 3], "    write_path+0x72 (writer)");
  const auto fallback = at("  user stack (no_symbols)");
  ASSERT_LT(fallback, static_cast<long>(lines.size()));
  EXPECT_EQ(view.lines[fallback].style, Style::kWarn);
  EXPECT_EQ(lines[fallback + 2], "    writer+0x12de");
}

TEST(Screen, EverySizeGivesExactlyThatManyLinesNoneTooWide) {
  Frame frame;
  CaptureHeader header;
  header.host = "h";
  header.hooks = {{"percpu_alloc", "tracepoint", "a long explanation of what it cannot see"}};
  frame.header = header;
  for (int width : {20, 40, 80, 200}) {
    for (int height : {5, 10, 24, 50}) {
      ViewState state;
      Screen screen = ComposeScreen(frame, state, width, height);
      ASSERT_EQ(static_cast<int>(screen.size()), height) << width << "x" << height;
      for (const ScreenLine& line : screen) {
        size_t size = 0;
        for (const Span& span : line.spans) size += span.text.size();
        EXPECT_LE(static_cast<int>(size), width) << width << "x" << height;
      }
    }
  }
}

}  // namespace
}  // namespace submitwatch::tui
