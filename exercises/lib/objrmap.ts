/*
 * Kernel drivers for the anon_vma exercises of lessons 1 and 2 (objrmap,
 * 2004; rw_semaphore and refcount, 2008): the page fault, fork, munmap and
 * exit paths that call the learner's rmap functions, plus the oracle that
 * says which ptes map a page.
 *
 * The drivers follow mm/memory.c and mm/mmap.c of those kernels, cut down to
 * what the rmap needs:
 *
 *   do_anonymous_page  anon_vma_prepare(), then the pte and page_add_anon_rmap()
 *                      under mm->page_table_lock
 *   dup_mmap           a copy of each vma, anon_vma_link(), then the ptes copied
 *                      write-protected, page_dup_rmap() for each
 *   do_wp_page         copy-on-write: a new page replaces the shared one
 *   unmap_vma          zap the ptes (page_remove_rmap), anon_vma_unlink(), free
 *   exit_mmap          unmap_vma for every vma, then free the mm
 *
 * Page tables are plain objects here (they are not the subject of these
 * lessons), built on demand and never freed. Pages stay allocated until the
 * scenario's teardown frees them: in the kernel, reclaim holds a reference to
 * the page it is walking, so the page outlives its last pte.
 */

import {
  alloc_page,
  atomic_inc,
  __free_page,
  kmem_cache_alloc,
  kmem_cache_free,
  insert_vma_now,
  KObject,
  kstruct,
  mk_pte,
  mm_cachep,
  type MmStruct,
  type Page,
  PageTable,
  type PageTableLevel,
  pgtable_index,
  pte_get,
  pte_wrprotect,
  ptep_get,
  remove_vma_now,
  set_pte_at,
  type Sim,
  spin_lock,
  spin_lock_nested,
  SINGLE_DEPTH_NESTING,
  spin_unlock,
  type ThreadSpec,
  type Vma,
  vm_area_cachep,
  mm_ptes,
  PAGE_SIZE,
  PAGE_SHIFT,
  type AnonVma,
  type LockLike,
  isFreed,
  setLabel,
  nameOf,
  check_that,
  mm_alloc_now,
  vma_alloc_now,
} from "rmap-sim/testing";

/** The rmap functions the drivers call: the learner's module provides them. */
export interface RmapOps {
  anon_vma_prepare(vma: Vma): Sim<number>;
  anon_vma_link(vma: Vma): Sim<void>;
  anon_vma_unlink(vma: Vma): Sim<void>;
  page_add_anon_rmap(page: Page, vma: Vma, address: number): Sim<void>;
  page_remove_rmap(page: Page): Sim<void>;
}

/** What a scenario keeps besides its kernel objects: the live mms and the pages to free at the end. */
export interface World {
  mms: MmStruct[];
  pages: Page[];
  /** Set by the init thread when the prologue is done (see withInit). */
  init: { done: number } & KObject;
  /** The lock of an anon_vma's list of vmas (the spinlock in 2004, the rw_semaphore in 2008), armed once the anon_vma is published. */
  listLock: ((av: AnonVma) => LockLike) | null;
}

export function newWorld(...mms: MmStruct[]): World {
  return { mms: [...mms], pages: [], init: kstruct("init_done", { done: 0 }), listLock: null };
}

/** A world whose anon_vma lists declare their lock (see arm_anon_vma). */
export function newLockedWorld(listLock: (av: AnonVma) => LockLike, ...mms: MmStruct[]): World {
  return { ...newWorld(...mms), listLock };
}

/** One process with one anonymous vma that never faulted: where the single-vma scenarios start. */
export interface OneVma {
  w: World;
  mm: MmStruct;
  vma: Vma;
}

/**
 * Setup: an mm named `mmName` with one vma [start, end), no anon_vma yet, in
 * a world whose anon_vma lists declare `listLock` once published.
 */
export function one_vma_world(listLock: (av: AnonVma) => LockLike, mmName = "parent", start = 0x10000, end = 0x20000): OneVma {
  const mm = mm_alloc_now(mmName);
  const vma = vma_alloc_now(mm, start, end);
  return { w: newLockedWorld(listLock, mm), mm, vma };
}

