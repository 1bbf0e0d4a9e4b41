/*
 * Test-side kernel for the root-refcount exercise (lesson 5): processes
 * with one anonymous vma each, fork, copy-on-write faults, exit, reclaim's
 * rmap walk and page migration, built on the learner's mm/rmap.c.
 *
 * A process here is an mm with one vma at PROC_START and a single pte slot
 * for the one page the tests map there. Page tables are not modelled: the
 * pte is a small tracked structure, and a migration entry is a flag on it.
 */

import {
  type AnonVma,
  type AnonVmaChain,
  type MmStruct,
  type Page,
  type Sim,
  type Vma,
  GFP_KERNEL,
  PAGE_SHIFT,
  alloc_page,
  atomic_dec,
  atomic_inc,
  check_that,
  data_race,
  down_read,
  down_write,
  insert_vma_now,
  kmem_cache_alloc,
  kmem_cache_free,
  kstruct,
  Mutex,
  mutex_lock,
  mutex_unlock,
  list_for_each_entry,
  mm_alloc_now,
  remove_vma_now,
  sched_point,
  spin_lock,
  spin_unlock,
  up_read,
  up_write,
  vm_area_cachep,
  freeStepOf,
  isFreed, nameOf,
} from "rmap-sim/testing";

/** What the drivers need of the learner's module. */
export interface RootRefRmap {
  anon_vma_prepare(vma: Vma): Sim<number>;
  anon_vma_fork(vma: Vma, pvma: Vma): Sim<number>;
  unlink_anon_vmas(vma: Vma): Sim;
  anon_vma_lock(anon_vma: AnonVma): Sim;
  anon_vma_unlock(anon_vma: AnonVma): Sim;
  put_anon_vma(anon_vma: AnonVma): Sim;
  page_get_anon_vma(page: Page): Sim<AnonVma | null>;
  page_lock_anon_vma(page: Page): Sim<AnonVma | null>;
  page_unlock_anon_vma(anon_vma: AnonVma): Sim;
}

const ENOMEM = 12;

export const PROC_START = 0x10000;
export const PROC_END = 0x20000;

export type PteSlot = { page: Page | null; migration: boolean } & { readonly id: number };

export interface Proc {
  name: string;
  mm: MmStruct;
  /** The process's vma, once mapped (plain bookkeeping of the test). */
  vma: Vma | null;
  pte: PteSlot;
}

export interface World {
  procs: Proc[];
  /** Every anon_vma seen, in creation order: the first is the root. */
  anon_vmas: AnonVma[];
  pages: Page[];
  byMm: Map<MmStruct, Proc>;
  /** The page lock (PG_locked) of each page the test mapped: a sleeping lock, as lock_page() is. */
  pageLocks: Map<Page, Mutex>;
}

/** A page the test just allocated and is about to map: record it, with its page lock. */
function newPage(w: World, page: Page): void {
  w.pages.push(page);
  w.pageLocks.set(page, new Mutex("&page->flags (PG_locked)", `${nameOf(page)}:PG_locked`));
}

/** lock_page() / unlock_page(): reclaim and migration hold a page's lock across its rmap walk. */
function* lock_page(w: World, page: Page): Sim {
  const l = w.pageLocks.get(page);
  check_that(l !== undefined, `the test has no page lock for ${nameOf(page)}`);
  yield* mutex_lock(l!);
}

function* unlock_page(w: World, page: Page): Sim {
  yield* mutex_unlock(w.pageLocks.get(page)!);
}

/** Setup: a world of processes named `names` (no vma yet). */
export function world(...names: string[]): World {
  const procs = names.map((name) => ({
    name,
    mm: mm_alloc_now(name),
    vma: null,
    pte: kstruct("pte_t", { page: null as Page | null, migration: false }, `${name}:pte`),
  }));
  return {
    procs,
    anon_vmas: [],
    pages: [],
    byMm: new Map(procs.map((p) => [p.mm, p])),
    pageLocks: new Map(),
  };
}

