/*
 * Known bugs, each beside its fixed twin.
 *
 * Every detector has at least one scenario that must be caught and a fixed
 * twin that must pass. The first five are taken from the threads the course
 * is built on; the rest exercise one detector each. The demo (npm start),
 * the detector tests and the benchmark all use them.
 */

import {
  AnonVma,
  anon_vma_cachep,
  kvm_page_fault,
  mm_alloc_now,
  MmStruct,
  mmu_notifier_invalidate_range_end,
  mmu_notifier_invalidate_range_start,
  Page,
  page_cachep,
  pgtable_cachep,
  pud_alloc,
  pmd_alloc,
  pte_alloc,
  SecondaryMmu,
  secondary_mmu_violations,
  set_pte_at,
  mk_pte,
  Vma,
  vma_alloc_now,
  vm_area_cachep,
  find_vma,
  VMA_LOCK_OFFSET,
  VMA_REF_LIMIT,
  free_pgtables_now,
  pgtable_walk,
  ptep_get,
  pte_wrprotect,
} from "../kernel";
import { allocateNow } from "../slab";
import { atomic_dec_and_test, atomic_inc, atomic_inc_not_zero, INT_MAX } from "../atomic";
import { READ_ONCE, sched_point } from "../compiler";
import { kstruct } from "../kobject";
import { list_add, ListHead } from "../list";
import { Mutex, mutex_lock, mutex_unlock } from "../mutex";
import { type Sim } from "../op";
import { call_rcu, rcu_read_lock, rcu_read_unlock, synchronize_rcu } from "../rcupdate";
import { Refcount, refcount_add, refcount_dec, refcount_dec_and_test, refcount_inc, refcount_inc_not_zero_limited, refcount_set, refcount_sub_and_test } from "../refcount";
import { down_read, down_write, up_read, up_write } from "../rwsem";
import { kmem_cache_alloc, kmem_cache_free, KmemCache } from "../slab";
import { SINGLE_DEPTH_NESTING, spin_lock, spin_lock_nested, spin_unlock, Spinlock } from "../spinlock";
import { wait_event } from "../wait";
import { cur } from "../current";
import { poke } from "../kobject";
import type { DetectorKind } from "../report";
import { check_that, type Scenario } from "../scenario";

export interface KnownBug {
  id: string;
  /** What goes wrong, in a line. */
  title: string;
  /** Where it comes from (a thread of the course, or the detector it exercises). */
  source: string;
  detector: DetectorKind;
  buggy: Scenario<any>;
  fixed: Scenario<any>;
}

/* ------------------------------------------------------------------------ */
/* 2008: existence without the lock (page_lock_anon_vma)                      */
/* ------------------------------------------------------------------------ */

interface RmapState {
  mm: MmStruct;
  vma: Vma;
  av: AnonVma;
  page: Page;
}

function rmapSetup(): RmapState {
  const ex = cur();
  const mm = mm_alloc_now();
  const vma = vma_alloc_now(mm, 0x10000, 0x20000);
  const av = allocateNow(ex, anon_vma_cachep, "setup");
  poke(av.refcount, "counter", 1); // the vma's link
  vma.anon_vma = av;
  const page = allocateNow(ex, page_cachep, "setup");
  page.mapping = av;
  page.index = vma.vm_pgoff;
  return { mm, vma, av, page };
}

/** put_anon_vma(): drop a reference; the last one frees. */
function* put_anon_vma(av: AnonVma): Sim {
  if (yield* atomic_dec_and_test(av.refcount)) yield* kmem_cache_free(anon_vma_cachep, av);
}

/** munmap of the last vma: unlink it under the anon_vma lock and drop the vma's reference. */
function* unmap_last_vma(s: RmapState): Sim {
  yield* down_write(s.av.rwsem);
  s.vma.anon_vma = null;
  yield* up_write(s.av.rwsem);
  yield* put_anon_vma(s.av);
}

/**
 * Reclaim's rmap walk: find the anon_vma through page->mapping under RCU,
 * pin it with a reference, leave RCU, then take its rw_semaphore (which may
 * sleep). `variant` selects the historical mistakes.
 */
function* page_lock_anon_vma(s: RmapState, variant: "inc_not_zero" | "plain_inc" | "down_read_in_rcu"): Sim<boolean> {
  yield* rcu_read_lock();
  const av = s.page.mapping;
  if (av === null) {
    yield* rcu_read_unlock();
    return false;
  }
  if (variant === "down_read_in_rcu") {
    yield* down_read(av.rwsem); // sleeps inside the RCU read section
    yield* rcu_read_unlock();
  } else {
    if (variant === "plain_inc") {
      yield* atomic_inc(av.refcount); // resurrects an anon_vma whose count already hit zero
    } else if (!(yield* atomic_inc_not_zero(av.refcount))) {
      yield* rcu_read_unlock();
      return false;
    }
    yield* rcu_read_unlock();
    yield* down_read(av.rwsem);
  }
  // ... walk av's vmas here ...
  yield* up_read(av.rwsem);
  if (variant !== "down_read_in_rcu") yield* put_anon_vma(av);
  return true;
}

