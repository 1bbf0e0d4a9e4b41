/*
 * Hidden tests, lesson 2: rmap walks that find their anon_vma without its
 * lock, against the unmap of the last vma. Every interleaving is explored
 * (DPOR).
 */
import {
  Atomic,
  atomic_inc,
  check_that,
  defineSuite,
  list_for_each_entry,
  mk_pte,
  mm_alloc_now,
  type MmStruct,
  type Page,
  set_pte_at,
  type Sim,
  spin_lock,
  spin_unlock,
  type Vma,
  vma_alloc_now,
  wait_event,
  setLabel, nameOf,
} from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  arm_anon_vma,
  do_anonymous_page,
  do_wp_page,
  dup_mmap,
  exit_mmap,
  pte_table,
  ptes_mapping,
  teardown,
  unmap_vma,
  withInit,
  type World,
  one_vma_world,
  check_unmap_result,
} from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
  vma: Vma;
  page: Page | null;
  child: MmStruct | null;
  /** Walkers that hold the anon_vma (the two-walker test): both may count at once, so an atomic_t. */
  inside: Atomic;
}

function setup(): S {
  const s = one_vma_world((av) => av.rwsem, "mm");
  setLabel(s.vma, "vma@0x10000");
  return { ...s, page: null, child: null, inside: new Atomic(0, "walkers") };
}

/** The anon_vma cache as an ordinary one: the wait for RCU readers is anon_vma_free()'s job. */
const plain = { anon_vma: { typesafe: false } };

