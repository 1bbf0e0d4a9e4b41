/*
 * Hidden tests, lesson 2: the rmap walk under the rw_semaphore against an
 * oracle, on generated process trees (see lib/objrmap-shapes.ts), and the
 * walk of a page that is no longer mapped while its anon_vma lives on.
 */
import { check_that, defineSuite, mm_alloc_now, type MmStruct, vma_alloc_now } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, newLockedWorld, teardown, type World, zap_page_range } from "../../../lib/objrmap";
import { walkShapeTest } from "../../../lib/objrmap-shapes";

interface S {
  w: World;
  mm: MmStruct;
}

export default defineSuite<typeof Rmap>((rmap) => [
  walkShapeTest(rmap, (av) => av.rwsem),
  {
    name: "the walk of a page no longer mapped",
    description:
      "A page is unmapped (its pte zapped) while its vma, and so its anon_vma, stays. page_referenced_anon() must " +
      "find nothing (0) and try_to_unmap_anon() has nothing left to do (SWAP_SUCCESS).",
    scenarios: [
      {
        name: "fault, zap, walk",
        models: "one process: a fault, the zap of its pte, then both rmap walks of the page",
        setup: (): S => {
          const mm = mm_alloc_now("parent");
          vma_alloc_now(mm, 0x10000, 0x14000);
          return { w: newLockedWorld((av) => av.rwsem, mm), mm };
        },
        threads: [
          {
            name: "driver",
            run: function* (s: S) {
              const vma = s.mm.vmas[0]!;
              const page = (yield* do_anonymous_page(rmap, s.w, vma, 0x13000))!;
              yield* zap_page_range(rmap, vma);
              const r = yield* rmap.page_referenced_anon(page);
              check_that(r === 0, `page_referenced_anon() of an unmapped page returned ${r}, the test expected 0`);
              const u = yield* rmap.try_to_unmap_anon(page);
              check_that(u === rmap.SWAP_SUCCESS, `try_to_unmap_anon() of an unmapped page returned ${u}, the test expected SWAP_SUCCESS`);
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
      },
    ],
    explore: { strategy: "pct", runs: 1, maxExecutions: 1 },
  },
]);