export function proc(w: World, name: string): Proc {
  const p = w.procs.find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name}`);
  return p;
}

/**
 * Record an anon_vma the test has seen published, and declare the lock of
 * its list of chains: anon_vma->head changes, and is walked, only under the
 * lock of the root of its tree (anon_vma_lock()).
 */
function note(w: World, av: AnonVma | null): void {
  if (av && !w.anon_vmas.includes(av)) {
    w.anon_vmas.push(av);
    if (av.head.protector === null) av.head.protector = () => av.root.lock;
  }
}

/** Allocate the process's vma [PROC_START, PROC_END) and insert it (mmap). */
export function* mmap_anon(p: Proc): Sim<Vma | null> {
  const vma = yield* kmem_cache_alloc(vm_area_cachep, GFP_KERNEL);
  if (!vma) return null;
  vma.vm_mm = p.mm;
  vma.vm_start = PROC_START;
  vma.vm_end = PROC_END;
  vma.vm_pgoff = PROC_START >>> PAGE_SHIFT;
  vma.anon_vma = null;
  insert_vma_now(p.mm, vma);
  p.vma = vma;
  return vma;
}

/** First write fault in the process: anon_vma_prepare, then a new page mapped by its pte. */
export function* anon_fault(rmap: RootRefRmap, w: World, p: Proc): Sim<Page | null> {
  const vma = p.vma!;
  yield* down_read(p.mm.mmap_lock);
  // Another fault of the vma may be preparing it now (both under mmap_lock for reading): a marked read.
  const fresh = data_race(() => vma.anon_vma) === null;
  const err = yield* rmap.anon_vma_prepare(vma);
  if (err) {
    check_that(err === -ENOMEM, `anon_vma_prepare() failed with ${err}: the test expected -ENOMEM (-12), the only error it can meet`);
    check_that(vma.anon_vma === null, `anon_vma_prepare() returned ${err} but left ${nameOf(vma)} an anon_vma: the test expected the vma as it was`);
    yield* up_read(p.mm.mmap_lock);
    return null;
  }
  check_that(vma.anon_vma !== null, `anon_vma_prepare(${nameOf(vma)}) returned 0, but the vma has no anon_vma: the test expected one`);
  if (fresh) {
    // A vma that had none gets a new tree: its anon_vma is its own root, even in the memory of a freed child.
    const av = vma.anon_vma!;
    check_that(
      av.root === av,
      `anon_vma_prepare(${nameOf(vma)}) gave the vma ${nameOf(av)}, whose root is ${(av.root ? nameOf(av.root) : "NULL")}: the test expected a ` +
        "new anon_vma to be the root of its own tree (anon_vma->root = anon_vma), even when the cache reuses the memory " +
        "of a freed anon_vma that had another root",
    );
  }
  note(w, vma.anon_vma);
  const page = yield* alloc_page();
  if (page) {
    page.mapping = vma.anon_vma;
    page.index = PROC_START >>> PAGE_SHIFT;
    yield* atomic_inc(page._mapcount);
    yield* spin_lock(p.mm.page_table_lock);
    p.pte.page = page;
    p.pte.migration = false;
    yield* spin_unlock(p.mm.page_table_lock);
    newPage(w, page);
  }
  yield* up_read(p.mm.mmap_lock);
  return page;
}

/** Write fault on a page shared after fork: a new page in the child's own anon_vma. */
export function* cow_fault(w: World, p: Proc): Sim<Page | null> {
  const vma = p.vma!;
  const page = yield* alloc_page();
  if (!page) return null;
  page.mapping = vma.anon_vma;
  page.index = PROC_START >>> PAGE_SHIFT;
  yield* atomic_inc(page._mapcount);
  yield* spin_lock(p.mm.page_table_lock);
  const old = p.pte.page;
  p.pte.page = page;
  yield* spin_unlock(p.mm.page_table_lock);
  if (old) yield* atomic_dec(old._mapcount);
  newPage(w, page);
  return page;
}

/** fork(): the child copies the parent's vma (anon_vma_fork) and shares its page. Returns 0 or -ENOMEM. */
export function* fork_proc(rmap: RootRefRmap, w: World, parent: Proc, child: Proc): Sim<number> {
  const pvma = parent.vma!;
  yield* down_write(parent.mm.mmap_lock);
  const vma = yield* kmem_cache_alloc(vm_area_cachep, GFP_KERNEL);
  if (!vma) {
    yield* up_write(parent.mm.mmap_lock);
    return -12;
  }
  vma.vm_mm = child.mm;
  vma.vm_start = pvma.vm_start;
  vma.vm_end = pvma.vm_end;
  vma.vm_pgoff = pvma.vm_pgoff;
  vma.anon_vma = null;
  const err = yield* rmap.anon_vma_fork(vma, pvma);
  if (err) {
    check_that(err === -ENOMEM, `anon_vma_fork() failed with ${err}: the test expected -ENOMEM (-12), the only error it can meet`);
    check_that(
      vma.anon_vma_chain.next === vma.anon_vma_chain,
      `anon_vma_fork() returned ${err} but left entries on the new vma's chain: the test expected the error path to undo its links`,
    );
    yield* kmem_cache_free(vm_area_cachep, vma);
    yield* up_write(parent.mm.mmap_lock);
    return err;
  }
  if (pvma.anon_vma !== null) {
    // Set by anon_vma_fork(): TypeScript still narrows it to the null assigned above.
    const av = vma.anon_vma as AnonVma | null;
    check_that(
      av !== null && av !== pvma.anon_vma && !isFreed(av),
      `anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}) returned 0: the test expected the child's vma to get an anon_vma of its own, ` +
        `found ${av === null ? "NULL" : av === pvma.anon_vma ? "the parent's" : nameOf(av)}`,
    );
    check_that(
      av!.root === pvma.anon_vma.root,
      `anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}): the test expected the child's anon_vma in the parent's tree (root ${nameOf(pvma.anon_vma.root)}), its root is ${(av!.root ? nameOf(av!.root) : "NULL")}`,
    );
  }
  note(w, vma.anon_vma);
  insert_vma_now(child.mm, vma);
  child.vma = vma;
  const page = parent.pte.page;
  if (page) {
    yield* atomic_inc(page._mapcount);
    /* copy_pte_range(): the child's pte is written under its pte lock, which rmap walks take to read it */
    yield* spin_lock(child.mm.page_table_lock);
    child.pte.page = page;
    yield* spin_unlock(child.mm.page_table_lock);
  }
  yield* up_write(parent.mm.mmap_lock);
  return 0;
}

