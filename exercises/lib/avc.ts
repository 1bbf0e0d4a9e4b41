/*
 * Test-side drivers for the anon_vma_chain exercises (lesson 4): page fault
 * with anon_vma_prepare(), fork, split, merge, munmap and exit, an rmap walk,
 * and the oracle that checks the whole rmap state after every operation.
 *
 * The drivers play mm/memory.c and mm/mmap.c around the learner's mm/rmap.c
 * functions (anon_vma_clone, anon_vma_fork, unlink_anon_vmas,
 * anon_vma_merge). They take no mmap_lock: the random scenarios run one
 * thread, and the interleaved ones race only an rmap walk, which does not
 * take it either.
 *
 * Locking rule checked by the simulator: an anon_vma's list of chains
 * (anon_vma->head) changes only under anon_vma->lock, and is walked only
 * under it. Every anon_vma the drivers see has its list armed with that rule.
 */

import {
  type AnonVma,
  type AnonVmaChain,
  type ListHead,
  type MmStruct,
  type Page,
  type Pte,
  PAGE_SHIFT,
  PAGE_SIZE,
  type Sim,
  type Vma,
  __free_page,
  alloc_page,
  anon_vma_cachep,
  anon_vma_chain_cachep,
  atomic_dec_return,
  atomic_inc,
  atomic_read,
  check_that,
  find_vma,
  free_pgtables_now,
  hex,
  insert_vma_now,
  kmem_cache_alloc,
  kmem_cache_free,
  list_add,
  list_add_tail,
  list_for_each_entry,
  mk_pte,
  mm_alloc_now,
  mm_cachep,
  mm_ptes,
  pgtable_walk,
  pmd_alloc,
  pte_alloc,
  pte_get,
  pte_wrprotect,
  ptep_get,
  pud_alloc,
  remove_vma_now,
  set_pte_at,
  spin_lock,
  spin_unlock,
  vm_area_cachep,
  vma_alloc_now,
  isFreed,
  setLabel,
  nameOf,
} from "rmap-sim/testing";

/** The learner's functions that the drivers call. */
export interface AvcImpl {
  anon_vma_clone(dst: Vma, src: Vma): Sim<number>;
  anon_vma_fork(vma: Vma, pvma: Vma): Sim<number>;
  unlink_anon_vmas(vma: Vma): Sim<void>;
  anon_vma_merge(vma: Vma, next: Vma): Sim<void>;
}

/** The processes of a scenario. Plain test-side bookkeeping, touched by one thread only. */
export interface AvcWorld {
  mms: MmStruct[];
  nr_mms: number;
}

export function avc_world_now(): AvcWorld {
  return { mms: [mm_alloc_now("mm0")], nr_mms: 1 };
}

/** A fork tree of one process with one vma, and the relatives forked from it so far (null until forked). */
export interface ForkTree {
  w: AvcWorld;
  parent: MmStruct;
  child: MmStruct | null;
  grandchild: MmStruct | null;
}

/** Setup: the first process with one vma [start, end) that never faulted, nobody forked yet. */
export function fork_tree_now(start: number, end: number): ForkTree {
  const w = avc_world_now();
  vma_alloc_now(w.mms[0]!, start, end);
  return { w, parent: w.mms[0]!, child: null, grandchild: null };
}

/** The parent takes a write fault at `addr` (its vma gets an anon_vma and a page), then forks `child`. */
export function* fault_then_fork(impl: AvcImpl, t: ForkTree, addr: number): Sim<void> {
  yield* write_fault(t.parent, addr);
  t.child = yield* fork_mm(impl, t.w, t.parent);
}

/** Arm the locking rule of an anon_vma's list (idempotent). */
export function arm_anon_vma(anon_vma: AnonVma): void {
  if (anon_vma.head.protector === null) anon_vma.head.protector = () => anon_vma.lock;
}

function linear_page_index(vma: Vma, addr: number): number {
  return ((addr - vma.vm_start) >>> PAGE_SHIFT) + vma.vm_pgoff;
}

