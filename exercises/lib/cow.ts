/*
 * Test-side drivers for copy-on-write fork (lesson 3): a parent address space
 * with populated page tables, a secondary MMU listening to it, and the checks
 * that judge what copy_page_range() left behind.
 *
 * The parent's page tables are built in the scenario's setup, outside any
 * thread and outside the pgtable caches: only the child's tables come from
 * the caches (pud_alloc, pmd_alloc, pte_alloc), so kmemleak judges exactly
 * what the copy allocated.
 */

import {
  type MmStruct,
  Page,
  PAGE_SIZE,
  PageTable,
  type PageTableLevel,
  type Pte,
  SecondaryMmu,
  type Sim,
  type Vma,
  VM_HUGETLB,
  VM_MAYWRITE,
  VM_READ,
  VM_WRITE,
  atomic_dec,
  check_that,
  down_write,
  down_write_nested,
  free_pgtables_now,
  hex,
  kvm_page_fault,
  mk_pte,
  mm_alloc_now,
  mm_ptes,
  pgtable_index,
  secondary_mmu_violations,
  SINGLE_DEPTH_NESTING,
  up_write,
  vma_alloc_now,
  AnonVma,
  nameOf,
} from "rmap-sim/testing";

/** The errno copy_page_range() returns when a page-table allocation fails. */
export const ENOMEM = 12;

/** The pgtable caches the child's tables come from: what kmemleak checks. */
export const PGTABLE_CACHES = ["pgtable_pud", "pgtable_pmd", "pgtable_pte"] as const;

/** One gigabyte: a pud entry's span. A vma across it needs two pmd tables and two pte tables. */
export const PUD_SPAN = 2 ** 30;
/** Two megabytes: a pmd entry's span. */
export const PMD_SPAN = 2 ** 21;

const NEXT: Record<PageTableLevel, PageTableLevel | null> = { pgd: "pud", pud: "pmd", pmd: "pte", pte: null };

/** Install a pte in a setup-built page table, creating the tables above it (setup only). */
export function populate_now(mm: MmStruct, addr: number, page: Page, write: boolean): void {
  let t: PageTable = mm.pgd;
  while (t.level !== "pte") {
    const idx = pgtable_index(t.level, addr);
    let e = t.entries.get(idx);
    if (!(e instanceof PageTable)) {
      e = new PageTable(NEXT[t.level]!, `${nameOf(mm)}:${NEXT[t.level]}@${hex(addr)}`);
      t.set(idx, e);
    }
    t = e;
  }
  t.set(pgtable_index("pte", addr), mk_pte(page, write));
  page._mapcount.counter = page._mapcount.counter + 1;
}

export interface ForkWorld {
  parent: MmStruct;
  child: MmStruct;
  vma: Vma;
  pages: Page[];
  /** Addresses of the parent's ptes, in order. */
  addrs: number[];
  kvm: SecondaryMmu;
}

/** What the drivers need of the learner's module. */
export interface CopyPageRange {
  copy_page_range(dst_mm: MmStruct, src_mm: MmStruct, vma: Vma): Sim<number>;
}

/**
 * fork()'s dup_mmap(): copy_page_range() called as the kernel calls it, with
 * the parent's mmap_lock held for writing and the child's taken nested
 * inside it (down_write_nested, SINGLE_DEPTH_NESTING). Returns its result.
 */
export function* fork_copy(mm: CopyPageRange, w: ForkWorld): Sim<number> {
  yield* down_write(w.parent.mmap_lock);
  yield* down_write_nested(w.child.mmap_lock, SINGLE_DEPTH_NESTING);
  const ret = yield* mm.copy_page_range(w.child, w.parent, w.vma);
  yield* up_write(w.child.mmap_lock);
  yield* up_write(w.parent.mmap_lock);
  return ret;
}

/**
 * A fork retried once after copy_page_range() failed, as a caller of fork()
 * would: the failed child is checked (check_fork_result) and torn down as
 * dup_mmap()'s mmput() does, then a new child is copied. Returns the
 * retry's result (or the first one when it did not fail with -ENOMEM).
 */
export function* fork_copy_retried(mm: CopyPageRange, w: ForkWorld): Sim<number> {
  const ret = yield* fork_copy(mm, w);
  if (ret !== -ENOMEM) return ret;
  check_fork_result(w, ret);
  yield* exit_child(w);
  w.child = mm_alloc_now("child-retry");
  return yield* fork_copy(mm, w);
}

export interface ForkWorldOptions {
  /** Start of the vma (default 0x400000). */
  start?: number;
  /** Length of the vma in pages. */
  pages: number;
  /** Offsets (in pages) of present ptes; default: all of [0, pages). */
  present?: number[];
  hugetlb?: boolean;
  /** Offsets whose translation the secondary MMU already holds, writable (a guest that ran before fork). */
  sptes?: number[];
  /** A read-only mapping that can never become writable (not a COW mapping). */
  shared?: boolean;
}

