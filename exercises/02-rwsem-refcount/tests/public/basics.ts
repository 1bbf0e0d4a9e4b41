/*
 * Public tests, lesson 2: the reference count and the locks, one thread at a
 * time. The hidden tests race walkers against munmap in every interleaving.
 */
import { cache_live_count, check_that, isFreed, defineSuite, mm_alloc_now, type MmStruct, type Sim, vma_alloc_now } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { do_anonymous_page, dup_mmap, exit_mmap, newWorld, teardown, type World } from "../../../lib/objrmap";

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
      "page_lock_anon_vma pins and read-locks the anon_vma",
      "For a mapped page, page_lock_anon_vma() returns page->mapping with one more reference (refcount goes from 1, " +
        "the vma's, to 2) and its rw_semaphore held for reading; page_unlock_anon_vma() gives both back.",
      function* (s) {
        const p = (yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000))!;
        const av = p.mapping!;
        check_that(av.refcount.counter === 1, `a fresh anon_vma with one vma has refcount ${av.refcount.counter}, expected 1`);
        const got = yield* rmap.page_lock_anon_vma(p);
        check_that(got === av, "page_lock_anon_vma must return the page's anon_vma");
        check_that(av.refcount.counter === 2, `while locked the refcount is ${av.refcount.counter}, expected 2 (the vma's and the walker's)`);
        check_that(av.rwsem.readers === 1, "page_lock_anon_vma must hold the rw_semaphore for reading (down_read)");
        yield* rmap.page_unlock_anon_vma(got!);
        check_that(av.refcount.counter === 1 && av.rwsem.readers === 0, "page_unlock_anon_vma must up_read and drop the walker's reference");
      },
    ),
    one(
      "an unmapped page has no anon_vma to lock",
      "Once the last pte of a page is gone, page->mapping may point to an anon_vma that is already freed or reused: " +
        "page_lock_anon_vma() must check page_mapped() and return NULL.",
      function* (s) {
        const p = (yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000))!;
        yield* exit_mmap(rmap, s.w, s.mm);
        const got = yield* rmap.page_lock_anon_vma(p);
        check_that(got === null, "page_lock_anon_vma returned an anon_vma for a page that no pte maps");
      },
    ),
    one(
      "the last put frees the anon_vma",
      "anon_vma_unlink() drops the vma's reference instead of freeing an empty anon_vma; when parent and child have " +
        "both exited the count reaches zero and the anon_vma is freed (after an RCU grace period: the check runs once " +
        "the scenario has flushed RCU callbacks).",
      function* (s) {
        const p = (yield* do_anonymous_page(rmap, s.w, s.mm.vmas[0]!, 0x10000))!;
        const child = (yield* dup_mmap(rmap, s.w, s.mm, "child"))!;
        const av = p.mapping!;
        check_that(av.refcount.counter === 2, `with two vmas queued the refcount is ${av.refcount.counter}, expected 2`);
        yield* exit_mmap(rmap, s.w, child);
        check_that(av.refcount.counter === 1 && !isFreed(av), "after the child exits the parent's vma still holds its reference");
        yield* exit_mmap(rmap, s.w, s.mm);
        check_that(cache_live_count("anon_vma") === 0, "the anon_vma is still allocated after both processes exited");
      },
    ),
  ];
});
