/*
 * mm/rmap.c - physical to virtual reverse mappings, by object (2004)
 *
 * Anonymous pages no longer carry a chain of pte pointers. A page points to
 * an anon_vma (page->mapping), and the anon_vma lists every vma that may map
 * the page: the vma that faulted it and every copy fork made of that vma.
 * To find the ptes of a page, walk that list and compute the address of the
 * page in each vma from page->index and vma->vm_pgoff.
 *
 * The garbage-collection invariant: a page may point to an anon_vma only
 * while at least one vma is queued on it. So the anon_vma is freed when its
 * last vma is unlinked, and nothing else needs to count the pages.
 *
 * Lock ordering:
 *   mm->mmap_lock (held for reading by faults, for writing by munmap)
 *     anon_vma->lock
 *       mm->page_table_lock
 *
 * The rmap walks rely on page_mapped(): a mapped page has a pte, the pte's
 * vma is still queued on the anon_vma, so the anon_vma is alive. (In 2004 the
 * page's PG_maplock bit made that check and the walk atomic; the next lesson
 * replaces it with RCU and a reference count.)
 */

import {
  type AnonVma,
  anon_vma_cachep,
  atomic_dec_return,
  atomic_inc_return,
  data_race,
  kmem_cache_alloc,
  kmem_cache_free,
  READ_ONCE,
  list_add,
  list_del,
  list_empty,
  list_for_each_entry,
  type Page,
  PAGE_SHIFT,
  pgtable_walk,
  ptep_get,
  set_pte_at,
  type Sim,
  spin_lock,
  spin_unlock,
  type Vma,
} from "rmap-sim";

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
 * The fast path, taken by every fault but the first in a vma, allocates
 * nothing: the vma already has its anon_vma. It reads vma->anon_vma
 * without the lock, while another thread of the mm may be installing one:
 * a lockless read on purpose, so it is marked (READ_ONCE), and the answer
 * is checked again under the lock before anything depends on it. Otherwise allocate one (this
 * may sleep, so no spinlock may be held), then install it under the
 * page_table_lock, which serialises the threads of the mm faulting the same
 * vma at once. The loser of that race frees its allocation.
 *
 * Returns 0, or -ENOMEM.
 *
 * Must be called with mm->mmap_lock held for reading, and no spinlock held.
 */
export function* anon_vma_prepare(vma: Vma): Sim<number> {
  /* lockless fast path: marked, as another fault may be installing it (re-checked under the lock) */
  if ((yield* READ_ONCE(vma, "anon_vma")) !== null) return 0;

  const mm = vma.vm_mm!;
  const anon_vma = yield* kmem_cache_alloc(anon_vma_cachep);
  if (anon_vma === null) return -ENOMEM;
  let allocated: AnonVma | null = anon_vma;

  /* page_table_lock to protect against threads */
  yield* spin_lock(mm.page_table_lock);
  if (vma.anon_vma === null) {
    vma.anon_vma = anon_vma;
    /* not visible to anyone else yet: no need for anon_vma->lock */
    yield* list_add(vma.anon_vma_node, anon_vma.vmas);
    allocated = null;
  }
  yield* spin_unlock(mm.page_table_lock);

  if (allocated !== null) yield* kmem_cache_free(anon_vma_cachep, allocated);
  return 0;
}

/**
 * anon_vma_link - queue a vma copied by fork on its parent's anon_vma
 * @vma: the child's new vma, with ->anon_vma copied from the parent's vma
 *
 * After this, an rmap walk from any page of the parent's vma finds the child's
 * vma too, so the child's copies of the ptes can be found and unmapped.
 *
 * Must be called with the child's mm->mmap_lock held for writing.
 */
export function* anon_vma_link(vma: Vma): Sim {
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) return;
  yield* spin_lock(anon_vma.lock);
  yield* list_add(vma.anon_vma_node, anon_vma.vmas);
  yield* spin_unlock(anon_vma.lock);
}

/**
 * anon_vma_unlink - take a vma off its anon_vma's list at munmap or exit
 * @vma: the vma going away, whose ptes are already zapped
 *
 * When the list becomes empty no page can point to the anon_vma any more
 * (the garbage-collection invariant), so it is freed. The emptiness test is
 * made under the lock that the list was changed under: a fork linking a new
 * vma at the same time either comes before (the list is not empty) or cannot
 * happen (its parent vma is gone).
 *
 * Must be called with mm->mmap_lock held for writing, and no spinlock held.
 */
export function* anon_vma_unlink(vma: Vma): Sim {
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) return;

  yield* spin_lock(anon_vma.lock);
  yield* list_del(vma.anon_vma_node);
  /* We must garbage collect the anon_vma if it's empty */
  const empty = list_empty(anon_vma.vmas);
  yield* spin_unlock(anon_vma.lock);

  if (empty) yield* kmem_cache_free(anon_vma_cachep, anon_vma);
}