/** A single-vma world that faulted `page` and forked `child` (each null until done). */
export interface ForkedVma extends OneVma {
  page: Page | null;
  child: MmStruct | null;
}

/** Fault the page at `addr` of the world's vma, then fork a child named "child" that shares it. */
export function* fault_and_fork(ops: RmapOps, s: ForkedVma, addr: number): Sim {
  s.page = yield* do_anonymous_page(ops, s.w, s.vma, addr);
  s.child = yield* dup_mmap(ops, s.w, s.mm, "child");
}

/**
 * After try_to_unmap_anon() raced something that adds or removes ptes of
 * `page`: it returned SWAP_SUCCESS only if no pte maps the page any more,
 * SWAP_AGAIN otherwise, and the page's mapcount counts the ptes left.
 */
export function check_unmap_result(rmap: { SWAP_SUCCESS: number; SWAP_AGAIN: number }, w: World, page: Page, result: unknown): void {
  const left = ptes_mapping(w, page);
  const want = left.length === 0 ? rmap.SWAP_SUCCESS : rmap.SWAP_AGAIN;
  check_that(
    result === want,
    `try_to_unmap_anon returned ${String(result)}, but afterwards ${left.length === 0 ? "no pte maps the page" : `ptes still map it (${left.join(", ")})`}: the test expected ${want === rmap.SWAP_SUCCESS ? "SWAP_SUCCESS" : "SWAP_AGAIN"}`,
  );
  check_that(
    page._mapcount.counter === left.length - 1,
    `the page's _mapcount is ${page._mapcount.counter}, but ${left.length} ptes map it (expected ${left.length - 1})`,
  );
}

const NEXT: Record<PageTableLevel, PageTableLevel | null> = { pgd: "pud", pud: "pmd", pmd: "pte", pte: null };

/** The pte table covering addr, built if missing (plain objects: no scheduling point). */
export function pte_table(mm: MmStruct, addr: number): PageTable {
  let t: PageTable = mm.pgd;
  while (t.level !== "pte") {
    const idx = pgtable_index(t.level, addr);
    let e = t.get(idx);
    if (!(e instanceof PageTable)) {
      e = new PageTable(NEXT[t.level]!, `${nameOf(mm)}:${NEXT[t.level]}`);
      t.set(idx, e);
    }
    t = e;
  }
  return t;
}

/** The ptes of mm in [start, end), as (address, page, writable). Plain reads. */
function ptes_in(mm: MmStruct, start: number, end: number): Array<[number, Page, boolean]> {
  return mm_ptes(mm)
    .filter(([a]) => a >= start && a < end)
    .map(([a, p]) => [a, p.page, p.write]);
}

/**
 * Declare the lock of the vma's anon_vma list: once anon_vma_prepare() has
 * published the anon_vma, its list of vmas changes (fork, munmap) and is
 * walked only under anon_vma->lock. (The first vma is added by
 * anon_vma_prepare() before anyone else can see the anon_vma, so the rule is
 * armed after it.)
 */
export function arm_anon_vma(w: World, vma: Vma): void {
  const av = vma.anon_vma;
  if (w.listLock !== null && av !== null && av.vmas.protector === null) {
    const lock = w.listLock(av);
    // Armed from the first entry on: another task may see the anon_vma (and arm it) between its
    // publication in vma->anon_vma and the first list_add, which the kernel does without the lock.
    av.vmas.protector = () => (av.vmas.next !== av.vmas ? lock : null);
  }
}

/**
 * do_anonymous_page - the first write fault on an anonymous address
 *
 * Returns the page now mapped at addr, or null on -ENOMEM.
 */
export function* do_anonymous_page(ops: RmapOps, w: World, vma: Vma, addr: number): Sim<Page | null> {
  const mm = vma.vm_mm!;
  if ((yield* ops.anon_vma_prepare(vma)) !== 0) return null;
  arm_anon_vma(w, vma);
  const page = yield* alloc_page();
  if (page === null) return null;
  w.pages.push(page);
  yield* spin_lock(mm.page_table_lock);
  const pt = pte_table(mm, addr);
  const old = ptep_get(pt, addr);
  if (old !== undefined) {
    // Another thread of this mm faulted the address first.
    yield* spin_unlock(mm.page_table_lock);
    return old.page;
  }
  set_pte_at(mm, addr, pt, mk_pte(page, true));
  yield* ops.page_add_anon_rmap(page, vma, addr);
  yield* spin_unlock(mm.page_table_lock);
  return page;
}

