/*
 * Hidden: readers never push vm_refcnt past VMA_REF_LIMIT.
 */
import { VMA_REF_LIMIT, check_that, defineSuite, hex, mm_alloc_now } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, handle_fault, mapped_vma_now } from "../../../lib/pervma";

const ADDR = 0x10000;

export default defineSuite<typeof Lock>((lk) => [
  {
    name: "readers stop at the reference limit",
    description:
      "The vma already counts VMA_REF_LIMIT - 1 (attached, plus as many readers as can be in flight but one). Three " +
      "faults arrive: one may take the last reader slot, the others must fall back to mmap_lock. A reader count that " +
      "grew into VMA_LOCK_OFFSET would look like a writer, and overflow after that.",
    scenarios: [
      {
        name: "three faults at the limit",
        models: "three page faults on a vma that is nearly full of readers",
        setup: () => {
          const mm = mm_alloc_now("mm");
          const vma = mapped_vma_now(mm, ADDR, 0x20000);
          vma.vm_refcnt.refs = VMA_REF_LIMIT - 1;
          return { mm, vma };
        },
        threads: [
          { name: "fault1", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "fault2", run: (s) => handle_fault(lk, s.mm, ADDR) },
          { name: "fault3", run: (s) => handle_fault(lk, s.mm, ADDR) },
        ],
        check: (s) =>
          check_that(
            s.vma.vm_refcnt.refs === VMA_REF_LIMIT - 1,
            `vm_refcnt ended at ${hex(s.vma.vm_refcnt.refs)}, not where it started (${hex(VMA_REF_LIMIT - 1)})`,
          ),
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 500 },
  },
  {
    name: "a full vma sends faults to mmap_lock",
    description:
      "The vma counts VMA_REF_LIMIT already. A fault may not add itself: it must fall back to mmap_lock and leave the " +
      "count as it was.",
    scenarios: [
      {
        name: "fault at the limit",
        models: "a page fault on a vma full of readers",
        setup: () => {
          const mm = mm_alloc_now("mm");
          const vma = mapped_vma_now(mm, ADDR, 0x20000);
          vma.vm_refcnt.refs = VMA_REF_LIMIT;
          return { mm, vma };
        },
        threads: [{ name: "fault", run: (s) => handle_fault(lk, s.mm, ADDR) }],
        check: (s, ctx) => {
          check_that(ctx.results.fault === "mmap_lock", `the fault took the ${String(ctx.results.fault)} path: a full vma must send it to mmap_lock`);
          check_that(
            s.vma.vm_refcnt.refs === VMA_REF_LIMIT,
            `vm_refcnt ended at ${hex(s.vma.vm_refcnt.refs)}, not where it started (${hex(VMA_REF_LIMIT)})`,
          );
        },
        caches: PERVMA_TYPESAFE,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
]);