/**
 * page_add_anon_rmap - add the reverse mapping of a new anonymous pte
 * @page: the page now mapped
 * @vma: the vma that maps it
 * @address: the user address of the pte
 *
 * The first mapping makes the page point to the vma's anon_vma and records
 * the page's offset: index = vm_pgoff + (address - vm_start) / PAGE_SIZE,
 * which stays the same in every vma forked or moved from this one.
 *
 * Must be called with the vma's mm->page_table_lock held, and vma->anon_vma set.
 */
export function* page_add_anon_rmap(page: Page, vma: Vma, address: number): Sim {
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) throw new Error("page_add_anon_rmap: the vma has no anon_vma (anon_vma_prepare not called)");
  const index = vma.vm_pgoff + ((address - vma.vm_start) >>> PAGE_SHIFT);
  if ((yield* atomic_inc_return(page._mapcount)) === 0) {
    page.index = index;
    page.mapping = anon_vma;
  }
}

/**
 * page_remove_rmap - take down the reverse mapping of a pte
 * @page: the page that one pte less maps
 *
 * page->mapping is left as it is: it is cleared when the page is freed, and
 * it is trusted only while page_mapped().
 *
 * Must be called with the mm->page_table_lock of the pte held.
 */
export function* page_remove_rmap(page: Page): Sim {
  yield* atomic_dec_return(page._mapcount);
}

/**
 * vma_address - where a page is mapped in a vma
 * @page: an anonymous page
 * @vma: a vma on the page's anon_vma
 *
 * Returns the user address, or -EFAULT if the page's offset lies outside
 * the vma (a vma split or moved away from that part of the original).
 *
 * No lock needed: vm_start, vm_end and vm_pgoff are stable while the vma is
 * on the anon_vma's list, which the caller's anon_vma->lock guarantees.
 */
export function vma_address(page: Page, vma: Vma): number {
  const address = vma.vm_start + ((page.index - vma.vm_pgoff) << PAGE_SHIFT);
  if (address < vma.vm_start || address >= vma.vm_end) return -EFAULT;
  return address;
}

/**
 * page_referenced_one - does this vma's pte at the page's address map it?
 *
 * Must be called with anon_vma->lock held.
 */
function* page_referenced_one(page: Page, vma: Vma): Sim<number> {
  const address = vma_address(page, vma);
  if (address === -EFAULT) return 0;
  const mm = vma.vm_mm!;
  yield* spin_lock(mm.page_table_lock);
  const pt = pgtable_walk(mm, address, "pte");
  const referenced = pt !== null && ptep_get(pt, address)?.page === page ? 1 : 0;
  yield* spin_unlock(mm.page_table_lock);
  return referenced;
}

/**
 * page_referenced_anon - count the ptes that map an anonymous page
 * @page: the page reclaim is looking at
 *
 * Walks the vmas of the page's anon_vma and checks the pte at the page's
 * address in each. Returns the number of ptes found.
 *
 * Must be called with the page held by the caller and page_mapped() true for
 * the whole walk (so its anon_vma cannot be freed); takes anon_vma->lock.
 */
export function* page_referenced_anon(page: Page): Sim<number> {
  if (!page_mapped(page)) return 0;
  const anon_vma = page.mapping;
  if (anon_vma === null) return 0;
  let referenced = 0;
  yield* spin_lock(anon_vma.lock);
  for (const vma of list_for_each_entry(anon_vma.vmas)) {
    referenced += yield* page_referenced_one(page, vma);
  }
  yield* spin_unlock(anon_vma.lock);
  return referenced;
}

/**
 * try_to_unmap_one - clear the pte that maps the page in one vma, if any
 *
 * Must be called with anon_vma->lock held.
 */
function* try_to_unmap_one(page: Page, vma: Vma): Sim<number> {
  const address = vma_address(page, vma);
  if (address === -EFAULT) return SWAP_AGAIN;
  const mm = vma.vm_mm!;
  yield* spin_lock(mm.page_table_lock);
  const pt = pgtable_walk(mm, address, "pte");
  if (pt !== null && ptep_get(pt, address)?.page === page) {
    set_pte_at(mm, address, pt, undefined);
    yield* page_remove_rmap(page);
  }
  yield* spin_unlock(mm.page_table_lock);
  return SWAP_AGAIN;
}

/**
 * try_to_unmap_anon - unmap an anonymous page from every pte, for pageout
 * @page: the page to unmap
 *
 * Returns SWAP_SUCCESS when no pte maps the page any more, SWAP_AGAIN if
 * some pte could not be reached.
 *
 * Must be called with the page held by the caller and page_mapped() true on
 * entry; takes anon_vma->lock, then each mm->page_table_lock.
 */
export function* try_to_unmap_anon(page: Page): Sim<number> {
  if (!page_mapped(page)) return SWAP_SUCCESS;
  const anon_vma = page.mapping;
  if (anon_vma === null) return SWAP_AGAIN;
  let ret = SWAP_AGAIN;
  yield* spin_lock(anon_vma.lock);
  for (const vma of list_for_each_entry(anon_vma.vmas)) {
    ret = yield* try_to_unmap_one(page, vma);
    if (ret === SWAP_FAIL || !page_mapped(page)) break;
  }
  yield* spin_unlock(anon_vma.lock);
  if (!page_mapped(page)) ret = SWAP_SUCCESS;
  return ret;
}