function reclaimVsMunmap(variant: "inc_not_zero" | "plain_inc" | "down_read_in_rcu"): Scenario<RmapState> {
  return {
    name: "reclaim vs munmap",
    models: "reclaim walking a page's anon_vma while the last vma mapping it is unmapped",
    setup: rmapSetup,
    threads: [
      { name: "reclaim", run: (s) => page_lock_anon_vma(s, variant) },
      { name: "munmap", run: (s) => unmap_last_vma(s) },
    ],
    leakCheck: ["anon_vma"],
  };
}

/* ------------------------------------------------------------------------ */
/* 2008: copy_page_range and the paired mmu notifier calls                    */
/* ------------------------------------------------------------------------ */

interface ForkState {
  src: MmStruct;
  dst: MmStruct;
  page: Page;
  kvm: SecondaryMmu;
}

const ADDR = 0x400000;

function forkSetup(): ForkState {
  const ex = cur();
  const src = mm_alloc_now();
  const dst = mm_alloc_now();
  vma_alloc_now(src, ADDR, ADDR + 0x1000);
  const page = allocateNow(ex, page_cachep, "setup");
  // Map the page writable in src, building the tables by hand.
  const pud = allocateNow(ex, pgtable_cachep.pud, "setup");
  const pmd = allocateNow(ex, pgtable_cachep.pmd, "setup");
  const pte = allocateNow(ex, pgtable_cachep.pte, "setup");
  src.pgd.entries.set(0, pud);
  pud.entries.set(0, pmd);
  pmd.entries.set(2, pte);
  pte.entries.set(0, mk_pte(page, true));
  const kvm = new SecondaryMmu(src);
  kvm.sptes.set(ADDR, { page, write: true });
  return { src, dst, page, kvm };
}

/** A one-page copy_page_range: write-protect the parent's pte (COW) and copy it to the child. */
function* copy_page_range(s: ForkState, variant: "fixed" | "early_return" | "wrong_end"): Sim<number> {
  const start = ADDR;
  const end = ADDR + 0x1000;
  yield* mmu_notifier_invalidate_range_start(s.src, start, end);
  let ret = 0;
  const pud = yield* pud_alloc(s.dst, s.dst.pgd, ADDR);
  const pmd = pud ? yield* pmd_alloc(s.dst, pud, ADDR) : null;
  const pte = pmd ? yield* pte_alloc(s.dst, pmd, ADDR) : null;
  if (pte === null) {
    if (variant === "early_return") return -12; // -ENOMEM, leaving the notifier range open
    ret = -12;
  } else {
    yield* spin_lock(s.src.page_table_lock);
    const srcPte = pgtable_walk(s.src, ADDR)!;
    const old = ptep_get(srcPte, ADDR)!;
    set_pte_at(s.src, ADDR, srcPte, pte_wrprotect(old));
    set_pte_at(s.dst, ADDR, pte, pte_wrprotect(old));
    yield* spin_unlock(s.src.page_table_lock);
  }
  yield* mmu_notifier_invalidate_range_end(s.src, start, variant === "wrong_end" ? end + 0x1000 : end);
  return ret;
}

function forkScenario(variant: "fixed" | "early_return" | "wrong_end"): Scenario<ForkState> {
  return {
    name: "fork with allocation failures",
    models: "copy_page_range of a COW mapping while a page-table allocation may fail, with KVM faulting on the parent",
    setup: forkSetup,
    threads: [
      { name: "fork", run: (s) => copy_page_range(s, variant) },
      { name: "kvm", run: (s) => kvm_page_fault(s.kvm, ADDR) },
    ],
    faults: { caches: ["pgtable_pud", "pgtable_pmd", "pgtable_pte"], maxFailures: 1 },
    check: (s, ctx) => {
      const v = secondary_mmu_violations(s.kvm);
      check_that(v.length === 0, v.join("; "));
      const r = ctx.results.fork as number;
      check_that(r === 0 || r === -12, `copy_page_range returned ${r}`);
    },
    teardown: function* (s) {
      free_pgtables_now(s.src);
      free_pgtables_now(s.dst);
    },
    leakCheck: ["pgtable_pud", "pgtable_pmd", "pgtable_pte"],
  };
}

/* ------------------------------------------------------------------------ */
/* 2010: the root anon_vma's reference                                         */
/* ------------------------------------------------------------------------ */

interface TreeState {
  root: AnonVma;
  child: AnonVma;
}

function treeSetup(): TreeState {
  const ex = cur();
  const root = allocateNow(ex, anon_vma_cachep, "setup");
  const child = allocateNow(ex, anon_vma_cachep, "setup");
  root.root = root;
  child.root = root;
  poke(root.refcount, "counter", 2); // the parent's vma, and the child's reference on its root
  poke(child.refcount, "counter", 1); // the child's vma
  return { root, child };
}

