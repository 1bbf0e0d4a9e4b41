/*
 * Hidden tests, lesson 1: the rmap walk against an oracle. One process tree
 * goes through fork, copy-on-write, mremap and exit; after each step the
 * walk must find exactly the ptes that the page tables say map the page.
 */
import { check_that, defineSuite, type MmStruct, type Page, type Sim, vma_alloc_now, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  do_anonymous_page,
  do_wp_page,
  dup_mmap,
  exit_mmap,
  move_vma,
  ptes_mapping,
  split_vma,
  teardown,
  type World,
  one_vma_world,
} from "../../../lib/objrmap";
import { walkShapeTest } from "../../../lib/objrmap-shapes";

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
        `${when}: page_referenced_anon(${nameOf(p)}) found ${got} ptes, but ${want.length} map it (${want.join(", ") || "none"})`,
      );
    }
  }

  return [
    walkShapeTest(rmap, (av) => av.lock),
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
          setup: (): S => one_vma_world((av) => av.lock),
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
                  check_that(left.length === 0, `try_to_unmap_anon(${nameOf(p)}) left ptes mapping it: ${left.join(", ")}`);
                  check_that(r === rmap.SWAP_SUCCESS, `try_to_unmap_anon(${nameOf(p)}) returned ${r}, expected SWAP_SUCCESS`);
                  check_that(p._mapcount.counter === -1, `${nameOf(p)}'s _mapcount is ${p._mapcount.counter} after try_to_unmap_anon, expected -1`);
                }
                // Unmapped pages whose anon_vma is still alive (the vmas remain): nothing to find, nothing to do.
                for (const p of pages) {
                  const r = yield* rmap.page_referenced_anon(p);
                  check_that(r === 0, `page_referenced_anon(${nameOf(p)}) of an unmapped page returned ${r}, the test expected 0`);
                  const u = yield* rmap.try_to_unmap_anon(p);
                  check_that(u === rmap.SWAP_SUCCESS, `try_to_unmap_anon(${nameOf(p)}) of an unmapped page returned ${u}, the test expected SWAP_SUCCESS`);
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
    {
      name: "vma_address on split vmas with a non-zero vm_pgoff",
      description:
        "A vma with a non-zero vm_pgoff (as after mremap) faults its first page, a middle page and its last page, " +
        "then is split at the middle page. For each page and each of the two vmas on the anon_vma's list, " +
        "vma_address() must return the page's address where the vma covers it, and -EFAULT where it does not " +
        "(below vm_start, or at or above vm_end); the walk must then count each page once, and twice after a fork " +
        "(which also copies a vma that never faulted and so has no anon_vma to link).",
      scenarios: [
        {
          name: "split at a faulted page",
          models: "one thread faulting, splitting and asking vma_address() of every page in every vma",
          setup: (): S => {
            const s = one_vma_world((av) => av.lock, "parent", 0x40000, 0x50000);
            s.vma.vm_pgoff = 0x30;
            vma_alloc_now(s.mm, 0x60000, 0x62000); // never faulted: no anon_vma, at fork as at exit
            return s;
          },
          threads: [
            {
              name: "driver",
              run: function* (s: S) {
                const vma = s.mm.vmas[0]!;
                const addrs = [0x40000, 0x48000, 0x4f000];
                const pages: Page[] = [];
                for (const a of addrs) pages.push((yield* do_anonymous_page(rmap, s.w, vma, a))!);
                for (const [i, p] of pages.entries()) {
                  const got = rmap.vma_address(p, vma);
                  check_that(got === addrs[i], `vma_address(${nameOf(p)}, [0x40000, 0x50000)) returned ${got}, the test expected 0x${addrs[i]!.toString(16)}`);
                }
                const upper = (yield* split_vma(rmap, vma, 0x48000))!;
                const cases: Array<[number, typeof vma, number]> = [
                  [0, vma, 0x40000],
                  [0, upper, -rmap.EFAULT],
                  [1, vma, -rmap.EFAULT],
                  [1, upper, 0x48000],
                  [2, vma, -rmap.EFAULT],
                  [2, upper, 0x4f000],
                ];
                for (const [i, v, want] of cases) {
                  const got = rmap.vma_address(pages[i]!, v);
                  const range = `[0x${v.vm_start.toString(16)}, 0x${v.vm_end.toString(16)}) with vm_pgoff 0x${v.vm_pgoff.toString(16)}`;
                  check_that(
                    got === want,
                    `after the split, vma_address(${nameOf(pages[i]!)}, ${range}) returned ${got}, the test expected ${want < 0 ? "-EFAULT" : `0x${want.toString(16)}`}`,
                  );
                }
                yield* expectWalk(s, pages, "after the split");
                const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
                const untouched = child.vmas.find((v) => v.vm_start === 0x60000)!;
                check_that(untouched.anon_vma === null, `the child's copy of a vma that never faulted has an anon_vma (${(untouched.anon_vma ? nameOf(untouched.anon_vma) : "")}), the test expected none`);
                yield* expectWalk(s, pages, "after a fork of the split vmas and of a vma that never faulted");
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