/**
 * do_wp_page - a write fault on a write-protected pte after fork: the task
 * gets its own copy of the page. Returns the new page.
 */
export function* do_wp_page(ops: RmapOps, w: World, vma: Vma, addr: number): Sim<Page | null> {
  const mm = vma.vm_mm!;
  if ((yield* ops.anon_vma_prepare(vma)) !== 0) return null;
  arm_anon_vma(w, vma);
  const nu = yield* alloc_page();
  if (nu === null) return null;
  w.pages.push(nu);
  yield* spin_lock(mm.page_table_lock);
  const pt = pte_table(mm, addr);
  const old = ptep_get(pt, addr);
  if (old === undefined) {
    yield* spin_unlock(mm.page_table_lock);
    return null;
  }
  set_pte_at(mm, addr, pt, mk_pte(nu, true));
  yield* ops.page_remove_rmap(old.page);
  yield* ops.page_add_anon_rmap(nu, vma, addr);
  yield* spin_unlock(mm.page_table_lock);
  return nu;
}

/**
 * dup_mmap - fork: copy every vma of `parent` into a new mm, link each copy
 * to its anon_vma, and share the pages write-protected.
 */
export function* dup_mmap(ops: RmapOps, w: World, parent: MmStruct, label?: string): Sim<MmStruct | null> {
  const child = yield* kmem_cache_alloc(mm_cachep);
  if (child === null) return null;
  if (label) setLabel(child, label);
  w.mms.push(child);
  for (const mpnt of parent.vmas) {
    const tmp = yield* kmem_cache_alloc(vm_area_cachep);
    if (tmp === null) return null;
    tmp.vm_mm = child;
    tmp.vm_start = mpnt.vm_start;
    tmp.vm_end = mpnt.vm_end;
    tmp.vm_pgoff = mpnt.vm_pgoff;
    tmp.vm_flags = mpnt.vm_flags;
    tmp.anon_vma = mpnt.anon_vma;
    if (label) setLabel(tmp, `${label}:vma@0x${mpnt.vm_start.toString(16)}`);
    insert_vma_now(child, tmp);
    yield* ops.anon_vma_link(tmp);
    if (tmp.anon_vma === null) continue;
    // copy_page_range(): share every page, write-protected in both. The
    // child's tables are built and filled under the child's page_table_lock
    // (rmap walks read them under it once the vma is on the anon_vma), nested
    // in the parent's as copy_pte_range() nests its two pte locks.
    yield* spin_lock(parent.page_table_lock);
    yield* spin_lock_nested(child.page_table_lock, SINGLE_DEPTH_NESTING);
    for (const [addr, page] of ptes_in(parent, mpnt.vm_start, mpnt.vm_end)) {
      const spt = pte_table(parent, addr);
      set_pte_at(parent, addr, spt, pte_wrprotect(ptep_get(spt, addr)!));
      set_pte_at(child, addr, pte_table(child, addr), mk_pte(page, false));
      yield* atomic_inc(page._mapcount); // page_dup_rmap()
    }
    yield* spin_unlock(child.page_table_lock);
    yield* spin_unlock(parent.page_table_lock);
  }
  return child;
}

/** zap_page_range - clear the ptes of [start, end) and drop their rmap. */
export function* zap_page_range(ops: RmapOps, vma: Vma): Sim {
  const mm = vma.vm_mm!;
  yield* spin_lock(mm.page_table_lock);
  for (const [addr, page] of ptes_in(mm, vma.vm_start, vma.vm_end)) {
    set_pte_at(mm, addr, pte_table(mm, addr), undefined);
    yield* ops.page_remove_rmap(page);
  }
  yield* spin_unlock(mm.page_table_lock);
}