/** find_mergeable_anon_vma(): the anon_vma of an adjacent, compatible vma (mm/mmap.c, 2010). */
function find_mergeable_anon_vma(vma: Vma): AnonVma | null {
  const mm = vma.vm_mm!;
  for (const near of mm.vmas) {
    if (near === vma || near.anon_vma === null || near.vm_flags !== vma.vm_flags) continue;
    const pages = (vma.vm_end - vma.vm_start) >>> PAGE_SHIFT;
    if (near.vm_start === vma.vm_end && near.vm_pgoff === vma.vm_pgoff + pages) return near.anon_vma;
  }
  for (const near of mm.vmas) {
    if (near === vma || near.anon_vma === null || near.vm_flags !== vma.vm_flags) continue;
    const pages = (near.vm_end - near.vm_start) >>> PAGE_SHIFT;
    if (near.vm_end === vma.vm_start && vma.vm_pgoff === near.vm_pgoff + pages) return near.anon_vma;
  }
  return null;
}

/**
 * anon_vma_prepare() of 2010: give the vma an anon_vma before its first
 * anonymous page, reusing a mergeable neighbour's (the vma then has a
 * singleton chain), or a new one. Returns 0 or -ENOMEM.
 */
export function* anon_vma_prepare(vma: Vma): Sim<number> {
  if (vma.anon_vma !== null) return 0;
  let avc: AnonVmaChain | null = yield* kmem_cache_alloc(anon_vma_chain_cachep);
  if (avc === null) return -12;
  let anon_vma = find_mergeable_anon_vma(vma);
  let allocated: AnonVma | null = null;
  if (anon_vma === null) {
    anon_vma = yield* kmem_cache_alloc(anon_vma_cachep);
    if (anon_vma === null) {
      yield* kmem_cache_free(anon_vma_chain_cachep, avc);
      return -12;
    }
    anon_vma.root = anon_vma;
    allocated = anon_vma;
  }
  arm_anon_vma(anon_vma);
  const mm = vma.vm_mm!;
  yield* spin_lock(anon_vma.lock);
  yield* spin_lock(mm.page_table_lock);
  if (vma.anon_vma === null) {
    vma.anon_vma = anon_vma;
    avc.vma = vma;
    avc.anon_vma = anon_vma;
    yield* list_add(avc.same_vma, vma.anon_vma_chain);
    yield* list_add_tail(avc.same_anon_vma, anon_vma.head);
    allocated = null;
    avc = null;
  }
  yield* spin_unlock(mm.page_table_lock);
  yield* spin_unlock(anon_vma.lock);
  if (allocated !== null) yield* kmem_cache_free(anon_vma_cachep, allocated);
  if (avc !== null) yield* kmem_cache_free(anon_vma_chain_cachep, avc);
  return 0;
}

function* pte_table_alloc(mm: MmStruct, addr: number) {
  const pud = yield* pud_alloc(mm, mm.pgd, addr);
  if (!pud) return null;
  const pmd = yield* pmd_alloc(mm, pud, addr);
  if (!pmd) return null;
  return yield* pte_alloc(mm, pmd, addr);
}

/** Drop one mapping of a page; free it when the last one goes (page_remove_rmap + put_page). */
function* page_unmapped(page: Page): Sim<void> {
  if ((yield* atomic_dec_return(page._mapcount)) < 0) {
    page.mapping = null;
    yield* __free_page(page);
  }
}

/**
 * A write fault at addr: a new anonymous page in a vma's anon_vma, or the
 * copy (or reuse, when this is its only mapping) of a page shared since fork.
 */