/** __put_anon_vma(): free, then drop the reference the anon_vma held on its root. */
function* put_anon_vma_2010(av: AnonVma, dropRoot: boolean): Sim {
  if (!(yield* atomic_dec_and_test(av.refcount))) return;
  const root = av.root;
  yield* kmem_cache_free(anon_vma_cachep, av);
  if (root !== av && dropRoot) yield* put_anon_vma_2010(root, dropRoot);
}

function treeScenario(dropRoot: boolean): Scenario<TreeState> {
  return {
    name: "exit of parent and child",
    models: "a forked child's anon_vma pins the root anon_vma; both processes exit in either order",
    setup: treeSetup,
    threads: [
      { name: "parent-exit", run: (s) => put_anon_vma_2010(s.root, dropRoot) },
      { name: "child-exit", run: (s) => put_anon_vma_2010(s.child, dropRoot) },
    ],
    leakCheck: ["anon_vma"],
  };
}

/* ------------------------------------------------------------------------ */
/* 2024: per-VMA locks                                                        */
/* ------------------------------------------------------------------------ */

interface PerVmaState {
  mm: MmStruct;
  other: MmStruct;
  vma: Vma;
  used: Vma | null;
  usedMm: MmStruct | null;
}

function perVmaSetup(): PerVmaState {
  const mm = mm_alloc_now();
  const other = mm_alloc_now();
  const vma = vma_alloc_now(mm, 0x10000, 0x20000);
  poke(vma.vm_refcnt, "refs", 1); // attached
  return { mm, other, vma, used: null, usedMm: null };
}

/** The fault side: lock_vma_under_rcu(). */
function* lock_vma_under_rcu(s: PerVmaState, variant: "fixed" | "no_recheck" | "ref_after_rcu"): Sim<boolean> {
  yield* rcu_read_lock();
  const vma = find_vma(s.mm, 0x10000);
  if (vma === null) {
    yield* rcu_read_unlock();
    return false;
  }
  if (variant === "ref_after_rcu") yield* rcu_read_unlock();
  if (!(yield* refcount_inc_not_zero_limited(vma.vm_refcnt, VMA_REF_LIMIT))) {
    if (variant !== "ref_after_rcu") yield* rcu_read_unlock();
    return false;
  }
  if (variant !== "ref_after_rcu") yield* rcu_read_unlock();
  // The vma may have been freed and reused: check it is still the one we looked up.
  if (variant !== "no_recheck" && (vma.vm_mm !== s.mm || vma.vm_start > 0x10000 || vma.vm_end <= 0x10000)) {
    yield* vma_end_read(vma);
    return false;
  }
  s.used = vma;
  s.usedMm = vma.vm_mm;
  yield* vma_end_read(vma);
  return true;
}

function* vma_end_read(vma: Vma): Sim {
  yield* refcount_dec(vma.vm_refcnt);
}

/** munmap: write-lock, detach (waiting for readers), free; the slot is reused at once for another mm. */
function* munmap_and_reuse(s: PerVmaState, waitForReaders: boolean, reuse: boolean): Sim {
  yield* down_write(s.mm.mmap_lock);
  const vma = s.vma;
  yield* refcount_add(vma.vm_refcnt, VMA_LOCK_OFFSET);
  if (waitForReaders) yield* wait_event(() => vma.vm_refcnt.refs === VMA_LOCK_OFFSET + 1, "readers drained");
  s.mm.vmas = [];
  yield* refcount_sub_and_test(vma.vm_refcnt, VMA_LOCK_OFFSET + 1);
  yield* up_write(s.mm.mmap_lock);
  yield* kmem_cache_free(vm_area_cachep, vma);
  if (!reuse) return;
  // Another process maps a vma: SLAB_TYPESAFE_BY_RCU hands back the same memory.
  const nu = yield* kmem_cache_alloc(vm_area_cachep);
  if (nu !== null) {
    nu.vm_mm = s.other;
    nu.vm_start = 0x10000;
    nu.vm_end = 0x20000;
    yield* refcount_set(nu.vm_refcnt, 1);
    s.other.vmas = [nu];
  }
}

function perVmaScenario(variant: "fixed" | "no_recheck" | "ref_after_rcu", wait = true, reuse = true): Scenario<PerVmaState> {
  return {
    name: "fault vs munmap and reuse",
    models: "a page fault locking a vma under RCU while munmap frees it and another mm reuses the memory",
    setup: perVmaSetup,
    threads: [
      { name: "fault", run: (s) => lock_vma_under_rcu(s, variant) },
      { name: "munmap", run: (s) => munmap_and_reuse(s, wait, reuse) },
    ],
    caches: { vm_area_struct: { typesafe: true } },
    check: (s) => {
      check_that(s.usedMm === null || s.usedMm === s.mm, "the fault used a vma that now belongs to another mm");
    },
  };
}