/** unmap_vma - munmap of a whole vma: zap its ptes, unlink it from its anon_vma, free it. */
export function* unmap_vma(ops: RmapOps, vma: Vma): Sim {
  const mm = vma.vm_mm!;
  yield* zap_page_range(ops, vma);
  remove_vma_now(mm, vma);
  yield* ops.anon_vma_unlink(vma);
  yield* kmem_cache_free(vm_area_cachep, vma);
}

/** exit_mmap - the last user of an mm goes away: every vma is unmapped, then the mm is freed. */
export function* exit_mmap(ops: RmapOps, w: World, mm: MmStruct): Sim {
  for (const vma of [...mm.vmas]) yield* unmap_vma(ops, vma);
  const i = w.mms.indexOf(mm);
  if (i >= 0) w.mms.splice(i, 1);
  yield* kmem_cache_free(mm_cachep, mm);
}

/** mremap - move a vma to new_start, keeping vm_pgoff (so page->index stays valid). */
export function* move_vma(vma: Vma, new_start: number): Sim {
  const mm = vma.vm_mm!;
  const delta = new_start - vma.vm_start;
  yield* spin_lock(mm.page_table_lock);
  const moved = ptes_in(mm, vma.vm_start, vma.vm_end);
  for (const [addr] of moved) set_pte_at(mm, addr, pte_table(mm, addr), undefined);
  for (const [addr, page, write] of moved) set_pte_at(mm, addr + delta, pte_table(mm, addr + delta), mk_pte(page, write));
  remove_vma_now(mm, vma);
  vma.vm_start = vma.vm_start + delta;
  vma.vm_end = vma.vm_end + delta;
  insert_vma_now(mm, vma);
  yield* spin_unlock(mm.page_table_lock);
}

/**
 * split_vma - the vma becomes [vm_start, addr) and a new vma [addr, vm_end)
 * with the same anon_vma and vm_pgoff advanced to match, linked on the
 * anon_vma's list (vma_adjust). Returns the new vma, or null.
 */
export function* split_vma(ops: RmapOps, vma: Vma, addr: number): Sim<Vma | null> {
  if (addr <= vma.vm_start || addr >= vma.vm_end) return null;
  const mm = vma.vm_mm!;
  const nu = yield* kmem_cache_alloc(vm_area_cachep);
  if (nu === null) return null;
  nu.vm_mm = mm;
  nu.vm_start = addr;
  nu.vm_end = vma.vm_end;
  nu.vm_pgoff = vma.vm_pgoff + ((addr - vma.vm_start) >>> PAGE_SHIFT);
  nu.vm_flags = vma.vm_flags;
  nu.anon_vma = vma.anon_vma;
  vma.vm_end = addr;
  insert_vma_now(mm, nu);
  yield* ops.anon_vma_link(nu);
  return nu;
}

/** The scenario teardown: every process that is still alive exits, then the pages are freed. */
export function* teardown(ops: RmapOps, w: World): Sim {
  for (const mm of [...w.mms]) yield* exit_mmap(ops, w, mm);
  for (const p of w.pages) if (!isFreed(p)) yield* __free_page(p);
}

/** Oracle: every (mm, address) whose pte maps `page`. Plain reads. */
export function ptes_mapping(w: World, page: Page): string[] {
  const out: string[] = [];
  for (const mm of w.mms) {
    for (const [addr, pte] of mm_ptes(mm)) if (pte.page === page) out.push(`${nameOf(mm)}@0x${addr.toString(16)}`);
  }
  return out;
}

/** The pte of mm at addr maps `page`? */
export function maps(mm: MmStruct, addr: number, page: Page): boolean {
  return pte_get(mm, addr)?.page === page;
}

/**
 * Run `init` to completion before the scenario's threads start, as the
 * scenario's prelude (faults, forks): state that needs primitives to build
 * is built there, alone, and its steps are not part of the explored schedules.
 */
export function withInit<S extends { w: World }>(
  init: (s: S) => Sim<unknown>,
  threads: ReadonlyArray<ThreadSpec<S>>,
): { prelude: (s: S) => Sim<unknown>; threads: ReadonlyArray<ThreadSpec<S>> } {
  return {
    prelude: function* (s: S) {
      yield* init(s);
      s.w.init.done = 1;
    },
    threads,
  };
}

export const PAGE = PAGE_SIZE;
