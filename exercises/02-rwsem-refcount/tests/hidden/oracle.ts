/*
 * Hidden tests, lesson 2: the rmap walk under the rw_semaphore against an
 * oracle, on generated process trees (see lib/objrmap-shapes.ts), and the
 * walk of a page that is no longer mapped while its anon_vma lives on.
 */
import { check_that, defineSuite, type MmStruct, type Page, vma_alloc_now, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  do_anonymous_page,
  dup_mmap,
  exit_mmap,
  ptes_mapping,
  split_vma,
  teardown,
  type World,
  zap_page_range,
  one_vma_world,
} from "../../../lib/objrmap";
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
        setup: (): S => one_vma_world((av) => av.rwsem, "parent", 0x10000, 0x14000),
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
  {
    name: "vma_address on split vmas with a non-zero vm_pgoff",
    description:
      "A vma with a non-zero vm_pgoff (as after mremap) faults its first page, a middle page and its last page, " +
      "then is split at the middle page. vma_address() of each page in each of the two vmas must be the page's " +
      "address where the vma covers it and -EFAULT where it does not (below vm_start, or at or above vm_end), and " +
      "each walk must find each page once, and twice after a fork (which also copies, and its exit unmaps, a vma " +
      "that never faulted).",
    scenarios: [
      {
        name: "split at a faulted page",
        models: "one thread faulting, splitting and asking vma_address() of every page in every vma",
        setup: (): S => {
          const s = one_vma_world((av) => av.rwsem, "parent", 0x40000, 0x50000);
          s.vma.vm_pgoff = 0x30;
          vma_alloc_now(s.mm, 0x60000, 0x62000); // never faulted: no anon_vma to link at fork or to unlink at exit
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
              for (const p of pages) {
                const r = yield* rmap.page_referenced_anon(p);
                check_that(r === 1, `after the split, page_referenced_anon(${nameOf(p)}) returned ${r}, the test expected 1`);
              }
              const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
              const untouched = child.vmas.find((v) => v.vm_start === 0x60000)!;
              check_that(untouched.anon_vma === null, `the child's copy of a vma that never faulted has an anon_vma (${(untouched.anon_vma ? nameOf(untouched.anon_vma) : "")}), the test expected none`);
              for (const p of pages) {
                const r = yield* rmap.page_referenced_anon(p);
                check_that(r === 2, `after a fork, page_referenced_anon(${nameOf(p)}) returned ${r}, the test expected 2 (parent and child)`);
              }
              yield* exit_mmap(rmap, s.w, child);
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
      },
    ],
    explore: { strategy: "pct", runs: 1, maxExecutions: 1 },
  },
  {
    name: "a walk through a vma with no page table at the page's address",
    description:
      "A vma crosses a 2 MiB page-table boundary. The parent faults a page below the boundary and forks; the child " +
      "then faults a new page above it, where the parent has no page table at all. The walks of the child's page " +
      "visit the parent's vma too: they must skip it (nothing to find there, no sleeping under its " +
      "page_table_lock) and find the child's pte, and try_to_unmap_anon() must unmap it.",
    scenarios: [
      {
        name: "fork, fault above the boundary, walk",
        models: "one thread: fault, fork, a fault in the child in a page table the parent lacks, both walks",
        setup: (): S => one_vma_world((av) => av.rwsem, "parent", 0x100000, 0x300000),
        threads: [
          {
            name: "driver",
            run: function* (s: S) {
              yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x100000);
              const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
              const page = (yield* do_anonymous_page(rmap, s.w, child.vmas[0]!, 0x250000))!;
              const r = yield* rmap.page_referenced_anon(page);
              check_that(r === 1, `page_referenced_anon(${nameOf(page)}) returned ${r}, the test expected 1 (the child's pte only)`);
              const u = yield* rmap.try_to_unmap_anon(page);
              check_that(u === rmap.SWAP_SUCCESS, `try_to_unmap_anon(${nameOf(page)}) returned ${u}, the test expected SWAP_SUCCESS`);
              const left = ptes_mapping(s.w, page);
              check_that(left.length === 0, `ptes still map ${nameOf(page)} after try_to_unmap_anon: ${left.join(", ")}`);
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
      },
    ],
    explore: { strategy: "pct", runs: 1, maxExecutions: 1 },
  },
  {
    name: "anon_vma_prepare's return value",
    description:
      "A fault calls anon_vma_prepare() twice on one vma while anon_vma allocations may fail (each one, and up to two " +
      "in one run: a retry after a failure can fail too). " +
      "It returns 0 with the vma given an anon_vma, or -ENOMEM with the vma left as it was; once the vma has its " +
      "anon_vma, a second call allocates nothing and returns 0.",
    scenarios: [
      {
        name: "prepare, prepare",
        models: "one thread calling anon_vma_prepare() twice, with the anon_vma allocation failing or not",
        setup: (): S => one_vma_world((av) => av.rwsem, "parent", 0x10000, 0x14000),
        threads: [
          {
            name: "driver",
            run: function* (s: S) {
              const vma = s.mm.vmas[0]!;
              for (const call of ["first", "second"]) {
                const had = vma.anon_vma !== null;
                const r = yield* rmap.anon_vma_prepare(vma);
                if (had) check_that(r === 0, `the ${call} anon_vma_prepare() of a vma that has its anon_vma returned ${r}, the test expected 0`);
                else check_that(r === 0 || r === -rmap.ENOMEM, `the ${call} anon_vma_prepare() returned ${r}, the test expected 0 or -ENOMEM`);
                if (r === 0) check_that(vma.anon_vma !== null, `the ${call} anon_vma_prepare() returned 0 but the vma has no anon_vma`);
                else check_that(vma.anon_vma === null, `the ${call} anon_vma_prepare() returned ${r} but changed the vma's anon_vma`);
              }
            },
          },
        ],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        faults: { caches: ["anon_vma"], maxFailures: 2 },
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 10 },
  },
]);
