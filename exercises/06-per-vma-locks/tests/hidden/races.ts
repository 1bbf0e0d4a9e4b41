/*
 * Hidden: faults racing writers of their vma.
 */
import { check_that, defineSuite, mm_alloc_now } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, handle_fault, mapped_vma_now, mprotect_vma, munmap_vma, unmap_all } from "../../../lib/pervma";

const ADDR = 0x10000;

function setup() {
  const mm = mm_alloc_now("mm");
  return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000) };
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
]);
