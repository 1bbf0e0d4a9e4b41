/*
 * Hidden: faults racing writers of their vma.
 */
import { type MmStruct, type Sim, type Vma, check_that, defineSuite, mm_alloc_now, sched_point } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, type PerVmaLock, guarded, handle_fault, mapped_vma_now, mprotect_vma, munmap_vma, unmap_all } from "../../../lib/pervma";

const ADDR = 0x10000;

function setup() {
  const mm = mm_alloc_now("mm");
  return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000) };
}

/**
 * An mprotect that splits its vma (__split_vma() after vma_start_write()): the
 * same vma is write-locked twice in one mmap_lock write cycle, the second
 * time a no-op, and changed only after both.
 */
function* mprotect_split(lock: PerVmaLock, mm: MmStruct, vma: Vma): Sim {
  const lk = guarded(lock);
  yield* lk.mmap_write_lock(mm);
  yield* lk.vma_start_write(vma);
  yield* sched_point();
  yield* lk.vma_start_write(vma);
  vma.vm_end = vma.vm_end - 0x1000;
  yield* lk.mmap_write_unlock(mm);
}

export default defineSuite<typeof Lock>((lk) => [
  {
    name: "fault vs munmap",
    description:
      "A page fault looks up its vma under RCU while munmap write-locks, detaches and frees it. In every interleaving " +
      "the fault either finishes under the per-VMA lock before the vma goes (munmap waits for it) or falls back to " +
      "mmap_lock and finds nothing: it must never use the vma after it was freed.",
    weight: 2,
    scenarios: [
      {
        name: "fault vs munmap",
        models: "a page fault racing the munmap of its vma",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "munmap", run: (s) => munmap_vma(lk, s.mm, s.vma) },
        ],
        check: (_s, ctx) =>
          check_that(
            ctx.results.fault === "per-vma" || ctx.results.fault === "segv",
            `the fault ended on the ${String(ctx.results.fault)} path: before munmap it takes the per-VMA lock, after it finds no vma`,
          ),
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "fault vs mprotect",
    description:
      "A page fault holds the per-VMA read lock while mprotect changes the vma's flags and size. The writer must wait " +
      "for the readers already inside: the vma may not change under a fault that holds its read lock.",
    weight: 2,
    scenarios: [
      {
        name: "fault vs mprotect",
        models: "a page fault racing a change of its vma under the write lock",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "mprotect", run: (s) => mprotect_vma(lk, s.mm, s.vma, 0x1) },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "fault vs two write cycles",
    description:
      "A writer changes the vma in one mmap_lock write cycle and again in the next, while a page fault takes the " +
      "per-VMA read lock, possibly between the two. Unlocking the mm must unlock the vma for good: the next cycle " +
      "must see the vma as not yet write-locked, lock it again and wait for the fault inside.",
    scenarios: [
      {
        name: "fault vs mprotect, mprotect",
        models: "a page fault racing two mprotects of its vma in two successive write cycles",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          {
            name: "mprotect x2",
            run: function* (s) {
              yield* mprotect_vma(lk, s.mm, s.vma, 0x1);
              yield* mprotect_vma(lk, s.mm, s.vma, 0x3);
            },
          },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
      {
        name: "fault vs split",
        models: "a page fault racing an mprotect that write-locks its vma twice in one cycle (a split)",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "split", run: (s) => mprotect_split(lk, s.mm, s.vma) },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "a writer and its readers are never inside together",
    description:
      "The rule itself, checked at every entry: no page fault holds a vma's read lock while a writer is between " +
      "vma_start_write() and mmap_write_unlock() on it. A writer that looks at the reader count and then marks the " +
      "vma in a second step lets a reader in between the two. These runs judge the interleaving alone, with the " +
      "data-race detector off (the tests above run the same races with it on).",
    scenarios: [
      {
        name: "fault vs mprotect, exclusion",
        models: "a page fault racing a change of its vma, with who is inside the vma tracked",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "mprotect", run: (s) => mprotect_vma(lk, s.mm, s.vma, 0x1) },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
        kcsan: false,
      },
      {
        name: "fault vs split, exclusion",
        models: "a page fault racing a vma write-locked twice in one cycle, with who is inside the vma tracked",
        setup,
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "split", run: (s) => mprotect_split(lk, s.mm, s.vma) },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
        kcsan: false,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "two writers of one mm",
    description:
      "Two mprotects of two vmas of one mm run at once. mmap_lock serialises them: each one's changes to the mm's " +
      "lock sequence happen inside its write cycle, never after it has let the other writer in.",
    scenarios: [
      {
        name: "mprotect vs mprotect",
        models: "two writers of one address space, each changing its own vma",
        setup: () => {
          const mm = mm_alloc_now("mm");
          return { mm, a: mapped_vma_now(mm, ADDR, 0x20000), b: mapped_vma_now(mm, 0x30000, 0x40000) };
        },
        threads: [
          { name: "mprotect A", run: (s) => mprotect_vma(lk, s.mm, s.a, 0x1) },
          { name: "mprotect B", run: (s) => mprotect_vma(lk, s.mm, s.b, 0x1) },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
]);
