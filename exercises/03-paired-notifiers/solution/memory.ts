/*
 * mm/memory.c (lesson 3): copy_page_range() and the page-table walk under it.
 *
 * At fork, dup_mmap() calls copy_page_range() for each vma of the parent. For
 * a private writable (COW) mapping, the copy write-protects every pte in both
 * address spaces, so the first write on either side copies the page. Changing
 * the parent's ptes is a change that secondary MMUs (KVM, GRU, XPMEM) must
 * hear about: the whole copy is bracketed by
 * mmu_notifier_invalidate_range_start() and _end() on the parent's mm.
 *
 * The pairing rule: once a start has been issued, every way out of the
 * function issues the end, with the same range. Allocating the child's page
 * tables can fail at every level (pud, pmd, pte), so the error paths are the
 * ones that matter. The 2008 version returned -ENOMEM straight out of the
 * walk, after the start and before the end ("It's possible to do a
 * mmu_notifier_invalidate_range_start(), then return -ENOMEM w/o doing a
 * corresponding mmu_notifier_invalidate_range_end()", Jack Steiner). The fix
 * gave the function a single exit: record the error, break, and fall through
 * to the end.
 *
 * Page-table levels (simplified from the kernel's, 4 levels of 512 entries):
 *
 *   mm->pgd -> pud table -> pmd table -> pte table -> pte
 *
 * The child's tables are allocated with pud_alloc(), pmd_alloc() and
 * pte_alloc(), which return the existing table when there is one and null on
 * -ENOMEM. The parent's tables are only read.
 *
 * Locking (as in the kernel, simplified):
 *
 *   mm->mmap_lock of both mms (held by dup_mmap for writing)
 *     src_mm->page_table_lock   (while ptes are read and write-protected)
 *
 * Page-table allocation may sleep: it happens before the pte lock is taken.
 */

import {
  type MmStruct,
  PAGE_SIZE,
  PageTable,
  type PageTableLevel,
  type Pte,
  type Sim,
  type Vma,
  VM_HUGETLB,
  VM_MAYWRITE,
  VM_SHARED,
  atomic_inc,
  data_race,
  mmu_notifier_invalidate_range_end,
  mmu_notifier_invalidate_range_start,
  pgtable_index,
  pgtable_walk,
  pmd_alloc,
  pte_alloc,
  pte_wrprotect,
  ptep_get,
  pud_alloc,
  set_pte_at,
  spin_lock,
  spin_unlock,
} from "rmap-sim";

export const ENOMEM = 12;

const LEVEL_SPAN: Readonly<Record<PageTableLevel, number>> = { pgd: 2 ** 39, pud: 2 ** 30, pmd: 2 ** 21, pte: PAGE_SIZE };

/**
 * pgtable_addr_end - end of the part of [addr, end) covered by one entry of a table
 * @level: the level of the table whose entry is walked ("pgd" for pgd_addr_end())
 * @addr: current address
 * @end: end of the range
 */
export function pgtable_addr_end(level: PageTableLevel, addr: number, end: number): number {
  const span = LEVEL_SPAN[level];
  const boundary = (Math.floor(addr / span) + 1) * span;
  return boundary < end ? boundary : end;
}

/** The entry of @table for @addr if it is a lower-level table (not pXd_none()), else null. */
function pgtable_offset(table: PageTable, addr: number): PageTable | null {
  const e = table.get(pgtable_index(table.level, addr));
  return e instanceof PageTable ? e : null;
}

/**
 * is_cow_mapping - will writes to this mapping copy pages?
 * @flags: vm_flags of the vma
 *
 * A private mapping that may become writable: fork has to write-protect it.
 */
export function is_cow_mapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/**
 * copy_one_pte - copy one present pte from parent to child
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @dst_pte: the child's pte table for @addr
 * @src_pte: the parent's pte table for @addr
 * @vma: the parent's vma
 * @addr: the address
 * @pte: the parent's pte value
 *
 * For a COW mapping both ptes become read-only. The page gains a mapping
 * (page_dup_rmap).
 *
 * Must be called with src_mm->page_table_lock held.
 */
