/*
 * Public tests, lesson 1: what each function must do, one thread at a time.
 * They run in your browser; the hidden tests add concurrency and leaks.
 */
import {
  cache_live_count,
  check_that,
  defineSuite,
  list_for_each_entry,
  mm_alloc_now,
  type MmStruct,
  type Sim,
  vma_alloc_now,
} from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, dup_mmap, exit_mmap, newWorld, ptes_mapping, teardown, type World } from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
}

function setup(): S {
  const mm = mm_alloc_now("parent");
  vma_alloc_now(mm, 0x10000, 0x20000);
  return { w: newWorld(mm), mm };
}

export default defineSuite<typeof Rmap>((rmap) => {
  const one = (name: string, description: string, body: (s: S) => Sim) => ({
    name,
    description,
    scenarios: [
      {
        name,
        models: "one thread, no concurrency",
        setup,
        threads: [{ name: "task", run: body }],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches: { anon_vma: { typesafe: false } },
      },
    ],
    explore: { strategy: "dpor" as const, maxExecutions: 1 },
  });

  return [
    one(
      "the first fault allocates the anon_vma, later faults do not",
      "anon_vma_prepare() allocates an anon_vma on the first fault of a vma and queues the vma on it; a second fault " +
        "in the same vma finds vma->anon_vma set and allocates nothing (no allocation in the fault fast path). Both " +
        "pages must point to the anon_vma, with page->index the page's offset in the vma (vm_pgoff + pages from vm_start).",
      function* (s) {
        const vma = s.mm.vmas[0]!;
        const p0 = yield* do_anonymous_page(rmap, s.w, vma, 0x10000);
        const p1 = yield* do_anonymous_page(rmap, s.w, vma, 0x13000);
        const av = vma.anon_vma;
        check_that(av !== null, "vma->anon_vma is still NULL after a fault");
        check_that(cache_live_count("anon_vma") === 1, `${cache_live_count("anon_vma")} anon_vmas are allocated, expected exactly 1`);
        check_that([...list_for_each_entry(av!.vmas)].length === 1, "the vma must be queued once on anon_vma->vmas (through vma->anon_vma_node)");
        check_that(p0?.mapping === av && p1?.mapping === av, "page->mapping must point to the vma's anon_vma");
        check_that(p0!.index === vma.vm_pgoff && p1!.index === vma.vm_pgoff + 3, `page->index is ${p0!.index} and ${p1!.index}, expected ${vma.vm_pgoff} and ${vma.vm_pgoff + 3}`);
        check_that(p0!._mapcount.counter === 0, `a page mapped once has _mapcount 0, not ${p0!._mapcount.counter}`);
      },
    ),
    one(
      "fork queues the child's vma on the same anon_vma",
      "After fork the child's vma has the parent's anon_vma and anon_vma_link() queues it there, so the rmap walk of a " +
        "shared page finds both ptes: page_referenced_anon() must return 2.",
      function* (s) {
        const p = (yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000))!;
        const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
        const av = s.mm.vmas[0]!.anon_vma!;
        check_that(child.vmas[0]!.anon_vma === av, "the child's vma must share the parent's anon_vma");
        check_that([...list_for_each_entry(av.vmas)].length === 2, "the anon_vma must list the parent's and the child's vma");
        const n = yield* rmap.page_referenced_anon(p);
        check_that(n === 2, `page_referenced_anon found ${n} ptes, but parent and child both map the page`);
      },
    ),
    one(
      "the anon_vma is freed with its last vma",
      "The garbage-collection rule of the design: a page may point to an anon_vma only while a vma is queued on it. " +
        "So anon_vma_unlink() frees the anon_vma when it takes the last vma off the list, and not before.",
      function* (s) {
        yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000);
        const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
        yield* exit_mmap(rmap, s.w, child);
        check_that(cache_live_count("anon_vma") === 1, "the anon_vma was freed while the parent's vma was still queued on it");
        yield* exit_mmap(rmap, s.w, s.mm);
        check_that(cache_live_count("anon_vma") === 0, "the anon_vma is still allocated after its last vma was unlinked");
      },
    ),
    one(
      "try_to_unmap_anon unmaps the page from every process",
      "Pageout must clear every pte of the page: in the parent and in the child that shares it after fork. Afterwards " +
        "no pte maps the page, its _mapcount is back to -1, and try_to_unmap_anon() returns SWAP_SUCCESS.",
      function* (s) {
        const p = (yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000))!;
        yield* dup_mmap(rmap, s.w, s.mm, "child");
        const r = yield* rmap.try_to_unmap_anon(p);
        const left = ptes_mapping(s.w, p);
        check_that(left.length === 0, `ptes still map the page: ${left.join(", ")}`);
        check_that(p._mapcount.counter === -1, `_mapcount is ${p._mapcount.counter}, expected -1`);
        check_that(r === rmap.SWAP_SUCCESS, `try_to_unmap_anon returned ${r}, expected SWAP_SUCCESS (${rmap.SWAP_SUCCESS})`);
      },
    ),
  ];
});
