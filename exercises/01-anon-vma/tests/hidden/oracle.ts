/*
 * Hidden tests, lesson 1: the rmap walk against an oracle. One process tree
 * goes through fork, copy-on-write, mremap and exit; after each step the
 * walk must find exactly the ptes that the page tables say map the page.
 */
import { check_that, defineSuite, mm_alloc_now, type MmStruct, type Page, type Sim, vma_alloc_now } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, do_wp_page, dup_mmap, exit_mmap, move_vma, newWorld, ptes_mapping, teardown, type World } from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
}

export default defineSuite<typeof Rmap>((rmap) => {
  function* expectWalk(s: S, pages: Page[], when: string): Sim {
    for (const p of pages) {
      const want = ptes_mapping(s.w, p);
      const got = yield* rmap.page_referenced_anon(p);
      check_that(
        got === want.length,
        `${when}: page_referenced_anon(${p.name}) found ${got} ptes, but ${want.length} map it (${want.join(", ") || "none"})`,
      );
    }
  }

  return [
    {
      name: "the walk finds exactly the ptes that map the page",
      description:
        "A parent faults pages and forks; the child forks again and takes a copy-on-write fault; the grandchild moves " +
        "its vma with mremap (same vm_pgoff, new address); a second child comes and goes. After each step the rmap " +
        "walk of each page must count exactly the ptes that map it, which needs vma_address() computed from " +
        "page->index and vm_pgoff, and every forked vma linked on the anon_vma.",
      scenarios: [
        {
          name: "fork chain oracle",
          models: "one thread driving fork, COW, mremap and exit, checked against the page tables",
          setup: (): S => {
            const mm = mm_alloc_now("parent");
            vma_alloc_now(mm, 0x10000, 0x20000);
            return { w: newWorld(mm), mm };
          },
          threads: [
            {
              name: "driver",
              run: function* (s: S) {
                const vma = s.mm.vmas[0]!;
                const p0 = (yield* do_anonymous_page(rmap, s.w, vma, 0x10000))!;
                const p1 = (yield* do_anonymous_page(rmap, s.w, vma, 0x12000))!;
                const pages = [p0, p1];
                yield* expectWalk(s, pages, "after two faults");
                const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
                yield* expectWalk(s, pages, "after fork");
                const grandchild = (yield* dup_mmap(rmap, s.w, child, "grandchild"))!;
                yield* expectWalk(s, pages, "after the child forked");
                const cow = (yield* do_wp_page(rmap, s.w, child.vmas[0]!, 0x10000))!;
                pages.push(cow);
                yield* expectWalk(s, pages, "after a copy-on-write fault in the child");
                yield* move_vma(grandchild.vmas[0]!, 0x80000);
                yield* expectWalk(s, pages, "after mremap moved the grandchild's vma to 0x80000");
                const child2 = (yield* dup_mmap(rmap, s.w, s.mm, "child2"))!;
                yield* expectWalk(s, pages, "after a second fork of the parent");
                yield* exit_mmap(rmap, s.w, child2);
                yield* expectWalk(s, pages, "after the second child exited");
                for (const p of pages) {
                  const r = yield* rmap.try_to_unmap_anon(p);
                  const left = ptes_mapping(s.w, p);
                  check_that(left.length === 0, `try_to_unmap_anon(${p.name}) left ptes mapping it: ${left.join(", ")}`);
                  check_that(r === rmap.SWAP_SUCCESS, `try_to_unmap_anon(${p.name}) returned ${r}, expected SWAP_SUCCESS`);
                  check_that(p._mapcount.counter === -1, `${p.name}'s _mapcount is ${p._mapcount.counter} after try_to_unmap_anon, expected -1`);
                }
              },
            },
          ],
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: { anon_vma: { typesafe: false } },
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 1 },
    },
  ];
});