export function* write_fault(mm: MmStruct, addr: number): Sim<number> {
  const vma = find_vma(mm, addr);
  if (vma === null) return -14;
  if ((yield* anon_vma_prepare(vma)) !== 0) return -12;
  const table = yield* pte_table_alloc(mm, addr);
  if (table === null) return -12;
  const old = ptep_get(table, addr);
  if (old !== undefined && old.write) return 0;
  if (old !== undefined && (yield* atomic_read(old.page._mapcount)) === 0) {
    // do_wp_page(): the only mapping of the page: reuse it, page->mapping unchanged.
    set_pte_at(mm, addr, table, mk_pte(old.page, true));
    return 0;
  }
  const page = yield* alloc_page();
  if (page === null) return -12;
  page.mapping = vma.anon_vma;
  page.index = linear_page_index(vma, addr);
  setLabel(page, `page@${nameOf(mm)}:${hex(addr)}#${page.id}`);
  yield* atomic_inc(page._mapcount);
  set_pte_at(mm, addr, table, mk_pte(page, true));
  if (old !== undefined) yield* page_unmapped(old.page);
  return 0;
}

/** Zap the ptes of [start, end) in a vma (unmap_vmas). */
function* zap_range(vma: Vma, start: number, end: number): Sim<void> {
  const mm = vma.vm_mm!;
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const table = pgtable_walk(mm, addr, "pte");
    if (table === null) continue;
    const pte = ptep_get(table, addr);
    if (pte === undefined) continue;
    set_pte_at(mm, addr, table, undefined);
    yield* page_unmapped(pte.page);
  }
}

/** munmap of a whole vma: zap its ptes, unlink its anon_vmas, free it. */
export function* unmap_vma(impl: AvcImpl, vma: Vma): Sim<void> {
  const mm = vma.vm_mm!;
  yield* zap_range(vma, vma.vm_start, vma.vm_end);
  yield* impl.unlink_anon_vmas(vma);
  remove_vma_now(mm, vma);
  yield* kmem_cache_free(vm_area_cachep, vma);
}

/** exit_mmap + mmdrop: unmap everything, free the page tables and the mm. */
export function* exit_mm(impl: AvcImpl, w: AvcWorld, mm: MmStruct): Sim<void> {
  for (const vma of [...mm.vmas]) yield* unmap_vma(impl, vma);
  free_pgtables_now(mm);
  w.mms = w.mms.filter((m) => m !== mm);
  yield* kmem_cache_free(mm_cachep, mm);
}

export function* exit_all(impl: AvcImpl, w: AvcWorld): Sim<void> {
  for (const mm of [...w.mms]) yield* exit_mm(impl, w, mm);
}

/**
 * fork (dup_mmap + copy_page_range): a new mm with a copy of every vma,
 * anon_vma_fork() for each, and the ptes copied write-protected. Returns the
 * child, or null if anon_vma_fork() failed (the child is then torn down).
 */
export function* fork_mm(impl: AvcImpl, w: AvcWorld, parent: MmStruct): Sim<MmStruct | null> {
  const child = mm_alloc_now(`mm${w.nr_mms++}`);
  w.mms.push(child);
  for (const pvma of [...parent.vmas]) {
    const vma = vma_alloc_now(child, pvma.vm_start, pvma.vm_end, pvma.vm_flags);
    vma.vm_pgoff = pvma.vm_pgoff;
    vma.anon_vma = pvma.anon_vma;
    if ((yield* impl.anon_vma_fork(vma, pvma)) !== 0) {
      // dup_mmap's fail_nomem_anon_vma_fork: the copy is freed, its chain must already be gone.
      remove_vma_now(child, vma);
      check_that(vma.anon_vma_chain.next === vma.anon_vma_chain, "anon_vma_fork failed but left entries on the new vma's chain");
      yield* kmem_cache_free(vm_area_cachep, vma);
      yield* exit_mm(impl, w, child);
      return null;
    }
    if (pvma.anon_vma === null) continue;
    check_forked_vma(vma, pvma);
    for (let addr = pvma.vm_start; addr < pvma.vm_end; addr += PAGE_SIZE) {
      const src = pgtable_walk(parent, addr, "pte");
      const pte = src ? ptep_get(src, addr) : undefined;
      if (src === null || pte === undefined) continue;
      const dst = yield* pte_table_alloc(child, addr);
      if (dst === null) continue;
      set_pte_at(parent, addr, src, pte_wrprotect(pte));
      set_pte_at(child, addr, dst, pte_wrprotect(pte));
      yield* atomic_inc(pte.page._mapcount);
    }
  }
  for (const vma of child.vmas) if (vma.anon_vma) arm_anon_vma(vma.anon_vma);
  return child;
}

