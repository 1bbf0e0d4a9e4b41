/*
 * Public tests of copy_page_range(): what a fork must leave behind, with and
 * without memory.
 */
import { defineSuite } from "rmap-sim/testing";
import {
  PGTABLE_CACHES,
  check_fork_result,
  check_secondary_mmu,
  exit_fork_world,
  fork_world_now,
  type ForkWorld,
  fork_copy,
} from "../../../lib/cow";
import type * as Memory from "../../starter/memory";

export default defineSuite<typeof Memory>((mm) => {
  const fork = (w: ForkWorld) => fork_copy(mm, w);
  return [
    {
      name: "fork copies every pte, read-only on both sides",
      description:
        "A parent with four writable private pages forks. The child must map the same four pages, every pte " +
        "on both sides must now be read-only (so the first write copies the page), each page's mapcount must " +
        "count both mappings, and copy_page_range must return 0.",
      scenarios: [
        {
          name: "fork of a private writable vma",
          models: "dup_mmap copying one anonymous vma of four pages",
          setup: () => fork_world_now({ pages: 4 }),
          threads: [{ name: "fork", run: fork }],
          teardown: exit_fork_world,
          check: (w, ctx) => {
            const ret = ctx.results.fork;
            if (ret !== 0) throw new Error(`copy_page_range returned ${String(ret)} with plenty of memory: expected 0`);
            check_fork_result(w, ret);
          },
          leakCheck: PGTABLE_CACHES,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 10 },
    },
    {
      name: "the secondary MMU hears about the write-protection",
      description:
        "Before the fork a guest (a KVM-like secondary MMU) had a writable translation of the parent's page. " +
        "Fork write-protects the parent's pte; unless copy_page_range brackets the copy with " +
        "mmu_notifier_invalidate_range_start()/_end(), the guest keeps writing to a page that is now shared " +
        "with the child.",
      scenarios: [
        {
          name: "fork with a guest mapping",
          models: "a KVM guest that mapped the page before fork",
          setup: () => fork_world_now({ pages: 2, sptes: [0, 1] }),
          threads: [{ name: "fork", run: fork }],
          teardown: exit_fork_world,
          check: (w, ctx) => {
            check_fork_result(w, ctx.results.fork);
            check_secondary_mmu(w);
          },
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 10 },
    },
    {
      name: "no memory for the child's pte table",
      description:
        "The allocation of the child's pte table fails. copy_page_range must return -ENOMEM, and a notifier " +
        "range it started must still be ended: a secondary MMU waits for the end before it maps anything again. " +
        "The test runs twice, once with the allocation succeeding and once with it failing.",
      scenarios: [
        {
          name: "pte_alloc fails",
          models: "fork under memory pressure: the last page-table allocation fails",
          setup: () => fork_world_now({ pages: 2 }),
          threads: [{ name: "fork", run: fork }],
          teardown: exit_fork_world,
          check: (w, ctx) => check_fork_result(w, ctx.results.fork),
          faults: { caches: ["pgtable_pte"], maxFailures: 1 },
          leakCheck: PGTABLE_CACHES,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 10 },
    },
  ];
});
