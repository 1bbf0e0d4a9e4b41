/*
 * mm/rmap.c - physical to virtual reverse mappings (2008: anon_vma->rwsem)
 *
 * The anon_vma of 2004 protected its list of vmas with a spinlock, so an rmap
 * walk could not sleep. mmu notifiers need to sleep in the walk (a secondary
 * MMU may have to wait for its own hardware to drop a translation), so the
 * lock becomes a rw_semaphore: walkers take it for reading and may run at the
 * same time; fork, munmap and exit change the list under it for writing.
 *
 * Finding the anon_vma from a page is the hard part. page->mapping is read
 * under rcu_read_lock(), which keeps the anon_vma's memory from being reused
 * for something else, but a semaphore may sleep and sleeping is not allowed
 * inside an RCU read-side critical section. So the walker first takes a
 * reference with atomic_inc_not_zero() (which fails on an anon_vma whose
 * count already reached zero: it is being freed), leaves the RCU section,
 * and only then takes the semaphore. The reference keeps the anon_vma alive.
 *
 * anon_vma->refcount counts the vmas on the list plus the walkers holding a
 * reference; the last put frees the anon_vma, after an RCU grace period.
 *
 * In the kernel of 2008 the grace period comes from the slab: anon_vma_cachep
 * is SLAB_DESTROY_BY_RCU, so its memory is not reused for anything but an
 * anon_vma while readers may look at it. Here the wait is explicit:
 * anon_vma_free() hands the object to call_rcu().
 *
 * Lock ordering:
 *   mm->mmap_lock
 *     anon_vma->rwsem
 *       mm->page_table_lock
 */

import {
  type AnonVma,
  anon_vma_cachep,
  atomic_dec_and_test,
  atomic_dec_return,
  atomic_inc,
  atomic_inc_not_zero,
  atomic_inc_return,
  call_rcu,
  down_read,
  down_write,
  kmem_cache_alloc,
  kmem_cache_free,
  list_add_tail,
  list_del,
  list_for_each_entry,
  type Page,
  PAGE_SHIFT,
  pgtable_walk,
  ptep_get,
  data_race,
  READ_ONCE,
  rcu_read_lock,
  rcu_read_unlock,
  set_pte_at,
  type Sim,
  spin_lock,
  spin_unlock,
  up_read,
  up_write,
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
 * anon_vma_free - give an anon_vma back to its cache once no reader can see it
 * @anon_vma: an anon_vma whose refcount dropped to zero
 *
 * A walker may have read page->mapping just before the last vma went away and
 * be about to try atomic_inc_not_zero() on this anon_vma. The memory must stay
 * an anon_vma until every such RCU reader is done: free it after a grace
 * period.
 *
 * Must be called with no reference left. May be called from any context.
 */
export function* anon_vma_free(anon_vma: AnonVma): Sim {
  yield* call_rcu(anon_vma, function* (av: AnonVma) {
    yield* kmem_cache_free(anon_vma_cachep, av);
  });
}

/**
 * get_anon_vma - take a reference on an anon_vma known to be alive
 * @anon_vma: an anon_vma the caller already holds alive (by a vma on its list)
 */
export function* get_anon_vma(anon_vma: AnonVma): Sim {
  yield* atomic_inc(anon_vma.refcount);
}

/**
 * put_anon_vma - drop a reference; the last one frees the anon_vma
 * @anon_vma: the anon_vma whose reference the caller holds
 *
 * Must be called without anon_vma->rwsem held (the free must not race with
 * the caller's own up_read/up_write).
 */
export function* put_anon_vma(anon_vma: AnonVma): Sim {
  if (yield* atomic_dec_and_test(anon_vma.refcount)) yield* anon_vma_free(anon_vma);
}

/**
 * anon_vma_prepare - attach an anon_vma to a vma before its first anonymous page
 * @vma: the vma taking a write fault
 *
 * As in 2004, with one change: the vma's place on the list is now a reference
 * (get_anon_vma) taken when the vma is queued.
 *
 * Returns 0 or -ENOMEM.
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
    yield* get_anon_vma(anon_vma);
    vma.anon_vma = anon_vma;
    yield* list_add_tail(vma.anon_vma_node, anon_vma.vmas);
    allocated = null;
  }
  yield* spin_unlock(mm.page_table_lock);

  if (allocated !== null) yield* anon_vma_free(allocated);
  return 0;
}

/**
 * anon_vma_link - queue a vma copied by fork on its parent's anon_vma
 * @vma: the child's new vma, with ->anon_vma copied from the parent's vma
 *
 * Must be called with the child's mm->mmap_lock held for writing.
 */
export function* anon_vma_link(vma: Vma): Sim {
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) return;
  yield* get_anon_vma(anon_vma);
  yield* down_write(anon_vma.rwsem);
  yield* list_add_tail(vma.anon_vma_node, anon_vma.vmas);
  yield* up_write(anon_vma.rwsem);
}

/**
 * anon_vma_unlink - take a vma off its anon_vma's list at munmap or exit
 * @vma: the vma going away, whose ptes are already zapped
 *
 * The list is changed under the rwsem for writing, so no walker is on it.
 * The vma's reference is dropped after the unlock: a walker that took its own
 * reference may still be about to lock the anon_vma, and the last of them
 * frees it. An empty list no longer means "free it now".
 *
 * Must be called with mm->mmap_lock held for writing, and no spinlock held.
 */
export function* anon_vma_unlink(vma: Vma): Sim {
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) return;

  yield* down_write(anon_vma.rwsem);
  yield* list_del(vma.anon_vma_node);
  yield* up_write(anon_vma.rwsem);

  yield* put_anon_vma(anon_vma);
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
  const anon_vma = vma.anon_vma;
  if (anon_vma === null) throw new Error("page_add_anon_rmap: the vma has no anon_vma");
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
 * Must be called with the mm->page_table_lock of the pte held.
 */
