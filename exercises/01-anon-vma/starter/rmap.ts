/*
 * mm/rmap.c - physical to virtual reverse mappings, by object (2004)
 *
 * Your task: replace the per-pte chains of 2.6 (one pte_chain entry per
 * mapped pte) by an anon_vma, as proposed in the "anon_vma" RFC of March 2004.
 *
 *  - A page points to an anon_vma through page->mapping.
 *  - The anon_vma lists every vma that may map its pages, linked through
 *    vma->anon_vma_node on anon_vma->vmas: the vma that faulted the page and
 *    every copy fork made of it.
 *  - To find the ptes of a page, walk that list and compute the page's
 *    address in each vma from page->index and vma->vm_pgoff.
 *  - Garbage collection: a page may point to an anon_vma only while at least
 *    one vma is queued on it. Free the anon_vma when its last vma is
 *    unlinked; nothing counts the pages.
 *  - No allocation in the fault fast path: only the first fault of a vma
 *    allocates its anon_vma.
 *
 * Lock ordering:
 *   anon_vma->lock
 *     mm->page_table_lock
 *
 * Every function that uses a primitive is a generator (function*), and every
 * primitive is driven with yield*: `yield* spin_lock(l)`,
 * `const av = yield* kmem_cache_alloc(anon_vma_cachep)`. A plain field read
 * or write between two primitives happens atomically; another thread can run
 * only at a primitive.
 */

import {
  data_race,
  type Page,
  type Sim,
  type Vma,
} from "rmap-sim";
// You will need more of the simulator: anon_vma_cachep, kmem_cache_alloc,
// kmem_cache_free, spin_lock, spin_unlock, list_add, list_del, list_empty,
// list_for_each_entry, atomic_inc_return, atomic_dec_return, PAGE_SHIFT,
// pgtable_walk, ptep_get, set_pte_at.

export const ENOMEM = 12;
export const EFAULT = 14;

/* try_to_unmap() return values */
export const SWAP_SUCCESS = 0;
export const SWAP_AGAIN = 1;
export const SWAP_FAIL = 2;

/**
 * page_mapped - is the page mapped by at least one pte? (_mapcount starts at -1)
 *
 * A lockless read on purpose: ptes are added and zapped concurrently, so the
 * answer may be stale by the time the caller acts on it, and every caller
 * tolerates that (the walks re-check each pte under its lock). The kernel
 * reads it with atomic_read(), a marked access; data_race() marks it here
 * without adding a scheduling point.
 */
export function page_mapped(page: Page): boolean {
  return data_race(() => page._mapcount.counter >= 0);
}

/**
 * anon_vma_prepare - attach an anon_vma to a vma before its first anonymous page
 * @vma: the vma taking a write fault
 *
 * Returns 0, or -ENOMEM if the allocation fails.
 *
 * Must be called with mm->mmap_lock held for reading, and no spinlock held.
 */
export function* anon_vma_prepare(vma: Vma): Sim<number> {
  // TODO 1: the fast path. If vma.anon_vma is already set, return 0 at once:
  //         every fault but the first must allocate nothing. This read is
  //         lockless on purpose (another fault may be installing one), so
  //         mark it as the kernel does: yield* READ_ONCE(vma, "anon_vma")
  //         (READ_ONCE comes from "rmap-sim").
  // TODO 2: allocate an anon_vma with kmem_cache_alloc(anon_vma_cachep).
  //         It may sleep: hold no spinlock here. Return -ENOMEM on null.
  // TODO 3: two threads of the same mm may fault this vma at the same time,
  //         and both got here. Take vma.vm_mm's page_table_lock, and only if
  //         vma.anon_vma is *still* null install yours: set vma.anon_vma and
  //         list_add(vma.anon_vma_node, anon_vma.vmas). Unlock.
  // TODO 4: if the other thread won, free your allocation (after unlocking).
  void vma;
  return 0;
}

/**
 * anon_vma_link - queue a vma copied by fork on its parent's anon_vma
 * @vma: the child's new vma, with ->anon_vma copied from the parent's vma
 *
 * Must be called with the child's mm->mmap_lock held for writing.
 */
