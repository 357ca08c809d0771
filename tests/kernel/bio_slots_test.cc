// The hot path of block_bio_queue on the real kernel: a cgroup's bios are
// counted in its key's per-CPU slot, falling back to the table behind the
// slots (an index per key, its counts per CPU) only on a CPU where another
// key holds that slot; and once the cgroup is removed, the
// collector empties its slots while the capture keeps its exact totals. The
// maps are read with bpftool while `record` runs, as an operator would.
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bpf/events.h"
#include "capture/capture_reader.h"
#include "capture/json_parser.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

constexpr int kBlocks = 64;

// The id of the map called `name` that process `pid` holds.
std::optional<uint32_t> MapIdOf(pid_t pid, const std::string& name) {
  for (const auto& fd : std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fdinfo"))) {
    std::ifstream info(fd.path());
    for (std::string text; std::getline(info, text);) {
      absl::string_view line = text;
      uint32_t id = 0;
      if (!absl::ConsumePrefix(&line, "map_id:") ||
          !absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &id)) {
        continue;
      }
      CommandResult show = RunCommand({"bpftool", "-j", "map", "show", "id", absl::StrCat(id)});
      absl::StatusOr<JsonValue> map = ParseJson(show.output);
      if (map.ok() && map->Find("name") != nullptr && map->Find("name")->AsString() != nullptr &&
          *map->Find("name")->AsString() == name) {
        return id;
      }
    }
  }
  return std::nullopt;
}

// `bpftool map dump` of a map, as the BTF-formatted entries.
std::vector<JsonValue> DumpMap(uint32_t id) {
  CommandResult dump = RunCommand({"bpftool", "-j", "map", "dump", "id", absl::StrCat(id)});
  EXPECT_EQ(dump.exit_code, 0) << dump.output;
  absl::StatusOr<JsonValue> all = ParseJson(dump.output);
  EXPECT_TRUE(all.ok() && all->is_array()) << dump.output.substr(0, 200);
  std::vector<JsonValue> out;
  if (!all.ok() || !all->is_array()) return out;
  for (const JsonValue& e : *all->AsArray()) {
    if (const JsonValue* f = e.Find("formatted")) out.push_back(*f);
  }
  return out;
}

uint64_t Uint(const JsonValue& v, std::initializer_list<const char*> path) {
  const JsonValue* at = &v;
  for (const char* name : path) {
    at = at->Find(name);
    if (at == nullptr) return 0;
  }
  return at->AsUint64().value_or(0);
}

struct Counts {
  uint64_t bios = 0;
  uint64_t bytes = 0;
};

// One (blkg, cgroup) key as the kernel holds it now.
struct KeyState {
  std::map<uint32_t, Counts> slot_by_cpu;   // its own slot on that CPU
  std::map<uint32_t, Counts> table_by_cpu;  // at its index in the table, per CPU
  // Per CPU, the blkg of whatever holds the key's slot (0: empty).
  std::map<uint32_t, uint64_t> slot_holder;
};

// `bpftool map lookup` of one element of an array, as its BTF-formatted value.
JsonValue LookupArray(uint32_t id, uint32_t at) {
  std::vector<std::string> command = {"bpftool", "-j", "map", "lookup", "id", absl::StrCat(id),
                                      "key"};
  for (int byte = 0; byte < 4; ++byte) command.push_back(absl::StrCat((at >> (8 * byte)) & 0xff));
  CommandResult lookup = RunCommand(command);
  EXPECT_EQ(lookup.exit_code, 0) << lookup.output;
  absl::StatusOr<JsonValue> element = ParseJson(lookup.output);
  const JsonValue* value =
      element.ok() && element->Find("formatted") ? element->Find("formatted")->Find("value")
                                                 : nullptr;
  EXPECT_NE(value, nullptr) << lookup.output.substr(0, 200);
  return value != nullptr ? *value : JsonValue();
}

// The table's maps, as `record` holds them.
struct TableMaps {
  uint32_t index_id = 0;  // blkg_index: key -> index
  uint32_t counts_id = 0;  // blkg_table: the counts, stride per CPU
  uint32_t stride = 0;
};

// Every key of `cgroup_id` in the slots and the table, by blkg.
std::map<uint64_t, KeyState> KeysOf(uint32_t slots_id, const TableMaps& table, uint64_t cgroup_id) {
  std::map<uint64_t, KeyState> keys;
  std::vector<JsonValue> slots = DumpMap(slots_id);
  const int cpus = libbpf_num_possible_cpus();
  for (const JsonValue& index_entry : DumpMap(table.index_id)) {
    if (Uint(index_entry, {"key", "task_cgroup_id"}) != cgroup_id) continue;
    KeyState& k = keys[Uint(index_entry, {"key", "blkg"})];
    const uint32_t index = static_cast<uint32_t>(Uint(index_entry, {"value"}));
    for (int cpu = 0; cpu < cpus; ++cpu) {
      const JsonValue counts =
          LookupArray(table.counts_id, sw_blkg_table_at(cpu, index, table.stride));
      Counts& c = k.table_by_cpu[static_cast<uint32_t>(cpu)];
      c.bios += Uint(counts, {"bios"});
      c.bytes += Uint(counts, {"bytes"});
    }
  }
  for (const JsonValue& cpu_entry : slots) {
    const uint32_t cpu = static_cast<uint32_t>(Uint(cpu_entry, {"key"}));
    const JsonValue* list = cpu_entry.Find("value") ? cpu_entry.Find("value")->Find("slots") : nullptr;
    if (list == nullptr || !list->is_array() || list->AsArray()->size() != SW_BLKG_SLOTS) {
      ADD_FAILURE() << "no " << SW_BLKG_SLOTS << " slots for CPU " << cpu;
      continue;
    }
    for (const JsonValue& s : *list->AsArray()) {
      if (Uint(s, {"key", "task_cgroup_id"}) != cgroup_id) continue;
      Counts& c = keys[Uint(s, {"key", "blkg"})].slot_by_cpu[cpu];
      c.bios += Uint(s, {"counts", "bios"});
      c.bytes += Uint(s, {"counts", "bytes"});
    }
    for (auto& [blkg, k] : keys) {
      const JsonValue& own = (*list->AsArray())[sw_blkg_slot_index(blkg, cgroup_id)];
      k.slot_holder[cpu] = Uint(own, {"key", "blkg"});
    }
  }
  return keys;
}