export function* page_remove_rmap(page: Page): Sim {
  yield* atomic_dec_return(page._mapcount);
}

/**
 * grab_anon_vma - find a page's anon_vma and pin it with a reference
 * @page: a page reclaim holds, which may be unmapped at any moment
 *
 * page->mapping is read with READ_ONCE(), inside the RCU section: no lock
 * orders it against a swap-in that maps the page again, and RCU only
 * protects a pointer loaded after rcu_read_lock(). It is only trusted while
 * the page is mapped, and the anon_vma
 * it points to may be on its way to being freed: its count may already be
 * zero. Under rcu_read_lock() the memory is still an anon_vma, and
 * atomic_inc_not_zero() takes a reference only if the anon_vma is still
 * alive. Nothing here may sleep.
 *
 * Returns the anon_vma with a reference held (drop it with put_anon_vma), or
 * null if the page is not mapped or its anon_vma is being freed.
 *
 * Must be called with no spinlock held and outside any RCU read-side section.
 */
export function* grab_anon_vma(page: Page): Sim<AnonVma | null> {
  let anon_vma: AnonVma | null = null;

  yield* rcu_read_lock();
  /* marked: a swap-in may be mapping the page into another anon_vma right now */
  const mapping = yield* READ_ONCE(page, "mapping");
  if (mapping !== null && page_mapped(page)) {
    if (yield* atomic_inc_not_zero(mapping.refcount)) anon_vma = mapping;
  }
  yield* rcu_read_unlock();
  return anon_vma;
}

/**
 * page_lock_anon_vma - pin and read-lock the anon_vma of a page for an rmap walk
 * @page: a page reclaim holds
 *
 * The reference comes first, under RCU; the semaphore, which may sleep, only
 * after rcu_read_unlock(). Several walkers may hold the semaphore at once.
 *
 * Returns the locked anon_vma, or null. Release it with page_unlock_anon_vma().
 *
 * Must be called with no spinlock held and outside any RCU read-side section.
 */
export function* page_lock_anon_vma(page: Page): Sim<AnonVma | null> {
  const anon_vma = yield* grab_anon_vma(page);
  if (anon_vma !== null) yield* down_read(anon_vma.rwsem);
  return anon_vma;
}

/**
 * page_unlock_anon_vma - end an rmap walk
 * @anon_vma: the anon_vma returned by page_lock_anon_vma()
 *
 * Drops the read lock, then the reference, which may be the last one.
 *
 * Must be called with anon_vma->rwsem held for reading by the caller.
 */
export function* page_unlock_anon_vma(anon_vma: AnonVma): Sim {
  yield* up_read(anon_vma.rwsem);
  yield* put_anon_vma(anon_vma);
}

/**
 * vma_address - where a page is mapped in a vma, or -EFAULT if outside it
 *
 * Must be called with the page's anon_vma locked (the vma stays on its list).
 */
export function vma_address(page: Page, vma: Vma): number {
  const address = vma.vm_start + ((page.index - vma.vm_pgoff) << PAGE_SHIFT);
  if (address < vma.vm_start || address >= vma.vm_end) return -EFAULT;
  return address;
}

/**
 * page_referenced_anon - count the ptes that map an anonymous page
 * @page: the page reclaim is looking at
 *
 * Must be called with no lock held: takes the anon_vma's rwsem for reading
 * and each mm->page_table_lock inside it.
 */
export function* page_referenced_anon(page: Page): Sim<number> {
  const anon_vma = yield* page_lock_anon_vma(page);
  if (anon_vma === null) return 0;
  let referenced = 0;
  for (const vma of list_for_each_entry(anon_vma.vmas)) {
    const address = vma_address(page, vma);
    if (address === -EFAULT) continue;
    const mm = vma.vm_mm!;
    yield* spin_lock(mm.page_table_lock);
    const pt = pgtable_walk(mm, address, "pte");
    if (pt !== null && ptep_get(pt, address)?.page === page) referenced++;
    yield* spin_unlock(mm.page_table_lock);
  }
  yield* page_unlock_anon_vma(anon_vma);
  return referenced;
}

/**
 * try_to_unmap_anon - unmap an anonymous page from every pte, for pageout
 * @page: the page to unmap
 *
 * Returns SWAP_SUCCESS when no pte maps the page any more, SWAP_AGAIN otherwise.
 *
 * Must be called with no lock held: takes the anon_vma's rwsem for reading
 * and each mm->page_table_lock inside it.
 */
export function* try_to_unmap_anon(page: Page): Sim<number> {
  const anon_vma = yield* page_lock_anon_vma(page);
  if (anon_vma === null) return page_mapped(page) ? SWAP_AGAIN : SWAP_SUCCESS;
  for (const vma of list_for_each_entry(anon_vma.vmas)) {
    const address = vma_address(page, vma);
    if (address === -EFAULT) continue;
    const mm = vma.vm_mm!;
    yield* spin_lock(mm.page_table_lock);
    const pt = pgtable_walk(mm, address, "pte");
    if (pt !== null && ptep_get(pt, address)?.page === page) {
      set_pte_at(mm, address, pt, undefined);
      yield* page_remove_rmap(page);
    }
    yield* spin_unlock(mm.page_table_lock);
    if (!page_mapped(page)) break;
  }
  yield* page_unlock_anon_vma(anon_vma);
  return page_mapped(page) ? SWAP_AGAIN : SWAP_SUCCESS;
}