/* ------------------------------------------------------------------------ */
/* One detector each                                                          */
/* ------------------------------------------------------------------------ */

const thing_cachep = new KmemCache("thing", () => kstruct("thing", { value: 0 }));

function simple<S>(name: string, models: string, setup: () => S, threads: Array<[string, (s: S) => Sim<unknown>]>, extra: Partial<Scenario<S>> = {}): Scenario<S> {
  return { name, models, setup, threads: threads.map(([n, run]) => ({ name: n, run })), ...extra };
}

/* ------------------------------------------------------------------------ */
/* The code between two primitives is not atomic (KCSAN)                      */
/* ------------------------------------------------------------------------ */

interface RaceState {
  mm: MmStruct;
  vma: Vma;
  page: Page;
  av: AnonVma;
}

function raceSetup(): RaceState {
  const ex = cur();
  const mm = mm_alloc_now();
  const vma = vma_alloc_now(mm, 0x10000, 0x20000);
  const av = allocateNow(ex, anon_vma_cachep, "setup");
  poke(av.refcount, "counter", 1);
  const page = allocateNow(ex, page_cachep, "setup");
  return { mm, vma, page, av };
}

/** (a) A read after the unlock: the other thread may change the field in between. */
function readAfterUnlock(fixed: boolean): Scenario<RaceState> {
  return {
    name: fixed ? "check before unlock" : "check after unlock",
    models: "a fault publishes page->mapping under the page-table lock and checks it; a zap clears it under the lock",
    setup: raceSetup,
    kcsan: true,
    threads: [
      {
        name: "fault",
        run: function* (s) {
          yield* spin_lock(s.mm.page_table_lock);
          s.page.mapping = s.av;
          let ok = true;
          if (fixed) ok = s.page.mapping === s.av;
          yield* spin_unlock(s.mm.page_table_lock);
          if (!fixed) ok = s.page.mapping === s.av; // after the unlock: nothing protects it any more
          if (!ok) throw new Error("page->mapping changed under the fault");
        },
      },
      {
        name: "zap",
        run: function* (s) {
          yield* spin_lock(s.mm.page_table_lock);
          s.page.mapping = null;
          yield* spin_unlock(s.mm.page_table_lock);
        },
      },
    ],
  };
}

/**
 * (b) Check-then-act with no lock: lesson 1's anon_vma_prepare that dropped
 * page_table_lock but kept the re-check. The re-check and the install run in
 * one step, so no interleaving separates them; they are still a race.
 */
function prepareWithoutLock(fixed: boolean): Scenario<RaceState> {
  function* prepare(s: RaceState): Sim<number> {
    if ((yield* READ_ONCE(s.vma, "anon_vma")) !== null) return 0; // lockless fast path, marked
    const av = yield* kmem_cache_alloc(anon_vma_cachep);
    if (av === null) return -12;
    if (fixed) yield* spin_lock(s.mm.page_table_lock);
    let spare: AnonVma | null = av;
    if (s.vma.anon_vma === null) {
      s.vma.anon_vma = av;
      spare = null;
    }
    if (fixed) yield* spin_unlock(s.mm.page_table_lock);
    if (spare !== null) yield* kmem_cache_free(anon_vma_cachep, spare);
    return 0;
  }
  return {
    name: fixed ? "prepare under page_table_lock" : "prepare without the lock, re-check kept",
    models: "two threads of one mm take the first fault of one vma and both prepare its anon_vma",
    setup: raceSetup,
    kcsan: true,
    threads: [
      { name: "fault1", run: prepare },
      { name: "fault2", run: prepare },
    ],
  };
}

/** (c) A store without the lock that another thread reads under it. */
function unlockedStore(fixed: boolean): Scenario<RaceState> {
  return {
    name: fixed ? "store under the lock" : "store without the lock",
    models: "a migration updates page->index; an rmap walk reads it under the page-table lock",
    setup: raceSetup,
    kcsan: true,
    threads: [
      {
        name: "migrate",
        run: function* (s) {
          if (fixed) yield* spin_lock(s.mm.page_table_lock);
          s.page.index = 7;
          if (fixed) yield* spin_unlock(s.mm.page_table_lock);
        },
      },
      {
        name: "walk",
        run: function* (s) {
          yield* spin_lock(s.mm.page_table_lock);
          const addr = s.vma.vm_start + s.page.index * 4096;
          yield* spin_unlock(s.mm.page_table_lock);
          return addr;
        },
      },
    ],
  };
}

const twoLocks = () => ({ a: new Spinlock("&A"), b: new Spinlock("&B"), turn: kstruct("turn", { who: 0 }) });

