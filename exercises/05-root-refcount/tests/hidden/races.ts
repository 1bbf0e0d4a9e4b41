/*
 * Hidden: references taken under RCU racing the final put, and a migration
 * that holds a reference across the unmap and the remap of a page.
 */
import { type AnonVma, type Sim, check_that, generation, defineSuite, down_read, up_read, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  ROOTREF_CACHES,
  anon_fault,
  build_chain,
  check_root_last,
  exit_proc,
  migrate_page,
  mmap_anon,
  proc,
  reclaim_walk,
  built,
  world,
  type World,
} from "../../../lib/rootref";

function lastPage(w: World) {
  const page = w.pages[w.pages.length - 1];
  check_that(page !== undefined, "the setup mapped no page");
  return page!;
}

/** What the walker of the reuse scenarios saw. */
interface Reuse extends World {
  /** The page's anon_vma and its generation when the page was mapped. */
  expected: { av: AnonVma; gen: number } | null;
}

/**
 * The walker of the reuse scenarios: pin (and with `lock`, lock) the
 * anon_vma of P's page, and check that what it got is the page's own
 * anon_vma, in the generation the page was mapped with, not a later reuse of
 * its memory.
 */
function* pinPage(rmap: typeof Rmap, w: Reuse, lock: boolean): Sim {
  const page = w.pages[0]!;
  const exp = w.expected!;
  const av = lock ? yield* rmap.page_lock_anon_vma(page) : yield* rmap.page_get_anon_vma(page);
  if (av === null) return;
  const fn = lock ? "page_lock_anon_vma()" : "page_get_anon_vma()";
  check_that(
    av === exp.av && generation(av) === exp.gen,
    `The test expected ${fn} to return the page's anon_vma ${nameOf(exp.av)} or NULL; it returned ${nameOf(av)}` +
      (av === exp.av ? ` after its memory was freed and reused (generation ${generation(av)}) as another process's anon_vma` : "") +
      ". Once the page is unmapped nothing keeps its anon_vma alive: after taking the reference, check page_mapped() again.",
  );
  if (lock) yield* rmap.page_unlock_anon_vma(av);
  else yield* rmap.put_anon_vma(av);
}

function reuseScenario(rmap: typeof Rmap, lock: boolean) {
  return {
    name: `${lock ? "page_lock_anon_vma" : "page_get_anon_vma"} vs exit and reuse`,
    models:
      "a walker pinning the anon_vma of P's page while P exits (its anon_vma freed) and Q's first fault allocates " +
      "an anon_vma that reuses the freed memory",
    setup: (): Reuse => ({ ...world("P", "Q"), expected: null }),
    prelude: function* (w: Reuse) {
      built(yield* build_chain(rmap, w, ["P"]));
      built((yield* mmap_anon(proc(w, "Q"))) !== null);
      const av = w.pages[0]!.mapping!;
      w.expected = { av, gen: generation(av) };
    },
    threads: [
      { name: "walker", run: (w: Reuse) => pinPage(rmap, w, lock) },
      {
        name: "exit+fault",
        run: function* (w: Reuse) {
          yield* exit_proc(rmap, proc(w, "P"));
          built((yield* anon_fault(rmap, w, proc(w, "Q"))) !== null);
        },
      },
    ],
    teardown: (w: Reuse) => exit_proc(rmap, proc(w, "Q")),
    leakCheck: ROOTREF_CACHES,
  };
}

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "two faults race on a fresh vma",
    description:
      "Two threads of one process take the first fault of its vma at once, each under mmap_lock for reading as the " +
      "page fault holds it. One anon_vma (and its chain entry) must win; the loser must give back what it allocated, " +
      "by put: nothing may leak and the vma ends with exactly one anon_vma on its chain.",
    scenarios: [
      {
        name: "fault vs fault",
        models: "two threads of one process faulting its fresh vma",
        setup: () => world("P"),
        prelude: function* (w: World) {
          built((yield* mmap_anon(proc(w, "P"))) !== null);
        },
        threads: ["fault1", "fault2"].map((name) => ({
          name,
          run: function* (w: World) {
            const p = proc(w, "P");
            yield* down_read(p.mm.mmap_lock);
            const err = yield* rmap.anon_vma_prepare(p.vma!);
            yield* up_read(p.mm.mmap_lock);
            check_that(err === 0, `anon_vma_prepare() returned ${err}: the test expected 0 (no allocation fails here)`);
          },
        })),
        check: (w: World) => {
          const vma = proc(w, "P").vma!;
          check_that(vma.anon_vma !== null, "after two faults the vma has no anon_vma");
          let n = 0;
          for (let e = vma.anon_vma_chain.next; e !== vma.anon_vma_chain && n < 10; e = (e as typeof vma.anon_vma_chain).next) n++;
          check_that(n === 1, `after two faults the vma's chain holds ${n} entries: the test expected 1`);
        },
        teardown: (w: World) => exit_proc(rmap, proc(w, "P")),
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "a pinned anon_vma is the page's own, not a reuse",
    description:
      "A walker pins the anon_vma of a page while the only process mapping it exits and another process's first " +
      "fault allocates a new anon_vma, which the type-safe cache may place in the memory just freed. The reference " +
      "raised by atomic_inc_not_zero() may then land on the other process's anon_vma: the walker must get the page's " +
      "own anon_vma or NULL, never the reuse.",
    weight: 2,
    scenarios: [reuseScenario(rmap, false), reuseScenario(rmap, true)],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "page_get_anon_vma races the final put",
    description:
      "Reclaim walks the rmap of a page (page_lock_anon_vma) while the last process mapping it exits and puts the " +
      "anon_vma. In every interleaving the walker either pins the anon_vma before it dies (and its own put may be the " +
      "final one) or gets NULL: it must never revive or touch a freed anon_vma, and nothing may leak.",
    weight: 2,
    scenarios: [
      {
        name: "reclaim vs exit (root anon_vma)",
        models: "reclaim walking a page of a process's own anon_vma while that process exits",
        setup: () => world("P"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P"]));
        },
        threads: [
          { name: "exit", run: (w: World) => exit_proc(rmap, proc(w, "P")) },
          { name: "reclaim", run: (w: World) => reclaim_walk(rmap, w, lastPage(w)) },
        ],
        check: (w: World) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
      {
        name: "reclaim vs exit (child anon_vma)",
        models: "reclaim walking a child's copy-on-write page while the child, last user of the tree, exits",
        setup: () => world("P", "C"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P", "C"], true));
          yield* exit_proc(rmap, proc(w, "P"));
        },
        threads: [
          { name: "exit", run: (w: World) => exit_proc(rmap, proc(w, "C")) },
          { name: "reclaim", run: (w: World) => reclaim_walk(rmap, w, lastPage(w)) },
        ],
        check: (w: World) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "migration holds a reference across unmap and remap",
    description:
      "Migration pins the anon_vma of a child's page, unmaps the page, copies it and walks the anon_vma again to " +
      "restore the ptes, while the parent and the child exit. The reference must keep the child's anon_vma and, " +
      "through it, the root (whose lock the walk takes) alive until migration puts it; then everything is freed.",
    weight: 2,
    scenarios: [
      {
        name: "migration vs exit",
        models: "page migration of a child's copy-on-write page while both processes exit",
        setup: () => world("P", "C"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P", "C"], true));
        },
        threads: [
          {
            name: "exit",
            run: function* (w: World) {
              yield* exit_proc(rmap, proc(w, "P"));
              yield* exit_proc(rmap, proc(w, "C"));
            },
          },
          { name: "migrate", run: (w: World) => migrate_page(rmap, w, lastPage(w)) },
        ],
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
]);