/** The anon_vmas on a vma's chain, in order (raw walk: one thread). */
function chain_anon_vmas(vma: Vma): AnonVma[] {
  return raw_list<AnonVmaChain>(vma.anon_vma_chain, () => `${nameOf(vma)}'s anon_vma_chain`).map((avc) => avc.anon_vma!);
}

/**
 * What anon_vma_fork() promises: the child's vma has an anon_vma of its own
 * (new pages of the child go there, not to an anon_vma its parent's pages
 * use), and its chain holds every anon_vma of the parent vma's chain plus
 * that one, so the rmap walk of every page the two still share reaches the
 * child.
 */
export function check_forked_vma(vma: Vma, pvma: Vma): void {
  const own = vma.anon_vma;
  const parents = chain_anon_vmas(pvma);
  const mine = chain_anon_vmas(vma);
  check_that(
    own !== null && own !== pvma.anon_vma && !parents.includes(own) && !isFreed(own),
    `after anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}): the test expected the child's vma to get an anon_vma of its own, ` +
      `but ${nameOf(vma)}->anon_vma is ${own === null ? "NULL" : `${nameOf(own)}${own === pvma.anon_vma ? ", the parent's" : parents.includes(own) ? ", one of the parent's" : ""}`}`,
  );
  const missing = parents.filter((av) => !mine.includes(av));
  check_that(
    missing.length === 0,
    `after anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}): the test expected the child's chain to hold every anon_vma of the ` +
      `parent's chain, but ${missing.map((av) => nameOf(av)).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`,
  );
  check_that(
    mine.length === parents.length + 1,
    `after anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}): the test expected ${parents.length + 1} entries on the child's chain ` +
      `(the parent's ${parents.length} and its own anon_vma), found ${mine.length}`,
  );
}

/** mmap of a new anonymous vma [start, end) (no pages, no anon_vma yet). */
export function mmap_now(mm: MmStruct, start: number, end: number): Vma | null {
  if (mm.vmas.some((v) => v.vm_start < end && start < v.vm_end)) return null;
  return vma_alloc_now(mm, start, end);
}

/** split_vma(vma, addr, new_below = 0): the part from addr on becomes a new vma. Returns it, or null. */
export function* split_vma(impl: AvcImpl, vma: Vma, addr: number): Sim<Vma | null> {
  if (addr <= vma.vm_start || addr >= vma.vm_end) return null;
  const mm = vma.vm_mm!;
  const nu = yield* kmem_cache_alloc(vm_area_cachep);
  if (nu === null) return null;
  nu.vm_mm = mm;
  nu.vm_start = addr;
  nu.vm_end = vma.vm_end;
  nu.vm_flags = vma.vm_flags;
  nu.vm_pgoff = vma.vm_pgoff + ((addr - vma.vm_start) >>> PAGE_SHIFT);
  nu.anon_vma = vma.anon_vma;
  if ((yield* impl.anon_vma_clone(nu, vma)) !== 0) {
    check_that(nu.anon_vma_chain.next === nu.anon_vma_chain, "anon_vma_clone failed but left entries on the new vma's chain");
    yield* kmem_cache_free(vm_area_cachep, nu);
    return null;
  }
  vma.vm_end = addr;
  insert_vma_now(mm, nu);
  return nu;
}

/** Can vma absorb the vma just after it (vma_merge's tests, simplified)? */
export function mergeable_next(vma: Vma): Vma | null {
  const mm = vma.vm_mm!;
  const next = mm.vmas.find((v) => v.vm_start === vma.vm_end) ?? null;
  if (next === null || next.vm_flags !== vma.vm_flags) return null;
  if (next.vm_pgoff !== vma.vm_pgoff + ((vma.vm_end - vma.vm_start) >>> PAGE_SHIFT)) return null;
  // is_mergeable_anon_vma()
  if (vma.anon_vma !== null && next.anon_vma !== null && vma.anon_vma !== next.anon_vma) return null;
  return next;
}