TEST(BioSlots, BiosCountInTheKeysSlotAndLeaveWithTheCgroup) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(16 << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  absl::StatusOr<std::unique_ptr<TestCgroup>> cg = TestCgroup::Create("bio-slots");
  ASSERT_TRUE(cg.ok()) << cg.status();
  struct stat st;
  ASSERT_EQ(stat((*cg)->dir().c_str(), &st), 0);
  const uint64_t id = st.st_ino;  // the kernfs id the kernel reports as the cgroup id
  const std::string capture = TempPath("slots.jsonl");
  absl::Cleanup remove_capture = [&] { unlink(capture.c_str()); };
  absl::StatusOr<std::unique_ptr<RecordProcess>> rec =
      RecordProcess::Start(capture, {"--interval", "200ms"});
  ASSERT_TRUE(rec.ok()) << rec.status();
  const std::optional<uint32_t> slots_id = MapIdOf((*rec)->pid(), "blkg_slots");
  const std::optional<uint32_t> index_id = MapIdOf((*rec)->pid(), "blkg_index");
  const std::optional<uint32_t> counts_id = MapIdOf((*rec)->pid(), "blkg_table");
  ASSERT_TRUE(slots_id && index_id && counts_id)
      << "record holds no blkg_slots, blkg_index or blkg_table map";
  TableMaps table{*index_id, *counts_id, 0};
  {
    CommandResult show = RunCommand({"bpftool", "-j", "map", "show", "id", absl::StrCat(*index_id)});
    absl::StatusOr<JsonValue> map = ParseJson(show.output);
    ASSERT_TRUE(map.ok()) << show.output;
    table.stride = static_cast<uint32_t>(Uint(*map, {"max_entries"}));
    ASSERT_GT(table.stride, 0u) << show.output;
  }

  ASSERT_EQ(DirectWritesFromCgroup((*cg)->dir(), (*loop)->device(), kBlocks), 0);

  // The loop device's key: the one with the dd's bios (an exec that missed
  // the page cache adds a key on the root disk).
  std::map<uint64_t, KeyState> keys = KeysOf(*slots_id, table, id);
  bool found = false;
  for (const auto& [blkg, k] : keys) {
    Counts in_slots, in_table;
    for (const auto& [cpu, c] : k.slot_by_cpu) {
      in_slots.bios += c.bios;
      in_slots.bytes += c.bytes;
    }
    for (const auto& [cpu, c] : k.table_by_cpu) {
      in_table.bios += c.bios;
      in_table.bytes += c.bytes;
      // The table only where another key holds the slot.
      if (c.bios == 0) continue;
      EXPECT_NE(k.slot_holder.at(cpu), 0u) << "CPU " << cpu << ": table used, slot empty";
      EXPECT_NE(k.slot_holder.at(cpu), blkg) << "CPU " << cpu << ": in the table and its slot";
    }
    if (in_slots.bios + in_table.bios != kBlocks) continue;
    found = true;
    EXPECT_EQ(in_slots.bytes + in_table.bytes, kBlocks * 4096u);
    // Nothing else does IO from this cgroup: its slot is free on every CPU
    // unless the machine's own IO took it first, and then the table has it.
    for (const auto& [cpu, holder] : k.slot_holder) {
      if (holder == blkg) {
        EXPECT_GT(k.slot_by_cpu.at(cpu).bios, 0u);
      }
    }
  }
  ASSERT_TRUE(found) << "no key of cgroup " << id << " with " << kBlocks << " bios";

  // Removed, the cgroup's keys leave the slots and the table's index within
  // a few snapshots.
  cg->reset();
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = KeysOf(*slots_id, table, id).empty();
  }
  EXPECT_TRUE(gone) << "cgroup " << id << " still in the kernel maps 5 s after rmdir";

  ASSERT_EQ((*rec)->Stop(SIGINT), 0) << (*rec)->Stderr();
  absl::StatusOr<std::vector<Record>> records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();
  uint64_t last_bios = 0;
  for (const Record& r : *records) {
    const auto* b = std::get_if<BlkgRecord>(&r);
    if (b != nullptr && b->cgroup_id == id && b->disk == (*loop)->name()) last_bios = b->bios;
  }
  EXPECT_EQ(last_bios, static_cast<uint64_t>(kBlocks));
}

}  // namespace
}  // namespace submitwatch::testing
