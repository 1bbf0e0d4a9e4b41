/*
 * Hidden tests, lesson 2: every reference taken is dropped, and the last one
 * frees the anon_vma.
 */
import { defineSuite, type MmStruct, type Page, type Vma } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, dup_mmap, exit_mmap, teardown, withInit, type World, one_vma_world } from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
  vma: Vma;
  page: Page | null;
  child: MmStruct | null;
}

function setup(): S {
  return { ...one_vma_world((av) => av.rwsem), page: null, child: null };
}

const plain = { anon_vma: { typesafe: false } };
const leakCheck = ["anon_vma", "vm_area_struct", "mm_struct"];

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "walks then exit free everything",
    description:
      "Reclaim walks a page twice (page_referenced_anon, then try_to_unmap_anon) and the process exits. Each walk " +
      "takes a reference and must drop it in page_unlock_anon_vma(); the vma's reference is dropped by " +
      "anon_vma_unlink(). At the end kmemleak must find no anon_vma.",
    scenarios: [
      {
        name: "walk, walk, exit",
        models: "one thread: fault, two rmap walks, exit",
        setup,
        threads: [
          {
            name: "task",
            run: function* (s: S) {
              const p = (yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000))!;
              yield* rmap.page_referenced_anon(p);
              yield* rmap.try_to_unmap_anon(p);
              yield* exit_mmap(rmap, s.w, s.mm);
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches: plain,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "child and parent exit while reclaim walks",
    description:
      "Parent and child share an anon_vma; the child exits, then the parent, while reclaim walks their page. Whoever " +
      "drops the last reference, a vma's or the walker's, frees the anon_vma, exactly once, in every interleaving.",
    scenarios: [
      {
        name: "exits vs reclaim",
        models: "the two processes sharing an anon_vma exit one after the other while page_referenced_anon() runs",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
            s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
          },
          [
            {
              name: "exits",
              run: function* (s: S) {
                yield* exit_mmap(rmap, s.w, s.child!);
                yield* exit_mmap(rmap, s.w, s.mm);
              },
            },
            { name: "reclaim", run: (s: S) => rmap.page_referenced_anon(s.page!) },
          ],
        ),
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck,
        caches: plain,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 5000 },
  },
]);