/**
 * vma_merge() of vma with the vma after it (vma_adjust, 2010): vma grows over
 * next, next's anon_vmas are merged into vma's chain, next is freed.
 */
export function* merge_next(impl: AvcImpl, vma: Vma, next: Vma): Sim<void> {
  const mm = vma.vm_mm!;
  if (vma.anon_vma === null && next.anon_vma !== null) {
    // The importer has no anon_vma yet: it takes the exporter's whole chain.
    if ((yield* impl.anon_vma_clone(vma, next)) !== 0) return;
    vma.anon_vma = next.anon_vma;
  }
  vma.vm_end = next.vm_end;
  if (next.anon_vma !== null) yield* impl.anon_vma_merge(vma, next);
  remove_vma_now(mm, next);
  yield* kmem_cache_free(vm_area_cachep, next);
}

/* ------------------------------------------------------------------------ */
/* The rmap walk and the oracle                                              */
/* ------------------------------------------------------------------------ */

/** Where a walk found a page: the mm and the address. */
export type Mapping = readonly [MmStruct, number];

/**
 * The rmap walk of an anonymous page (page_referenced_anon / try_to_unmap_anon):
 * every vma on the page's anon_vma's list that maps the page at its address.
 */
export function* rmap_walk(page: Page): Sim<Mapping[]> {
  const anon_vma = page.mapping;
  if (anon_vma === null) return [];
  const found: Mapping[] = [];
  yield* spin_lock(anon_vma.lock);
  for (const avc of list_for_each_entry(anon_vma.head)) {
    const vma = avc.vma!;
    const address = vma.vm_start + ((page.index - vma.vm_pgoff) << PAGE_SHIFT);
    if (address < vma.vm_start || address >= vma.vm_end) continue;
    const mm = vma.vm_mm!;
    if (pte_get(mm, address)?.page === page) found.push([mm, address]);
  }
  yield* spin_unlock(anon_vma.lock);
  return found;
}

/** check_that() with a message built only on failure: the oracle runs after every operation. */
function ok(condition: unknown, message: () => string): void {
  if (!condition) check_that(false, message());
}

/** Raw walk of a list (no lock assertion), checking links and bounding length. */
function raw_list<E>(head: ListHead, what: () => string): E[] {
  const out: E[] = [];
  let prev: ListHead = head;
  for (let p = head.next; p !== head; p = (p as ListHead).next) {
    ok(typeof p !== "string", () => `${what()}: an entry's next pointer is ${String(p)}: a removed entry is still linked`);
    const e = p as ListHead;
    ok(!isFreed(e.container()), () => `${what()}: links to a freed ${e.container().type}`);
    ok(e.prev === prev, () => `${what()}: ${nameOf(e)}->prev is ${typeof e.prev === "string" ? e.prev : nameOf(e.prev)}, not ${nameOf(prev)}`);
    ok(out.length < 200, () => `${what()}: the list does not come back to its head (a cycle)`);
    out.push(e.entry as E);
    prev = e;
  }
  ok(head.prev === prev, () => `${what()}: the head's prev pointer is not the last entry`);
  return out;
}

/**
 * The oracle, run after every operation: the chains are consistent
 * (every entry on its vma's chain and on its anon_vma's list, both lists
 * well linked, acyclic), and every mapped anonymous page is found by the rmap
 * walk of its anon_vma at every address where it is mapped.
 */
