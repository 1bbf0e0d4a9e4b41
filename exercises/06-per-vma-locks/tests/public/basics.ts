/*
 * Public tests: the life of a vm_refcnt, and the two ways a fault ends.
 */
import { check_that, defineSuite, mm_alloc_now, rcu_read_lock, rcu_read_unlock } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, handle_fault, mapped_vma_now, mmap_region, mprotect_vma, munmap_vma, unmap_all } from "../../../lib/pervma";

const ADDR = 0x10000;

export default defineSuite<typeof Lock>((lk) => [
  {
    name: "mmap attaches, munmap detaches",
    description:
      "A new vma starts detached (vm_refcnt 0). mmap write-locks it and marks it attached (1); munmap write-locks it, " +
      "takes it out of the tree and marks it detached (0) before freeing it.",
    scenarios: [
      {
        name: "mmap then munmap",
        models: "one process maps and unmaps a region",
        setup: () => ({ mm: mm_alloc_now("mm"), seen: { attached: -1, detached: -1 } }),
        threads: [
          {
            name: "mmap",
            run: function* (s) {
              const vma = yield* mmap_region(lk, s.mm, ADDR, 0x20000);
              if (!vma) return;
              s.seen.attached = vma.vm_refcnt.refs;
              yield* lk.mmap_write_lock(s.mm);
              yield* lk.vma_start_write(vma);
              yield* lk.vma_mark_detached(vma);
              s.seen.detached = vma.vm_refcnt.refs;
              yield* lk.vma_mark_attached(vma);
              yield* lk.mmap_write_unlock(s.mm);
              yield* munmap_vma(lk, s.mm, vma);
            },
          },
        ],
        check: (s) => {
          check_that(s.seen.attached === 1, `an attached, unlocked vma has vm_refcnt 1, it had ${s.seen.attached}`);
          check_that(s.seen.detached === 0, `a detached vma has vm_refcnt 0, it had ${s.seen.detached}`);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "a write-locked vma turns readers away",
    description:
      "While mmap_lock is held for writing and the vma is write-locked (vm_lock_seq equals mm_lock_seq), " +
      "vma_start_read() must fail; once mmap_write_unlock() moves mm_lock_seq on, it succeeds and vma_end_read() gives " +
      "the reference back.",
    scenarios: [
      {
        name: "read while write-locked, then after",
        models: "one thread trying the per-VMA read lock before and after a write section",
        setup: () => {
          const mm = mm_alloc_now("mm");
          return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000), seen: { locked: "unset", unlocked: "unset", refs: -1 } };
        },
        threads: [
          {
            name: "t",
            run: function* (s) {
              yield* lk.mmap_write_lock(s.mm);
              yield* lk.vma_start_write(s.vma);
              yield* rcu_read_lock();
              const r1 = yield* lk.vma_start_read(s.mm, s.vma);
              yield* rcu_read_unlock();
              s.seen.locked = r1 === null ? "null" : String(r1);
              if (r1 !== null && typeof r1 !== "number") yield* lk.vma_end_read(r1);
              yield* lk.mmap_write_unlock(s.mm);
              yield* rcu_read_lock();
              const r2 = yield* lk.vma_start_read(s.mm, s.vma);
              yield* rcu_read_unlock();
              s.seen.unlocked = r2 === s.vma ? "vma" : String(r2);
              if (r2 !== null && typeof r2 !== "number") {
                s.seen.refs = r2.vm_refcnt.refs;
                yield* lk.vma_end_read(r2);
              }
            },
          },
        ],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        check: (s) => {
          check_that(s.seen.locked === "null", `vma_start_read() on a write-locked vma must return NULL, it returned ${s.seen.locked}`);
          check_that(s.seen.unlocked === "vma", `vma_start_read() after mmap_write_unlock() must return the vma, it returned ${s.seen.unlocked}`);
          check_that(s.seen.refs === 2, `a read-locked attached vma has vm_refcnt 2, it had ${s.seen.refs}`);
        },
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "a fault takes the per-VMA lock, or falls back",
    description:
      "A fault alone takes the per-VMA read lock. A fault racing an mprotect of its vma either gets in before the " +
      "writer (which then waits for it) or falls back to mmap_lock; either way the vma must not change under it.",
    scenarios: [
      {
        name: "fault alone",
        models: "a page fault with nobody else around",
        setup: () => {
          const mm = mm_alloc_now("mm");
          return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000) };
        },
        threads: [{ name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) }],
        teardown: function* (s) {
          yield* unmap_all(lk, s.mm);
        },
        check: (_s, ctx) => check_that(ctx.results.fault === "per-vma", `the fault took the ${String(ctx.results.fault)} path, not the per-VMA lock`),
        leakCheck: ["vm_area_struct"],
        caches: PERVMA_TYPESAFE,
      },
      {
        name: "fault vs mprotect",
        models: "a page fault while another thread changes the protection of the vma",
        setup: () => {
          const mm = mm_alloc_now("mm");
          return { mm, vma: mapped_vma_now(mm, ADDR, 0x20000) };
        },
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
    explore: { strategy: "dpor", maxExecutions: 500 },
  },
]);
