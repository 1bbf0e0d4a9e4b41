/*
 * Hidden tests, lesson 1: no anon_vma survives the last process that used it.
 */
import { check_that, defineSuite, type MmStruct, type Page, type Vma } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, do_wp_page, dup_mmap, exit_mmap, teardown, withInit, type World, one_vma_world } from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
  vma: Vma;
  page: Page | null;
  child: MmStruct | null;
  grandchild: MmStruct | null;
}

function setup(): S {
  return { ...one_vma_world((av) => av.lock), page: null, child: null, grandchild: null };
}

const caches = { anon_vma: { typesafe: false } };
const leakCheck = ["anon_vma", "vm_area_struct", "mm_struct", "page"];

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "the first fault fails to allocate",
    description:
      "Two threads take the first fault of one vma while anon_vma allocations may fail (each one, up to twice in a " +
      "run, explored like a schedule). A failed anon_vma_prepare() returns -ENOMEM and leaves the vma as it was, with " +
      "no anon_vma; a successful one leaves it an anon_vma. Nothing leaks, no lock is left held.",
    scenarios: [
      {
        name: "fault vs fault, allocations failing",
        models: "two threads faulting the first page of one vma, with anon_vma allocations that may fail",
        setup,
        threads: [
          { name: "fault1", run: (s: S) => rmap.anon_vma_prepare(s.vma) },
          { name: "fault2", run: (s: S) => rmap.anon_vma_prepare(s.vma) },
        ],
        check: (s: S, ctx) => {
          for (const t of ["fault1", "fault2"]) {
            const r = ctx.results[t];
            check_that(r === 0 || r === -rmap.ENOMEM, `anon_vma_prepare() in ${t} returned ${String(r)}, the test expected 0 or -ENOMEM`);
            if (r === 0) check_that(s.vma.anon_vma !== null, `anon_vma_prepare() in ${t} returned 0 but the vma has no anon_vma`);
          }
          if (ctx.results.fault1 !== 0 && ctx.results.fault2 !== 0) {
            check_that(s.vma.anon_vma === null, "both anon_vma_prepare() calls failed, but the vma has an anon_vma: the test expected it as it was");
          }
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches,
        faults: { caches: ["anon_vma"], maxFailures: 2 },
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "one process faults and exits",
    description:
      "A single process faults two pages and exits. Unmapping its only vma empties the anon_vma's list, so the " +
      "anon_vma must be freed then: kmemleak checks that nothing is left.",
    scenarios: [
      {
        name: "fault, fault, exit",
        models: "the whole life of one anon_vma in one process",
        setup,
        threads: [
          {
            name: "process",
            run: function* (s: S) {
              yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
              yield* do_anonymous_page(rmap, s.w, s.vma, 0x13000);
              yield* exit_mmap(rmap, s.w, s.mm);
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "parent and child exit at once",
    description:
      "Parent and child share one anon_vma and exit at the same time. Whichever unlinks its vma last must free the " +
      "anon_vma, exactly once, in every interleaving.",
    scenarios: [
      {
        name: "exit vs exit",
        models: "two processes sharing an anon_vma exiting concurrently",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
            s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
          },
          [
            { name: "parent-exit", run: (s: S) => exit_mmap(rmap, s.w, s.mm) },
            { name: "child-exit", run: (s: S) => exit_mmap(rmap, s.w, s.child!) },
          ],
        ),
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "a fork chain torn down out of order",
    description:
      "Parent, child and grandchild share pages of one anon_vma; the child also has a copy-on-write page of its own. " +
      "The parent and the grandchild exit concurrently, then the child. The anon_vma must outlive every vma queued on " +
      "it and be freed with the last.",
    scenarios: [
      {
        name: "fork chain teardown",
        models: "exit of the ends of a fork chain, then of its middle",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
            s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
            s.grandchild = yield* dup_mmap(rmap, s.w, s.child!, "grandchild");
            yield* do_wp_page(rmap, s.w, s.child!.vmas[0]!, 0x10000);
          },
          [
            { name: "parent-exit", run: (s: S) => exit_mmap(rmap, s.w, s.mm) },
            { name: "grandchild-exit", run: (s: S) => exit_mmap(rmap, s.w, s.grandchild!) },
          ],
        ),
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 5000 },
  },
]);
