/*
 * Hidden: every page-table allocation of the copy fails in turn, and a
 * failed fork is retried, whose allocations fail in turn too.
 */
import { PAGE_SIZE, defineSuite, type Scenario } from "rmap-sim/testing";
import {
  PGTABLE_CACHES,
  PMD_SPAN,
  PUD_SPAN,
  check_fork_result,
  exit_fork_world,
  fork_world_now,
  type ForkWorld,
  type ForkWorldOptions,
  fork_copy_retried,
} from "../../../lib/cow";
import type * as Memory from "../../starter/memory";

export default defineSuite<typeof Memory>((mm) => {
  const sweep = (name: string, models: string, o: ForkWorldOptions): Scenario<ForkWorld> => ({
    name,
    models,
    setup: () => fork_world_now(o),
    threads: [{ name: "fork", run: (w) => fork_copy_retried(mm, w) }],
    teardown: exit_fork_world,
    check: (w, ctx) => check_fork_result(w, ctx.results.fork),
    // Each allocation may fail, and a failed fork is retried once: the search runs the copy with no failure,
    // with each allocation failing, and with each allocation of the retry failing after each of the first.
    faults: { caches: PGTABLE_CACHES, maxFailures: 2 },
    leakCheck: PGTABLE_CACHES,
  });
  // Four pages straddling a 1 GiB boundary: one pud table, two pmd tables, two pte tables in the child.
  const across = { start: PUD_SPAN - 2 * PAGE_SIZE, pages: 4 };
  return [
    {
      name: "fail the k-th page-table allocation, for every k",
      description:
        "Fork of a vma that spans two pmd tables and two pte tables: five allocations, each failing in its own " +
        "run. Every run must return -ENOMEM (or 0 when nothing failed), end every notifier range it started with " +
        "the same range, and leave the child's tables to exit_mmap without leaking any.",
      weight: 2,
      scenarios: [
        sweep("allocation failure at every level", "fork under memory pressure, each pud/pmd/pte allocation failing in turn", across),
        sweep(
          "allocation failure, sparse vma",
          "fork of a vma whose first half has no pages: the failure comes after a level was skipped",
          { ...across, present: [2, 3] },
        ),
      ],
      explore: { strategy: "dpor", maxExecutions: 50 },
      requireComplete: true,
    },
    {
      name: "hugetlb copy under memory pressure",
      description:
        "Fork of a hugetlb vma, whose copy takes its own path, with each of its allocations failing in turn: " +
        "the error comes back as -ENOMEM and the notifier range is still closed.",
      scenarios: [
        sweep("hugetlb allocation failure", "fork of a hugetlb mapping, each allocation failing in turn", {
          hugetlb: true,
          pages: 2,
        }),
        // The first page's pte table was never allocated (huge_pte_offset() finds none): the copy skips it.
        sweep("hugetlb allocation failure, table missing", "fork of a hugetlb mapping whose first page has no page table yet", {
          hugetlb: true,
          start: PMD_SPAN - PAGE_SIZE,
          pages: 2,
          present: [1],
        }),
      ],
      explore: { strategy: "dpor", maxExecutions: 50 },
      requireComplete: true,
    },
  ];
});