export function avc_oracle(w: AvcWorld, op: string): void {
  const where = `after ${op}`;
  const anon_vmas = new Set<AnonVma>();
  const vmas = new Map<Vma, AnonVmaChain[]>();
  const ptes = new Map<MmStruct, Array<[number, Pte]>>();
  for (const mm of w.mms) {
    const all = mm_ptes(mm);
    ptes.set(mm, all);
    for (const vma of mm.vmas) {
      const chain = raw_list<AnonVmaChain>(vma.anon_vma_chain, () => `${where}: ${nameOf(vma)}'s anon_vma_chain`);
      vmas.set(vma, chain);
      const seen = new Set<AnonVma>();
      for (const avc of chain) {
        ok(avc.vma === vma, () => `${where}: ${nameOf(avc)} is on ${nameOf(vma)}'s chain but its vma is ${(avc.vma ? nameOf(avc.vma) : "null")}`);
        const av = avc.anon_vma;
        ok(av !== null && !isFreed(av), () => `${where}: ${nameOf(avc)} of ${nameOf(vma)} points to no live anon_vma`);
        ok(!seen.has(av!), () => `${where}: ${nameOf(vma)}'s chain links ${nameOf(av!)} twice`);
        seen.add(av!);
        anon_vmas.add(av!);
      }
      const own = vma.anon_vma;
      if (own !== null) {
        ok(!isFreed(own), () => `${where}: ${nameOf(vma)}->anon_vma ${nameOf(own)} was freed`);
        ok(seen.has(own), () => `${where}: ${nameOf(vma)}->anon_vma ${nameOf(own)} is not on its own chain`);
      } else ok(chain.length === 0, () => `${where}: ${nameOf(vma)} has a chain but no anon_vma`);
      for (const [addr, { page }] of all) {
        if (addr < vma.vm_start || addr >= vma.vm_end) continue;
        ok(page.mapping !== null && !isFreed(page.mapping), () => `${where}: ${nameOf(page)} mapped at ${hex(addr)} has no live anon_vma`);
        ok(
          seen.has(page.mapping!), () =>
          `${where}: ${nameOf(page)} is mapped at ${hex(addr)} in ${nameOf(mm)} (${nameOf(vma)}) but its anon_vma ${nameOf(page.mapping!)} is not on ` +
            `${nameOf(vma)}'s chain: the rmap walk can no longer find, age or unmap that mapping`,
        );
      }
    }
  }
  for (const av of anon_vmas) {
    arm_anon_vma(av);
    const list = raw_list<AnonVmaChain>(av.head, () => `${where}: ${nameOf(av)}'s list`);
    for (const avc of list) {
      ok(avc.anon_vma === av, () => `${where}: ${nameOf(avc)} is on ${nameOf(av)}'s list but points to ${(avc.anon_vma ? nameOf(avc.anon_vma) : "null")}`);
      const vma = avc.vma;
      ok(vma !== null && !isFreed(vma) && vmas.has(vma), () => `${where}: ${nameOf(av)}'s list has ${nameOf(avc)} for a vma that is gone`);
      ok(
        vmas.get(vma!)!.includes(avc), () =>
        `${where}: ${nameOf(avc)} is on ${nameOf(av)}'s list but not on its vma's chain`,
      );
    }
  }
  // The rmap walk itself, as the simulator's reclaim would do it (without taking locks: one thread).
  const mapcounts = new Map<Page, number>();
  const lists = new Map<AnonVma, AnonVmaChain[]>();
  for (const mm of w.mms) {
    for (const [addr, pte] of ptes.get(mm)!) {
      const page = pte.page;
      mapcounts.set(page, (mapcounts.get(page) ?? 0) + 1);
      let found = false;
      const av = page.mapping!;
      if (!lists.has(av)) lists.set(av, raw_list<AnonVmaChain>(av.head, () => `${where}: ${nameOf(av)}'s list`));
      for (const avc of lists.get(av)!) {
        const vma = avc.vma!;
        const address = vma.vm_start + ((page.index - vma.vm_pgoff) << PAGE_SHIFT);
        if (vma.vm_mm === mm && address === addr && address >= vma.vm_start && address < vma.vm_end) found = true;
      }
      ok(found, () => `${where}: the rmap walk of ${nameOf(page)} does not reach ${nameOf(mm)} at ${hex(addr)}: a page that can no longer be unmapped`);
    }
  }
  for (const [page, n] of mapcounts) {
    ok(page._mapcount.counter + 1 === n, () => `${where}: ${nameOf(page)} has ${n} ptes but mapcount ${page._mapcount.counter + 1}`);
  }
}