/**
 * A parent mm with one private writable vma whose pages are all mapped
 * writable, an empty child mm, and a KVM-like secondary MMU on the parent.
 */
export function fork_world_now(o: ForkWorldOptions): ForkWorld {
  const start = o.start ?? 0x400000;
  const parent = mm_alloc_now("parent");
  const child = mm_alloc_now("child");
  const flags = VM_READ | VM_WRITE | VM_MAYWRITE | (o.hugetlb ? VM_HUGETLB : 0);
  const vma = vma_alloc_now(parent, start, start + o.pages * PAGE_SIZE, flags);
  // The vma has had anonymous pages: it has an anon_vma (copy_page_range skips vmas without one).
  if (!o.hugetlb) vma.anon_vma = new AnonVma("anon_vma");
  const kvm = new SecondaryMmu(parent, "kvm");
  const pages: Page[] = [];
  const addrs: number[] = [];
  const present = o.present ?? [...Array(o.pages).keys()];
  for (const i of present) {
    const addr = start + i * PAGE_SIZE;
    const page = new Page(`page${i}`);
    page.index = addr / PAGE_SIZE;
    populate_now(parent, addr, page, true);
    pages.push(page);
    addrs.push(addr);
  }
  for (const i of o.sptes ?? []) {
    const addr = start + i * PAGE_SIZE;
    const pte = mm_ptes(parent).find(([a]) => a === addr)?.[1];
    if (pte) kvm.sptes.set(addr, { page: pte.page, write: true });
  }
  return { parent, child, vma, pages, addrs, kvm };
}

/** The guest touches `addr` through the secondary MMU while the parent forks. */
export function* kvm_fault(w: ForkWorld, addr: number): Sim<boolean> {
  return yield* kvm_page_fault(w.kvm, addr);
}

/** What the child must hold after a copy that returned 0, and what must hold either way. */
export function check_fork_result(w: ForkWorld, ret: unknown): void {
  check_that(
    ret === 0 || ret === -ENOMEM,
    `copy_page_range returned ${String(ret)}: it returns 0 on success and -ENOMEM (-12) when a page table cannot be allocated`,
  );
  const parentPtes = new Map<number, Pte>(mm_ptes(w.parent));
  const childPtes = new Map<number, Pte>(mm_ptes(w.child));
  if (ret === 0) {
    for (const [addr, pte] of parentPtes) {
      const c = childPtes.get(addr);
      check_that(c !== undefined, `copy_page_range returned 0 but the child has no pte at ${hex(addr)}: a successful copy copies every present pte`);
      check_that(c!.page === pte.page, `the child's pte at ${hex(addr)} maps ${nameOf(c!.page)}, the parent's ${nameOf(pte.page)}`);
    }
  }
  for (const [addr, c] of childPtes) {
    const p = parentPtes.get(addr);
    check_that(p !== undefined && p.page === c.page, `the child maps ${hex(addr)} -> ${nameOf(c.page)}, which the parent never mapped there`);
    check_that(
      !c.write && !p!.write,
      `${nameOf(c.page)} at ${hex(addr)} is shared by parent and child but writable in the ${c.write ? "child" : "parent"}: ` +
        "fork must write-protect both ptes of a private writable mapping so the first write copies the page",
    );
  }
  for (const page of w.pages) {
    const n = [...parentPtes.values(), ...childPtes.values()].filter((p) => p.page === page).length;
    const mapcount = page._mapcount.counter + 1;
    check_that(mapcount === n, `${nameOf(page)} is mapped by ${n} pte(s) but its mapcount says ${mapcount}: each copied pte takes one (page_dup_rmap)`);
  }
}

/** The secondary MMU must not hold a writable translation of a page that fork made copy-on-write. */
export function check_secondary_mmu(w: ForkWorld): void {
  const v = secondary_mmu_violations(w.kvm);
  check_that(v.length === 0, v.join("\n"));
}

/** Exit the child: drop its ptes' mapcounts and free its page tables. */
function* exit_child(w: ForkWorld): Sim<void> {
  for (const [, pte] of mm_ptes(w.child)) yield* atomic_dec(pte.page._mapcount);
  free_pgtables_now(w.child);
}

/** Exit both address spaces: drop every pte's mapcount and free the child's page tables. */
export function* exit_fork_world(w: ForkWorld): Sim<void> {
  yield* exit_child(w);
  // The parent's tables were built by setup, outside the caches: only the child's are freed.
  for (const [, pte] of mm_ptes(w.parent)) yield* atomic_dec(pte.page._mapcount);
}