export function* copy_one_pte(
  dst_mm: MmStruct,
  src_mm: MmStruct,
  dst_pte: PageTable,
  src_pte: PageTable,
  vma: Vma,
  addr: number,
  pte: Pte,
): Sim<void> {
  if (is_cow_mapping(vma.vm_flags) && pte.write) {
    set_pte_at(src_mm, addr, src_pte, pte_wrprotect(pte));
    pte = pte_wrprotect(pte);
  }
  yield* atomic_inc(pte.page._mapcount);
  set_pte_at(dst_mm, addr, dst_pte, pte);
}

/**
 * copy_pte_range - copy the ptes of [addr, end), all under one pmd entry
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @dst_pmd: the child's pmd table covering @addr
 * @src_pte: the parent's pte table covering @addr
 * @vma: the parent's vma
 * @addr: start of the range
 * @end: end of the range
 *
 * Returns 0, or -ENOMEM if the child's pte table cannot be allocated.
 *
 * Must be called with both mms' mmap_lock held for writing and no spinlock
 * held (the allocation may sleep).
 */
export function* copy_pte_range(
  dst_mm: MmStruct,
  src_mm: MmStruct,
  dst_pmd: PageTable,
  src_pte: PageTable,
  vma: Vma,
  addr: number,
  end: number,
): Sim<number> {
  const dst_pte = yield* pte_alloc(dst_mm, dst_pmd, addr);
  if (!dst_pte) return -ENOMEM;
  yield* spin_lock(src_mm.page_table_lock);
  for (; addr !== end; addr += PAGE_SIZE) {
    const pte = ptep_get(src_pte, addr);
    if (pte === undefined) continue;
    yield* copy_one_pte(dst_mm, src_mm, dst_pte, src_pte, vma, addr, pte);
  }
  yield* spin_unlock(src_mm.page_table_lock);
  return 0;
}

/**
 * copy_pmd_range - copy [addr, end), all under one pud entry
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @dst_pud: the child's pud table covering @addr
 * @src_pmd: the parent's pmd table covering @addr
 * @vma: the parent's vma
 * @addr: start of the range
 * @end: end of the range
 *
 * Returns 0, or -ENOMEM if a table of the child cannot be allocated.
 *
 * Must be called with both mms' mmap_lock held for writing and no spinlock held.
 */
export function* copy_pmd_range(
  dst_mm: MmStruct,
  src_mm: MmStruct,
  dst_pud: PageTable,
  src_pmd: PageTable,
  vma: Vma,
  addr: number,
  end: number,
): Sim<number> {
  const dst_pmd = yield* pmd_alloc(dst_mm, dst_pud, addr);
  if (!dst_pmd) return -ENOMEM;
  do {
    const next = pgtable_addr_end("pmd", addr, end);
    const src_pte = pgtable_offset(src_pmd, addr);
    if (src_pte !== null && (yield* copy_pte_range(dst_mm, src_mm, dst_pmd, src_pte, vma, addr, next))) return -ENOMEM;
    addr = next;
  } while (addr !== end);
  return 0;
}

/**
 * copy_pud_range - copy [addr, end), all under one pgd entry
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @src_pud: the parent's pud table covering @addr
 * @vma: the parent's vma
 * @addr: start of the range
 * @end: end of the range
 *
 * Returns 0, or -ENOMEM if a table of the child cannot be allocated.
 *
 * Must be called with both mms' mmap_lock held for writing and no spinlock held.
 */
export function* copy_pud_range(
  dst_mm: MmStruct,
  src_mm: MmStruct,
  src_pud: PageTable,
  vma: Vma,
  addr: number,
  end: number,
): Sim<number> {
  const dst_pud = yield* pud_alloc(dst_mm, dst_mm.pgd, addr);
  if (!dst_pud) return -ENOMEM;
  do {
    const next = pgtable_addr_end("pud", addr, end);
    const src_pmd = pgtable_offset(src_pud, addr);
    if (src_pmd !== null && (yield* copy_pmd_range(dst_mm, src_mm, dst_pud, src_pmd, vma, addr, next))) return -ENOMEM;
    addr = next;
  } while (addr !== end);
  return 0;
}

