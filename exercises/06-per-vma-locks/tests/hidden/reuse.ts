/*
 * Hidden: a vma found under RCU is freed and reused (SLAB_TYPESAFE_BY_RCU)
 * before the fault pins it.
 */
import { defineSuite, mm_alloc_now } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, handle_fault, mapped_vma_now, mmap_region, munmap_vma, unmap_all } from "../../../lib/pervma";

const ADDR = 0x10000;

export default defineSuite<typeof Lock>((lk) => [
  {
    name: "vma reused for another mm",
    description:
      "While a fault in one process is between its RCU lookup and its reference, the vma is unmapped, freed, and " +
      "reused by another process's mmap. The reference then pins a vma of another mm: the fault must notice, drop it " +
      "and fall back, never work on another process's vma.",
    scenarios: [
      {
        name: "fault vs munmap + mmap in another mm",
        models: "a page fault racing the free and reuse of its vma by another address space",
        setup: () => {
          const mm = mm_alloc_now("mm1");
          const other = mm_alloc_now("mm2");
          other.mm_lock_seq = 100;
          return { mm, other, vma: mapped_vma_now(mm, ADDR, 0x20000) };
        },
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          {
            name: "munmap+mmap",
            run: function* (s) {
              yield* munmap_vma(lk, s.mm, s.vma);
              yield* mmap_region(lk, s.other, ADDR, 0x20000);
            },
          },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm, s.other);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "vma reused for another range",
    description:
      "The same race, but the vma is reused by the same process for another range. The mm matches; the address no " +
      "longer does. The fault must check the range of the vma it pinned.",
    scenarios: [
      {
        name: "fault vs munmap + mmap elsewhere",
        models: "a page fault racing the free and reuse of its vma at another address of the same mm",
        setup: () => {
          const mm = mm_alloc_now("mm");
          return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000) };
        },
        threads: [
          { name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) },
          {
            name: "munmap+mmap",
            run: function* (s) {
              yield* munmap_vma(lk, s.mm, s.vma);
              yield* mmap_region(lk, s.mm, 0x40000, 0x50000);
            },
          },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
]);