/** exit_mmap(): zap the pte, unlink the vma from its anon_vmas, free it. */
export function* exit_proc(rmap: RootRefRmap, p: Proc): Sim {
  const vma = p.vma;
  if (!vma) return;
  yield* down_write(p.mm.mmap_lock);
  yield* spin_lock(p.mm.page_table_lock);
  const page = p.pte.page;
  const migration = p.pte.migration;
  p.pte.page = null;
  p.pte.migration = false;
  yield* spin_unlock(p.mm.page_table_lock);
  if (page && !migration) yield* atomic_dec(page._mapcount);
  remove_vma_now(p.mm, vma);
  p.vma = null;
  yield* rmap.unlink_anon_vmas(vma);
  yield* kmem_cache_free(vm_area_cachep, vma);
  yield* up_write(p.mm.mmap_lock);
}

/** In a prelude: the initial fork tree must build; a submission that cannot build it fails here. */
export function built(ok: boolean): void {
  check_that(ok, "the test could not build the scenario's initial fork tree: an mmap, fault or fork of your code failed there");
}

/** Build a fork chain: the first process maps and faults, each next one forks from the previous. */
export function* build_chain(rmap: RootRefRmap, w: World, names: string[], cow = false): Sim<boolean> {
  const first = proc(w, names[0]!);
  if (!(yield* mmap_anon(first))) return false;
  if (!(yield* anon_fault(rmap, w, first))) return false;
  for (let i = 1; i < names.length; i++) {
    const parent = proc(w, names[i - 1]!);
    const child = proc(w, names[i]!);
    if ((yield* fork_proc(rmap, w, parent, child)) !== 0) return false;
    if (cow && !(yield* cow_fault(w, child))) return false;
  }
  return true;
}

/**
 * Reclaim's rmap walk of a page (page_referenced / try_to_unmap): lock the
 * page's anon_vma and count the vmas whose pte maps the page. Returns -1 if
 * the page had no anon_vma to lock (it was unmapped meanwhile). Each pte is
 * read under its mm's page_table_lock, as page_check_address() does: the
 * anon_vma lock keeps the vma on the list, not its ptes, which exit and
 * faults change under the pte lock.
 */
export function* reclaim_walk(rmap: RootRefRmap, w: World, page: Page): Sim<number> {
  yield* lock_page(w, page);
  const n = yield* reclaim_walk_locked(rmap, w, page);
  yield* unlock_page(w, page);
  return n;
}