export default defineSuite<typeof Rmap>((rmap) => {
  function* fault(s: S): Sim {
    s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
  }

  const reclaimVsMunmap = (walk: "try_to_unmap_anon" | "page_referenced_anon", caches?: Record<string, { typesafe: boolean }>) => ({
    name: `${walk} vs munmap${caches ? "" : " (SLAB_TYPESAFE_BY_RCU cache)"}`,
    models: `reclaim's ${walk}() on a page while munmap removes the last vma that maps it`,
    setup,
    ...withInit<S>(fault, [
      { name: "munmap", run: (s: S) => unmap_vma(rmap, s.vma) },
      { name: "reclaim", run: (s: S) => rmap[walk](s.page!) },
    ]),
    check: (s: S) => {
      const left = ptes_mapping(s.w, s.page!);
      check_that(left.length === 0, `ptes still map the page: ${left.join(", ")}`);
      check_that(s.page!._mapcount.counter === -1, `the page's _mapcount is ${s.page!._mapcount.counter}, expected -1`);
    },
    teardown: (s: S) => teardown(rmap, s.w),
    leakCheck: ["anon_vma"],
    ...(caches ? { caches } : {}),
  });

  /** The page's other home: a vma of another process, with an anon_vma of its own, where a swap-in maps it. */
  const OTHER = 0x40000;
  function remapSetup(): S & { other: Vma } {
    const s = setup();
    const mm2 = mm_alloc_now("mm2");
    const other = vma_alloc_now(mm2, OTHER, OTHER + 0x10000);
    setLabel(other, "mm2:vma@0x40000");
    s.w.mms.push(mm2);
    return { ...s, other };
  }

  const remapVsWalk = (walk: "try_to_unmap_anon" | "page_referenced_anon") => ({
    name: `${walk} vs munmap and swap-in elsewhere`,
    models:
      `reclaim's ${walk}() while munmap removes the last vma of the page, its anon_vma is freed, and the page is ` +
      "mapped again in another process's vma (another anon_vma), as a swap-in does",
    setup: remapSetup,
    ...withInit<S & { other: Vma }>(
      function* (s) {
        yield* fault(s);
        const err = yield* rmap.anon_vma_prepare(s.other);
        check_that(err === 0, `anon_vma_prepare of the second process's vma returned ${err} in the prelude`);
        arm_anon_vma(s.w, s.other);
      },
      [
        {
          name: "munmap+swapin",
          run: function* (s: S & { other: Vma }) {
            const page = s.page!;
            yield* unmap_vma(rmap, s.vma);
            const mm2 = s.other.vm_mm!;
            yield* spin_lock(mm2.page_table_lock);
            set_pte_at(mm2, OTHER, pte_table(mm2, OTHER), mk_pte(page, false));
            yield* rmap.page_add_anon_rmap(page, s.other, OTHER);
            yield* spin_unlock(mm2.page_table_lock);
          },
        },
        { name: "reclaim", run: (s: S & { other: Vma }) => rmap[walk](s.page!) },
      ],
    ),
    check: (s: S) => {
      const left = ptes_mapping(s.w, s.page!);
      check_that(
        s.page!._mapcount.counter === left.length - 1,
        `the page's _mapcount is ${s.page!._mapcount.counter}, but ${left.length} ptes map it (expected ${left.length - 1})`,
      );
    },
    teardown: (s: S) => teardown(rmap, s.w),
    leakCheck: ["anon_vma"],
    caches: plain,
  });

  return [
    {
      name: "a page mapped again after its anon_vma was freed",
      description:
        "Reclaim walks the rmap of a page while munmap removes the only vma that maps it (the last reference on the " +
        "anon_vma goes, and it is freed after a grace period) and a swap-in then maps the page in another process, " +
        "under another anon_vma. page->mapping is stored with no lock the walker holds: the walker must read it " +
        "with READ_ONCE() inside its RCU read-side section, where the anon_vma it names cannot be freed under it; " +
        "read before rcu_read_lock(), it may name the freed anon_vma while page_mapped() says yes.",
      scenarios: [remapVsWalk("try_to_unmap_anon"), remapVsWalk("page_referenced_anon")],
      explore: { strategy: "dpor", maxExecutions: 3000 },
    },
    {
      name: "reclaim vs munmap of the last vma",
      description:
        "Reclaim walks the rmap of a page while munmap removes the only vma that maps it, in every interleaving. The " +
        "walker finds the anon_vma through page->mapping without holding any lock of it: it must pin the anon_vma " +
        "(atomic_inc_not_zero under rcu_read_lock) before sleeping on its rw_semaphore, must not revive an anon_vma " +
        "whose count already dropped to zero, and the last reference must free it only after RCU readers are done. " +
        "Checked with an ordinary anon_vma cache and with the kernel's SLAB_TYPESAFE_BY_RCU one.",
      scenarios: [
        reclaimVsMunmap("try_to_unmap_anon", plain),
        reclaimVsMunmap("page_referenced_anon", plain),
        reclaimVsMunmap("try_to_unmap_anon"),
      ],
      explore: { strategy: "dpor", maxExecutions: 3000 },
    },
    {
      name: "two walkers share the read lock",
      description:
        "Two rmap walkers lock the same page's anon_vma; each waits, while holding it, until the other holds it too. " +
        "With a rw_semaphore taken for reading both get in (the concurrency the 2008 patch was for); an exclusive " +
        "lock deadlocks here.",
      scenarios: [
        {
          name: "walker vs walker",
          models: "two reclaim threads holding page_lock_anon_vma() on one anon_vma at the same time",
          setup,
          ...withInit<S>(
            function* (s) {
              yield* fault(s);
              s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
            },
            ["walker1", "walker2"].map((name) => ({
              name,
              run: function* (s: S) {
                const av = yield* rmap.page_lock_anon_vma(s.page!);
                check_that(av !== null, "page_lock_anon_vma returned NULL for a mapped page whose anon_vma is alive");
                yield* atomic_inc(s.inside);
                yield* wait_event(() => s.inside.counter === 2, "both walkers hold the anon_vma");
                yield* rmap.page_unlock_anon_vma(av!);
              },
            })),
          ),
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: plain,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 2000 },
    },
    {
      name: "fork and exit while reclaim walks",
      description:
        "A parent forks and then exits while reclaim unmaps their shared page: the list changes under the walker " +
        "(a vma added, another removed) and the anon_vma must survive as long as the child's vma is on it.",
      scenarios: [
        {
          name: "fork+exit vs try_to_unmap",
          models: "the parent forks then exits while reclaim runs try_to_unmap_anon()",
          setup,
          ...withInit<S>(fault, [
            {
              name: "parent",
              run: function* (s: S) {
                s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
                yield* exit_mmap(rmap, s.w, s.mm);
              },
            },
            { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
          ]),
          check: (s: S) => {
            const n = ptes_mapping(s.w, s.page!).length;
            check_that(n <= 1, `${n} ptes map the page after the parent exited`);
            check_that(s.page!._mapcount.counter === n - 1, `the page's _mapcount is ${s.page!._mapcount.counter} but ${n} ptes map it`);
          },
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: plain,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 5000 },
    },
    {
      name: "a copy-on-write fault while reclaim unmaps the page",
      description:
        "Reclaim unmaps a page shared by parent and child while the child takes a copy-on-write fault on it. Both " +
        "read and write the child's pte, each under the child's mm->page_table_lock: try_to_unmap_anon must check " +
        "and clear a pte only while holding it. At the end no pte maps the old page and try_to_unmap_anon returned " +
        "SWAP_SUCCESS.",
      scenarios: [
        {
          name: "try_to_unmap vs COW fault",
          models: "try_to_unmap_anon() racing do_wp_page() of the child on the same address",
          setup,
          ...withInit<S>(
            function* (s) {
              yield* fault(s);
              s.child = yield* dup_mmap(rmap, s.w, s.mm, "child");
            },
            [
              { name: "cow", run: (s: S) => do_wp_page(rmap, s.w, s.child!.vmas[0]!, 0x10000) },
              { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
            ],
          ),
          check: (s: S, ctx) => {
            const left = ptes_mapping(s.w, s.page!);
            check_that(left.length === 0, `ptes still map the page after try_to_unmap_anon and the COW fault: ${left.join(", ")}`);
            check_that(s.page!._mapcount.counter === -1, `the page's _mapcount is ${s.page!._mapcount.counter}, expected -1 (unmapped)`);
            check_that(ctx.results.reclaim === rmap.SWAP_SUCCESS, `try_to_unmap_anon returned ${String(ctx.results.reclaim)}, expected SWAP_SUCCESS`);
          },
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: plain,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 3000 },
    },
    {
      name: "two faults race on a fresh vma",
      description:
        "Two threads of one process take the first write fault of the same vma at once. Exactly one anon_vma must be " +
        "installed (the re-check and the install under mm->page_table_lock) and the other freed; both pages point to " +
        "it, the vma is queued on it once, and it holds exactly one reference, the vma's.",
      scenarios: [
        {
          name: "fault vs fault",
          models: "two threads of one mm faulting the first pages of one vma",
          setup,
          threads: [
            { name: "fault1", run: (s: S) => do_anonymous_page(rmap, s.w, s.vma, 0x10000) },
            { name: "fault2", run: (s: S) => do_anonymous_page(rmap, s.w, s.vma, 0x11000) },
          ],
          check: (s: S, ctx) => {
            const av = s.vma.anon_vma;
            check_that(av !== null, "the vma has no anon_vma after two faults");
            for (const t of ["fault1", "fault2"]) {
              const p = ctx.results[t] as Page | null;
              check_that(p !== null && p.mapping === av, `${t}'s page does not point to the vma's anon_vma ${nameOf(av!)}`);
            }
            const vmas = [...list_for_each_entry(av!.vmas)];
            check_that(vmas.length === 1 && vmas[0] === s.vma, `the anon_vma lists ${vmas.length} vmas, the test expected the faulting vma once`);
            check_that(av!.refcount.counter === 1, `the anon_vma's refcount is ${av!.refcount.counter}, the test expected 1 (the vma's reference)`);
          },
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: plain,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 2000 },
    },
    {
      name: "fork while reclaim unmaps the page",
      description:
        "A fork copies the parent's pte of a page while reclaim unmaps that page. Depending on the order, the child's " +
        "copy is made before the walk reaches the child's vma, after it, or never. What try_to_unmap_anon returns " +
        "must say what it left: SWAP_SUCCESS only if no pte maps the page any more, SWAP_AGAIN if one still does.",
      scenarios: [
        {
          name: "try_to_unmap vs fork",
          models: "try_to_unmap_anon() racing dup_mmap() (anon_vma_link and the copy of the ptes)",
          setup,
          ...withInit<S>(fault, [
            { name: "fork", run: (s: S) => dup_mmap(rmap, s.w, s.mm, "child") },
            { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
          ]),
          check: (s: S, ctx) => check_unmap_result(rmap, s.w, s.page!, ctx.results.reclaim),
          teardown: (s: S) => teardown(rmap, s.w),
          leakCheck: ["anon_vma"],
          caches: plain,
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 3000 },
    },
  ];
});