export const KNOWN_BUGS: KnownBug[] = [
  {
    id: "read-after-unlock",
    title: "a shared field read after the lock that protects it was dropped",
    source: "KCSAN · code after a release is not atomic with it",
    detector: "data-race",
    buggy: readAfterUnlock(false),
    fixed: readAfterUnlock(true),
  },
  {
    id: "prepare-without-lock",
    title: "anon_vma_prepare without page_table_lock, keeping the re-check",
    source: "lesson 1 · KCSAN: check-then-act with nothing between is not atomic",
    detector: "data-race",
    buggy: prepareWithoutLock(false),
    fixed: prepareWithoutLock(true),
  },
  {
    id: "unlocked-store",
    title: "a store without the lock to a field another thread reads under it",
    source: "KCSAN · an unlocked store is not ordered with the reader",
    detector: "data-race",
    buggy: unlockedStore(false),
    fixed: unlockedStore(true),
  },
  {
    id: "inc-not-zero",
    title: "a plain atomic_inc where atomic_inc_not_zero was needed under RCU",
    source: "2008 · Arcangeli/Lameter, anon_vma rwsem (patch 09)",
    detector: "use-after-free",
    buggy: reclaimVsMunmap("plain_inc"),
    fixed: reclaimVsMunmap("inc_not_zero"),
  },
  {
    id: "down-read-in-rcu",
    title: "down_read() inside rcu_read_lock()",
    source: "2008 · Arcangeli/Lameter, anon_vma rwsem (patch 09)",
    detector: "sleep-in-atomic",
    buggy: reclaimVsMunmap("down_read_in_rcu"),
    fixed: reclaimVsMunmap("inc_not_zero"),
  },
  {
    id: "copy-page-range-enomem",
    title: "copy_page_range returns -ENOMEM after invalidate_range_start, without the end",
    source: "2008 · Jack Steiner's catch in the mmu notifier series",
    detector: "unbalanced",
    buggy: forkScenario("early_return"),
    fixed: forkScenario("fixed"),
  },
  {
    id: "notifier-wrong-range",
    title: "invalidate_range_end called with another range than the start",
    source: "2008 · mmu notifier series",
    detector: "unbalanced",
    buggy: forkScenario("wrong_end"),
    fixed: forkScenario("fixed"),
  },
  {
    id: "root-reference-leak",
    title: "the root anon_vma's reference is never dropped when a child anon_vma dies",
    source: "2010 · Zijlstra, anon_vma refcount (10/28), with Gorman's review",
    detector: "leak",
    buggy: treeScenario(false),
    fixed: treeScenario(true),
  },
  {
    id: "per-vma-reuse",
    title: "a fault keeps a vma that was freed and reused for another mm (no recheck)",
    source: "2024 · Baghdasaryan, per-VMA lock refcount (v6 10/16)",
    detector: "assertion",
    buggy: perVmaScenario("no_recheck"),
    fixed: perVmaScenario("fixed"),
  },
  {
    id: "per-vma-ref-after-rcu",
    title: "the vma reference taken after leaving the RCU section: the vma may be gone",
    source: "2024 · Baghdasaryan, per-VMA lock refcount (v6 10/16)",
    detector: "use-after-free",
    buggy: perVmaScenario("ref_after_rcu"),
    fixed: perVmaScenario("fixed"),
  },
  {
    id: "per-vma-detach-race",
    title: "the writer detaches and frees the vma without waiting for readers",
    source: "2024 · Baghdasaryan, per-VMA lock refcount (v6 10/16)",
    detector: "use-after-free",
    buggy: perVmaScenario("fixed", false, false),
    fixed: perVmaScenario("fixed", true, false),
  },
  {
    id: "use-after-free",
    title: "an object read after kmem_cache_free",
    source: "KASAN",
    detector: "use-after-free",
    buggy: simple("free then read", "a reader that outlives the object", () => ({ t: allocateNow(cur(), thing_cachep, "setup"), seen: 0 }), [
      ["freer", function* (s) { yield* kmem_cache_free(thing_cachep, s.t); }],
      ["reader", function* (s) { yield* sched_point(); s.seen = s.t.value; }],
    ]),
    fixed: simple("free after read", "the reader finishes before the free", () => ({ t: allocateNow(cur(), thing_cachep, "setup"), seen: 0, done: kstruct("done", { v: 0 }) }), [
      ["freer", function* (s) { yield* wait_event(() => s.done.v === 1, "reader done"); yield* kmem_cache_free(thing_cachep, s.t); }],
      ["reader", function* (s) { yield* sched_point(); s.seen = s.t.value; s.done.v = 1; }],
    ]),
  },
  {
    id: "double-free",
    title: "two threads both free the same object",
    source: "KASAN",
    detector: "double-free",
    buggy: simple("free twice", "two owners who each think they hold the last reference", () => ({ t: allocateNow(cur(), thing_cachep, "setup") }), [
      ["a", function* (s) { yield* kmem_cache_free(thing_cachep, s.t); }],
      ["b", function* (s) { yield* kmem_cache_free(thing_cachep, s.t); }],
    ]),
    fixed: simple("refcounted free", "the last of two owners frees", () => ({ t: allocateNow(cur(), thing_cachep, "setup"), ref: new Refcount(2) }), [
      ["a", function* (s) { if (yield* refcount_dec_and_test(s.ref)) yield* kmem_cache_free(thing_cachep, s.t); }],
      ["b", function* (s) { if (yield* refcount_dec_and_test(s.ref)) yield* kmem_cache_free(thing_cachep, s.t); }],
    ]),
  },
  {
    id: "leak",
    title: "an allocation never freed",
    source: "kmemleak",
    detector: "leak",
    buggy: simple("alloc and forget", "an error path that forgets its allocation", () => ({}), [
      ["a", function* () { yield* kmem_cache_alloc(thing_cachep); }],
    ], { leakCheck: ["thing"] }),
    fixed: simple("alloc and free", "the error path frees what it allocated", () => ({}), [
      ["a", function* () { const t = yield* kmem_cache_alloc(thing_cachep); if (t) yield* kmem_cache_free(thing_cachep, t); }],
    ], { leakCheck: ["thing"] }),
  },
  {
    id: "lock-inversion",
    title: "A then B in one thread, B then A in another",
    source: "lockdep",
    detector: "lock-inversion",
    buggy: simple("AB-BA", "two paths that nest the same two locks in opposite orders", twoLocks, [
      ["ab", function* (s) { yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
      ["ba", function* (s) { yield* spin_lock(s.b); yield* spin_lock(s.a); yield* spin_unlock(s.a); yield* spin_unlock(s.b); }],
    ]),
    fixed: simple("AB-AB", "both paths nest the locks in the same order", twoLocks, [
      ["ab", function* (s) { yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
      ["ab2", function* (s) { yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "lock-inversion-across-schedules",
    title: "opposite lock orders that never meet in one schedule",
    source: "lockdep (graph kept across schedules)",
    detector: "lock-inversion",
    buggy: simple("first come takes its order", "whichever path runs first nests the locks its own way; the other does nothing", twoLocks, [
      ["ab", function* (s) { if (s.turn.who !== 0) return; s.turn.who = 1; yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
      ["ba", function* (s) { if (s.turn.who !== 0) return; s.turn.who = 2; yield* spin_lock(s.b); yield* spin_lock(s.a); yield* spin_unlock(s.a); yield* spin_unlock(s.b); }],
    ]),
    fixed: simple("first come, one order", "whichever path runs first, the locks nest A then B", twoLocks, [
      ["ab", function* (s) { if (s.turn.who !== 0) return; s.turn.who = 1; yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
      ["ab2", function* (s) { if (s.turn.who !== 0) return; s.turn.who = 2; yield* spin_lock(s.a); yield* spin_lock(s.b); yield* spin_unlock(s.b); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "recursive-locking",
    title: "a spinlock taken twice by one thread",
    source: "lockdep",
    detector: "recursive-locking",
    buggy: simple("lock twice", "a helper that takes a lock its caller already holds", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* spin_lock(s.a); yield* spin_unlock(s.a); yield* spin_unlock(s.a); }],
    ]),
    fixed: simple("lock once", "the helper expects the lock held", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "nested-same-class",
    title: "two page-table locks of one class nested without telling lockdep",
    source: "lockdep (copy_pte_range nests the child's and the parent's page-table locks)",
    detector: "recursive-locking",
    buggy: simple("nest without annotation", "fork taking the child's then the parent's page-table lock", () => ({ dst: new Spinlock("&mm->page_table_lock", "child ptl"), src: new Spinlock("&mm->page_table_lock", "parent ptl") }), [
      ["fork", function* (s) { yield* spin_lock(s.dst); yield* spin_lock(s.src); yield* spin_unlock(s.src); yield* spin_unlock(s.dst); }],
    ]),
    fixed: simple("spin_lock_nested", "the inner lock taken with SINGLE_DEPTH_NESTING", () => ({ dst: new Spinlock("&mm->page_table_lock", "child ptl"), src: new Spinlock("&mm->page_table_lock", "parent ptl") }), [
      ["fork", function* (s) { yield* spin_lock(s.dst); yield* spin_lock_nested(s.src, SINGLE_DEPTH_NESTING); yield* spin_unlock(s.src); yield* spin_unlock(s.dst); }],
      ["fork2", function* (s) { yield* spin_lock(s.dst); yield* spin_lock_nested(s.src, SINGLE_DEPTH_NESTING); yield* spin_unlock(s.src); yield* spin_unlock(s.dst); }],
    ]),
  },
  {
    id: "bad-unlock",
    title: "unlocking a lock that is not held",
    source: "lockdep",
    detector: "bad-unlock",
    buggy: simple("unlock unheld", "an error path that unlocks what it never locked", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_unlock(s.a); }],
    ]),
    fixed: simple("balanced", "lock and unlock pair up", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "lock-held-at-exit",
    title: "a thread returns with a lock held",
    source: "lockdep",
    detector: "lock-held-at-exit",
    buggy: simple("return locked", "an early return that skips the unlock", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); }],
    ]),
    fixed: simple("unlock before return", "every return path unlocks", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "sleep-under-spinlock",
    title: "mutex_lock() while holding a spinlock",
    source: "might_sleep",
    detector: "sleep-in-atomic",
    buggy: simple("sleep in atomic", "a sleeping lock taken inside a spinlock", () => ({ a: new Spinlock("&A"), m: new Mutex("&M") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* mutex_lock(s.m); yield* mutex_unlock(s.m); yield* spin_unlock(s.a); }],
    ]),
    fixed: simple("sleep first", "the sleeping lock is the outer one", () => ({ a: new Spinlock("&A"), m: new Mutex("&M") }), [
      ["t", function* (s) { yield* mutex_lock(s.m); yield* spin_lock(s.a); yield* spin_unlock(s.a); yield* mutex_unlock(s.m); }],
    ]),
  },
  {
    id: "synchronize-rcu-in-reader",
    title: "synchronize_rcu() inside an RCU read-side critical section",
    source: "might_sleep",
    detector: "sleep-in-atomic",
    buggy: simple("wait for yourself", "a reader that waits for a grace period it is holding up", () => ({}), [
      ["t", function* () { yield* rcu_read_lock(); yield* synchronize_rcu(); yield* rcu_read_unlock(); }],
    ]),
    fixed: simple("wait outside", "the grace period is awaited after the read section", () => ({}), [
      ["t", function* () { yield* rcu_read_lock(); yield* rcu_read_unlock(); yield* synchronize_rcu(); }],
    ]),
  },
  {
    id: "refcount-inc-from-zero",
    title: "refcount_inc on a count that already dropped to zero",
    source: "refcount_t",
    detector: "refcount",
    buggy: simple("resurrect", "a lookup that takes a reference on a dying object", () => ({ r: new Refcount(1) }), [
      ["put", function* (s) { yield* refcount_dec_and_test(s.r); }],
      ["get", function* (s) { yield* sched_point(); yield* refcount_inc(s.r); }],
    ]),
    fixed: simple("get before put", "the reference is taken while the count is held", () => ({ r: new Refcount(1) }), [
      ["t", function* (s) { yield* refcount_inc(s.r); yield* refcount_dec_and_test(s.r); yield* refcount_dec_and_test(s.r); }],
    ]),
  },
  {
    id: "refcount-underflow",
    title: "a reference put twice",
    source: "refcount_t",
    detector: "refcount",
    buggy: simple("double put", "an error path that drops a reference its caller drops again", () => ({ r: new Refcount(1) }), [
      ["t", function* (s) { yield* refcount_dec_and_test(s.r); yield* refcount_dec_and_test(s.r); }],
    ]),
    fixed: simple("single put", "each reference is dropped once", () => ({ r: new Refcount(2) }), [
      ["t", function* (s) { yield* refcount_dec_and_test(s.r); yield* refcount_dec_and_test(s.r); }],
    ]),
  },
  {
    id: "refcount-saturation",
    title: "a count pushed past INT_MAX",
    source: "refcount_t",
    detector: "refcount",
    buggy: simple("overflow", "a reference taken without a limit", () => ({ r: new Refcount(INT_MAX) }), [
      ["t", function* (s) { yield* refcount_inc(s.r); }],
    ]),
    fixed: simple("limited", "references are taken against a limit", () => ({ r: new Refcount(INT_MAX) }), [
      ["t", function* (s) { yield* refcount_inc_not_zero_limited(s.r, INT_MAX); }],
    ]),
  },
  {
    id: "rcu-unbalanced",
    title: "a thread returns inside rcu_read_lock()",
    source: "RCU",
    detector: "unbalanced",
    buggy: simple("return in RCU", "an early return that skips rcu_read_unlock", () => ({}), [
      ["t", function* () { yield* rcu_read_lock(); }],
    ]),
    fixed: simple("balanced RCU", "every path leaves the read section", () => ({}), [
      ["t", function* () { yield* rcu_read_lock(); yield* rcu_read_unlock(); }],
    ]),
  },
  {
    id: "deadlock",
    title: "two threads each wait for the other",
    source: "deadlock",
    detector: "deadlock",
    buggy: simple("wait for each other", "two threads each waiting for a flag only the other sets after its own wait", () => ({ f: kstruct("flags", { a: 0, b: 0 }) }), [
      ["a", function* (s) { yield* wait_event(() => s.f.b === 1, "b done"); s.f.a = 1; }],
      ["b", function* (s) { yield* wait_event(() => s.f.a === 1, "a done"); s.f.b = 1; }],
    ]),
    fixed: simple("one waits", "only one thread waits for the other", () => ({ f: kstruct("flags", { a: 0, b: 0 }) }), [
      ["a", function* (s) { yield* wait_event(() => s.f.b === 1, "b done"); s.f.a = 1; }],
      ["b", function* (s) { yield* sched_point(); s.f.b = 1; }],
    ]),
  },
  {
    id: "step-budget",
    title: "a retry loop that never ends",
    source: "step budget",
    detector: "step-budget",
    buggy: simple("retry forever", "a loop that waits for a condition no thread will make true", () => ({ f: kstruct("flag", { v: 0 }) }), [
      ["t", function* (s) { while (s.f.v === 0) yield* sched_point(); }],
    ], { limits: { maxSteps: 200 } }),
    fixed: simple("bounded retry", "the loop gives up", () => ({ f: kstruct("flag", { v: 0 }) }), [
      ["t", function* (s) { for (let i = 0; i < 3 && s.f.v === 0; i++) yield* sched_point(); }],
    ], { limits: { maxSteps: 200 } }),
  },
  {
    id: "list-corruption",
    title: "two threads add to one list without its lock",
    source: "CONFIG_DEBUG_LIST",
    detector: "list-corruption",
    buggy: simple("unlocked adds", "two threads linking entries on a shared list at once", () => listSetup(), [
      ["a", function* (s) { yield* list_add(s.e1, s.head); }],
      ["b", function* (s) { yield* list_add(s.e2, s.head); }],
    ]),
    fixed: simple("locked adds", "both adds under the list's lock", () => listSetup(), [
      ["a", function* (s) { yield* spin_lock(s.lock); yield* list_add(s.e1, s.head); yield* spin_unlock(s.lock); }],
      ["b", function* (s) { yield* spin_lock(s.lock); yield* list_add(s.e2, s.head); yield* spin_unlock(s.lock); }],
    ]),
  },
  {
    id: "lock-not-held",
    title: "a list that names its lock, changed without it",
    source: "lockdep_assert_held",
    detector: "lock-not-held",
    buggy: simple("assert held", "an update of a lock-protected list without the lock", () => listSetup(true), [
      ["a", function* (s) { yield* list_add(s.e1, s.head); }],
    ]),
    fixed: simple("held", "the update holds the list's lock", () => listSetup(true), [
      ["a", function* (s) { yield* spin_lock(s.lock); yield* list_add(s.e1, s.head); yield* spin_unlock(s.lock); }],
    ]),
  },
  {
    id: "forgotten-yield",
    title: "spin_lock() called without yield*",
    source: "the simulator",
    detector: "forgotten-yield",
    buggy: simple("no yield*", "a primitive called like a plain function", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { spin_lock(s.a); yield* sched_point(); }],
    ]),
    fixed: simple("yield*", "every primitive driven with yield*", () => ({ a: new Spinlock("&A") }), [
      ["t", function* (s) { yield* spin_lock(s.a); yield* spin_unlock(s.a); }],
    ]),
  },
  {
    id: "rcu-callback-free",
    title: "an object freed while an RCU reader may still see it",
    source: "RCU",
    detector: "use-after-free",
    buggy: simple("free at once", "an updater that unpublishes then frees without a grace period", () => rcuSetup(), [
      ["reader", rcuReader],
      ["updater", function* (s) { const t = s.p.ptr; s.p.ptr = null; if (t) yield* kmem_cache_free(thing_cachep, t); }],
    ]),
    fixed: simple("call_rcu", "the free waits for a grace period", () => rcuSetup(), [
      ["reader", rcuReader],
      ["updater", function* (s) { const t = s.p.ptr; s.p.ptr = null; if (t) yield* call_rcu(t, function* (o) { yield* kmem_cache_free(thing_cachep, o); }); }],
    ], { leakCheck: ["thing"] }),
  },
];

function listSetup(protect = false) {
  const lock = new Spinlock("&list_lock");
  const head = new ListHead(null, "head");
  if (protect) head.protector = () => lock;
  const x1 = kstruct("entry", { n: 1 });
  const x2 = kstruct("entry", { n: 2 });
  return { lock, head, e1: x1.embed(new ListHead(x1), "node"), e2: x2.embed(new ListHead(x2), "node") };
}

type RcuState = { p: { ptr: ReturnType<typeof thing_cachep.create> | null }; seen: number };
function rcuSetup(): RcuState {
  const t = allocateNow(cur(), thing_cachep, "setup");
  return { p: kstruct("gp", { ptr: t as typeof t | null }), seen: 0 };
}
function* rcuReader(s: RcuState): Sim {
  yield* rcu_read_lock();
  const t = s.p.ptr;
  yield* sched_point();
  if (t) s.seen = t.value;
  yield* rcu_read_unlock();
}

/** The known bug for a detector kind (the first one listed). */
export function knownBug(id: string): KnownBug {
  const b = KNOWN_BUGS.find((k) => k.id === id);
  if (!b) throw new Error(`no known bug "${id}"; known: ${KNOWN_BUGS.map((k) => k.id).join(", ")}`);
  return b;
}