/** The walk of reclaim_walk(), with the page locked (shrink_page_list() holds it). */
function* reclaim_walk_locked(rmap: RootRefRmap, w: World, page: Page): Sim<number> {
  const anon_vma = yield* rmap.page_lock_anon_vma(page);
  if (!anon_vma) return -1;
  let n = 0;
  for (const avc of list_for_each_entry<AnonVmaChain>(anon_vma.head)) {
    const vma = avc.vma!;
    const p = w.byMm.get(vma.vm_mm!);
    if (!p) continue;
    yield* spin_lock(p.mm.page_table_lock);
    if (p.pte.page === page) n++;
    yield* spin_unlock(p.mm.page_table_lock);
  }
  yield* sched_point();
  yield* rmap.page_unlock_anon_vma(anon_vma);
  return n;
}

/**
 * Page migration (unmap_and_move): take a reference on the page's anon_vma
 * while the page is mapped, replace its ptes by migration entries (the page
 * is unmapped now), copy, then restore the ptes. page_lock_anon_vma() would
 * fail on the unmapped page: the restore walks the anon_vma through the
 * reference taken at the start, and drops it at the end.
 */
export function* migrate_page(rmap: RootRefRmap, w: World, page: Page): Sim<string> {
  yield* lock_page(w, page);
  const r = yield* migrate_page_locked(rmap, w, page);
  yield* unlock_page(w, page);
  return r;
}

/** The migration of migrate_page(), with the page locked (unmap_and_move() holds it throughout). */
function* migrate_page_locked(rmap: RootRefRmap, w: World, page: Page): Sim<string> {
  const anon_vma = yield* rmap.page_get_anon_vma(page);
  if (!anon_vma) return "not mapped";

  /* try_to_unmap(page, TTU_MIGRATION) */
  yield* rmap.anon_vma_lock(anon_vma);
  const unmapped: Proc[] = [];
  for (const avc of list_for_each_entry<AnonVmaChain>(anon_vma.head)) {
    const p = w.byMm.get(avc.vma!.vm_mm!);
    if (!p) continue;
    /* try_to_unmap_one(): the pte is read and replaced under the pte lock */
    yield* spin_lock(p.mm.page_table_lock);
    if (p.pte.page === page && !p.pte.migration) {
      p.pte.migration = true;
      unmapped.push(p);
    }
    yield* spin_unlock(p.mm.page_table_lock);
  }
  for (let i = 0; i < unmapped.length; i++) yield* atomic_dec(page._mapcount);
  yield* rmap.anon_vma_unlock(anon_vma);

  /* copy the page: the page is unmapped, its vmas may go away now */
  yield* sched_point();

  /* remove_migration_ptes(): walk with the reference we hold */
  yield* rmap.anon_vma_lock(anon_vma);
  let restored = 0;
  for (const avc of list_for_each_entry<AnonVmaChain>(anon_vma.head)) {
    const p = w.byMm.get(avc.vma!.vm_mm!);
    if (!p) continue;
    /* remove_migration_pte(): under the pte lock too */
    yield* spin_lock(p.mm.page_table_lock);
    if (p.pte.page === page && p.pte.migration) {
      p.pte.migration = false;
      restored++;
    }
    yield* spin_unlock(p.mm.page_table_lock);
  }
  for (let i = 0; i < restored; i++) yield* atomic_inc(page._mapcount);
  yield* rmap.anon_vma_unlock(anon_vma);

  yield* rmap.put_anon_vma(anon_vma);
  return `migrated, ${restored} pte${restored === 1 ? "" : "s"} restored`;
}

/**
 * End check: the root (the first anon_vma) was the last of its tree to be
 * freed. Whether everything was freed is kmemleak's job (leakCheck).
 */
export function check_root_last(w: World): void {
  const root = w.anon_vmas[0];
  if (root === undefined || !isFreed(root)) return;
  for (const av of w.anon_vmas) {
    if (av === root || !isFreed(av)) continue;
    check_that(
      freeStepOf(av) <= freeStepOf(root),
      `the root anon_vma ${nameOf(root)} was freed (step ${freeStepOf(root)}) before ${nameOf(av)} of its tree (step ${freeStepOf(av)}): ` +
        "a child must be freed before it drops its reference on the root, so the root is the last of its tree to go",
    );
  }
}

export const ROOTREF_CACHES = ["anon_vma", "anon_vma_chain", "vm_area_struct"] as const;
