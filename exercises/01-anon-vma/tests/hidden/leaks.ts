/*
 * Hidden tests, lesson 1: no anon_vma survives the last process that used it.
 */
import { defineSuite, mm_alloc_now, type MmStruct, type Page, type Vma, vma_alloc_now } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, do_wp_page, dup_mmap, exit_mmap, newWorld, teardown, withInit, type World } from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
  vma: Vma;
  page: Page | null;
  child: MmStruct | null;
  grandchild: MmStruct | null;
}

function setup(): S {
  const mm = mm_alloc_now("parent");
  const vma = vma_alloc_now(mm, 0x10000, 0x20000);
  return { w: newWorld(mm), mm, vma, page: null, child: null, grandchild: null };
}

const caches = { anon_vma: { typesafe: false } };
const leakCheck = ["anon_vma", "vm_area_struct", "mm_struct", "page"];

export default defineSuite<typeof Rmap>((rmap) => [
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