export function* anon_vma_link(vma: Vma): Sim {
  // TODO: if vma.anon_vma is set, add vma.anon_vma_node to its vmas list.
  //       Reclaim may be walking that list: change it under anon_vma.lock.
  void vma;
}

/**
 * anon_vma_unlink - take a vma off its anon_vma's list at munmap or exit
 * @vma: the vma going away, whose ptes are already zapped
 *
 * Must be called with mm->mmap_lock held for writing, and no spinlock held.
 */
export function* anon_vma_unlink(vma: Vma): Sim {
  // TODO 1: under anon_vma.lock, list_del(vma.anon_vma_node), and note
  //         whether the list is now empty (list_empty) while still locked.
  // TODO 2: if it is empty, no page can point to the anon_vma any more:
  //         free it (kmem_cache_free(anon_vma_cachep, ...)). If it is not,
  //         other vmas (and their pages) still use it: leave it alone.
  void vma;
}

/**
 * page_add_anon_rmap - add the reverse mapping of a new anonymous pte
 * @page: the page now mapped
 * @vma: the vma that maps it
 * @address: the user address of the pte
 *
 * Must be called with the vma's mm->page_table_lock held, and vma->anon_vma set.
 */
export function* page_add_anon_rmap(page: Page, vma: Vma, address: number): Sim {
  // TODO: increment page._mapcount (atomic_inc_return). If this is the first
  //       mapping (the result is 0), record where the page lives:
  //         page.index   = vma.vm_pgoff + (address - vma.vm_start) / PAGE_SIZE
  //         page.mapping = vma.anon_vma
  void page;
  void vma;
  void address;
}

/**
 * page_remove_rmap - take down the reverse mapping of a pte
 * @page: the page that one pte less maps
 *
 * Must be called with the mm->page_table_lock of the pte held.
 */
export function* page_remove_rmap(page: Page): Sim {
  // TODO: decrement page._mapcount (atomic_dec_return). Leave page.mapping
  //       alone: it is only trusted while page_mapped(page).
  void page;
}

/**
 * vma_address - where a page is mapped in a vma
 * @page: an anonymous page
 * @vma: a vma on the page's anon_vma
 *
 * Returns the user address, or -EFAULT if it falls outside the vma.
 */
export function vma_address(page: Page, vma: Vma): number {
  // TODO: invert page_add_anon_rmap's index computation with vm_pgoff
  //       (not vm_start >> PAGE_SHIFT: mremap moves a vma but keeps its
  //       vm_pgoff). Return -EFAULT unless vm_start <= address < vm_end.
  void page;
  void vma;
  return -EFAULT;
}

/**
 * page_referenced_anon - count the ptes that map an anonymous page
 * @page: the page reclaim is looking at
 *
 * Must be called with the page held by the caller; takes anon_vma->lock.
 */
export function* page_referenced_anon(page: Page): Sim<number> {
  // TODO 1: if !page_mapped(page), return 0: page.mapping may be stale.
  // TODO 2: take page.mapping's lock and walk its vmas
  //         (for (const vma of list_for_each_entry(anon_vma.vmas))).
  // TODO 3: for each vma, compute vma_address(); skip -EFAULT. Under the
  //         vma's mm.page_table_lock, read the pte (pgtable_walk(mm, address,
  //         "pte") then ptep_get(table, address)) and count it if its .page
  //         is this page.
  // TODO 4: unlock and return the count.
  void page;
  return 0;
}

/**
 * try_to_unmap_anon - unmap an anonymous page from every pte, for pageout
 * @page: the page to unmap
 *
 * Returns SWAP_SUCCESS when no pte maps the page any more, SWAP_AGAIN otherwise.
 *
 * Must be called with the page held by the caller; takes anon_vma->lock.
 */
export function* try_to_unmap_anon(page: Page): Sim<number> {
  // TODO: the same walk as page_referenced_anon(), but where the pte maps
  //       the page, clear it (set_pte_at(mm, address, table, undefined)) and
  //       call page_remove_rmap(page), still under the page_table_lock.
  //       Stop early once !page_mapped(page). Return SWAP_SUCCESS if the page
  //       ends up unmapped.
  void page;
  return SWAP_AGAIN;
}