/**
 * copy_hugetlb_page_range - copy a hugetlb vma's ptes
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @vma: the parent's hugetlb vma
 *
 * Huge pages are not modelled: the mapping is copied page by page, each
 * page's tables allocated in one go (huge_pte_alloc). Like the normal path it
 * write-protects the parent's ptes of a COW mapping, so it runs inside the
 * caller's notifier range. Returns 0 or -ENOMEM.
 *
 * Must be called with both mms' mmap_lock held for writing and no spinlock held.
 */
export function* copy_hugetlb_page_range(dst_mm: MmStruct, src_mm: MmStruct, vma: Vma): Sim<number> {
  for (let addr = vma.vm_start; addr < vma.vm_end; addr += PAGE_SIZE) {
    const src_pte = pgtable_walk(src_mm, addr, "pte");
    // A lockless peek to skip empty ptes without allocating the child's tables (the
    // entry is read again under the page_table_lock below): marked as intended.
    if (src_pte === null || data_race(() => ptep_get(src_pte, addr)) === undefined) continue;
    const pud = yield* pud_alloc(dst_mm, dst_mm.pgd, addr);
    if (!pud) return -ENOMEM;
    const pmd = yield* pmd_alloc(dst_mm, pud, addr);
    if (!pmd) return -ENOMEM;
    const dst_pte = yield* pte_alloc(dst_mm, pmd, addr);
    if (!dst_pte) return -ENOMEM;
    yield* spin_lock(src_mm.page_table_lock);
    const pte = ptep_get(src_pte, addr);
    if (pte !== undefined) yield* copy_one_pte(dst_mm, src_mm, dst_pte, src_pte, vma, addr, pte);
    yield* spin_unlock(src_mm.page_table_lock);
  }
  return 0;
}

/**
 * copy_page_range - copy a vma's page tables from parent to child at fork
 * @dst_mm: the child's mm
 * @src_mm: the parent's mm
 * @vma: the parent's vma
 *
 * For a COW mapping the parent's ptes are write-protected, so secondary MMUs
 * are told: every path out after mmu_notifier_invalidate_range_start() goes
 * through the matching mmu_notifier_invalidate_range_end() on the same range,
 * the -ENOMEM paths included. Returns 0, or -ENOMEM if a page table of the
 * child cannot be allocated (the caller then tears the child down).
 *
 * Must be called with both mms' mmap_lock held for writing.
 */
export function* copy_page_range(dst_mm: MmStruct, src_mm: MmStruct, vma: Vma): Sim<number> {
  let addr = vma.vm_start;
  const end = vma.vm_end;
  const is_cow = is_cow_mapping(vma.vm_flags);
  let ret = 0;

  // Ptes that a page fault fills in correctly need not be copied.
  if (!(vma.vm_flags & VM_HUGETLB) && !vma.anon_vma) return 0;

  if (is_cow) yield* mmu_notifier_invalidate_range_start(src_mm, addr, end);

  if (vma.vm_flags & VM_HUGETLB) {
    ret = yield* copy_hugetlb_page_range(dst_mm, src_mm, vma);
  } else {
    do {
      const next = pgtable_addr_end("pgd", addr, end);
      const src_pud = pgtable_offset(src_mm.pgd, addr);
      if (src_pud !== null && (yield* copy_pud_range(dst_mm, src_mm, src_pud, vma, addr, next))) {
        ret = -ENOMEM;
        break;
      }
      addr = next;
    } while (addr !== end);
  }

  if (is_cow) yield* mmu_notifier_invalidate_range_end(src_mm, vma.vm_start, end);
  return ret;
}
