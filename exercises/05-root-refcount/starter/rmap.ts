/*
 * mm/rmap.c - anon_vma lifetime by reference count, with a root anon_vma
 *
 * STARTER. The functions marked TODO are yours; the others are given and
 * already follow the new rules (read them: anon_vma_prepare() shows how a
 * path that gives up an anon_vma puts it). Every primitive is a scheduling
 * point, driven with yield*.
 *
 * An anon_vma lives exactly as long as its reference count is above zero.
 * The count starts at one when the anon_vma is allocated: that reference
 * stands for "in use", that is, for anon_vma->head not being empty. It is
 * dropped by the unlink that empties the list. Anybody else who needs the
 * anon_vma to outlive its vmas (page migration, reclaim walking the rmap of
 * a page that is being unmapped) takes an extra reference, under RCU, with
 * atomic_inc_not_zero(). Whoever drops the count to zero frees the anon_vma:
 * nobody frees an anon_vma directly any more, on any path.
 *
 * Every anon_vma of a fork tree is locked with the lock of its root. A child
 * anon_vma therefore pins the root with a reference of its own, taken in
 * anon_vma_fork() and dropped in __put_anon_vma() once the child itself has
 * been freed, so the root is the last anon_vma of its tree to go.
 *
 * Locking:
 *   mm->mmap_lock
 *     anon_vma->root->lock
 *       mm->page_table_lock
 *
 * The anon_vma cache is SLAB_TYPESAFE_BY_RCU: under rcu_read_lock() an
 * anon_vma found through page->mapping may have been freed (and even
 * reused) but its memory is still an anon_vma, so its refcount can be
 * read and, if not zero, raised.
 */

import {
  type AnonVma,
  type AnonVmaChain,
  type Page,
  type Sim,
  type Vma,
  BUG_ON,
  GFP_KERNEL,
  anon_vma_cachep,
  anon_vma_chain_cachep,
  atomic_inc,
  atomic_read,
  data_race,
  kmem_cache_alloc,
  kmem_cache_free,
  list_add,
  list_add_tail,
  list_del,
  list_for_each_entry,
  list_for_each_entry_safe,
  spin_lock,
  spin_unlock,
} from "rmap-sim";

export const ENOMEM = 12;

/**
 * anon_vma_lock - lock an anon_vma (that is, the root of its tree)
 * @anon_vma: the anon_vma
 *
 * The caller must keep @anon_vma alive: it is linked to a vma whose mm the
 * caller holds, or the caller holds a reference on it.
 */
export function* anon_vma_lock(anon_vma: AnonVma): Sim {
  yield* spin_lock(anon_vma.root.lock);
}

/**
 * anon_vma_unlock - unlock what anon_vma_lock() locked
 * @anon_vma: the anon_vma
 *
 * Must be called with anon_vma->root->lock held.
 */
export function* anon_vma_unlock(anon_vma: AnonVma): Sim {
  yield* spin_unlock(anon_vma.root.lock);
}

/**
 * anon_vma_alloc - allocate a new anon_vma, in use and its own root
 *
 * The new anon_vma holds one reference, the one that stands for being in
 * use. It is the root of any tree that may form from it; anon_vma_fork()
 * resets the root of an anon_vma it creates to its parent's root.
 * Returns NULL when the allocation fails.
 *
 * May sleep (GFP_KERNEL): no spinlock held, not inside rcu_read_lock().
 */
export function* anon_vma_alloc(): Sim<AnonVma | null> {
  const anon_vma = yield* kmem_cache_alloc(anon_vma_cachep, GFP_KERNEL);
  /*
   * TODO: a new anon_vma is in use from the start. Set its count to the
   * one reference that stands for that (atomic_set: the simulator's
   * anon_vma->refcount starts at 0, as kmem_cache_alloc() memory would),
   * and make it its own root. The cache is SLAB_TYPESAFE_BY_RCU: the
   * object may be a reused one, whose root still points to its old tree.
   */
  return anon_vma;
}

/**
 * anon_vma_free - return an anon_vma to its cache
 * @anon_vma: an anon_vma whose reference count has dropped to zero
 *
 * Only __put_anon_vma() calls this: the count must already be zero.
 *
 * Called without locks; the caller owns the last reference.
 */
export function* anon_vma_free(anon_vma: AnonVma): Sim {
  const refs = yield* atomic_read(anon_vma.refcount);
  BUG_ON(refs !== 0, "VM_BUG_ON(atomic_read(&anon_vma->refcount))");
  yield* kmem_cache_free(anon_vma_cachep, anon_vma);
}

/**
 * get_anon_vma - take a reference on an anon_vma that is known to be alive
 * @anon_vma: the anon_vma
 *
 * The count must not be zero: the caller holds a reference already, or the
 * anon_vma is in use (linked to a vma the caller holds).
 */
export function* get_anon_vma(anon_vma: AnonVma): Sim {
  yield* atomic_inc(anon_vma.refcount);
}

/**
 * put_anon_vma - drop a reference on an anon_vma
 * @anon_vma: the anon_vma
 *
 * The caller that drops the count to zero frees the anon_vma (and drops
 * its reference on the root) in __put_anon_vma().
 *
 * Must be called without anon_vma->root->lock held: the free may drop the
 * last reference on the root, whose lock that is.
 */
export function* put_anon_vma(anon_vma: AnonVma): Sim {
  /*
   * TODO: drop one reference (atomic_dec_and_test). Whoever drops the last
   * one calls __put_anon_vma(). This is the only way an anon_vma is freed.
   */
  void anon_vma;
}

/**
 * __put_anon_vma - free an anon_vma whose count reached zero
 * @anon_vma: the anon_vma
 *
 * A child anon_vma holds a reference on its root for as long as it exists:
 * the lock it is locked with lives in the root. Free the child first, then
 * drop that reference, so that the root outlives every anon_vma of its tree.
 * The root pointer is read before the child is freed.
 *
 * Called without locks, by the caller that dropped the last reference.
 */
export function* __put_anon_vma(anon_vma: AnonVma): Sim {
  /*
   * TODO: free the anon_vma (anon_vma_free), and if it is not a root, drop
   * the reference it held on its root (anon_vma_fork() took it). Mind the
   * order: the root must be the last anon_vma of its tree to be freed, and
   * nothing of a freed anon_vma may be read any more (anon_vma->root
   * included).
   */
  void anon_vma;
}

/**
 * anon_vma_chain_alloc - allocate an anon_vma_chain entry
 *
 * Returns NULL when the allocation fails. May sleep.
 */
export function* anon_vma_chain_alloc(): Sim<AnonVmaChain | null> {
  return yield* kmem_cache_alloc(anon_vma_chain_cachep, GFP_KERNEL);
}

/**
 * anon_vma_chain_free - free an anon_vma_chain entry that is on no list
 * @avc: the entry
 */
export function* anon_vma_chain_free(avc: AnonVmaChain): Sim {
  yield* kmem_cache_free(anon_vma_chain_cachep, avc);
}

/**
 * anon_vma_chain_link - link @vma and @anon_vma through @avc
 * @vma: the vma
 * @avc: a new, unlinked anon_vma_chain entry
 * @anon_vma: the anon_vma
 *
 * The new entry goes to the front of vma->anon_vma_chain, so that list runs
 * from the newest anon_vma to the oldest (the root last).
 *
 * Must be called with mm->mmap_lock of @vma's mm held for writing (or the
 * vma not yet visible); takes anon_vma->root->lock.
 */
export function* anon_vma_chain_link(vma: Vma, avc: AnonVmaChain, anon_vma: AnonVma): Sim {
  avc.vma = vma;
  avc.anon_vma = anon_vma;
  yield* list_add(avc.same_vma, vma.anon_vma_chain);

  yield* anon_vma_lock(anon_vma);
  yield* list_add_tail(avc.same_anon_vma, anon_vma.head);
  yield* anon_vma_unlock(anon_vma);
}

/**
 * anon_vma_prepare - attach an anon_vma to a vma before its first anonymous page
 * @vma: the vma taking a fault
 *
 * Returns 0, or -ENOMEM. An anon_vma allocated here but beaten by another
 * thread was never visible to anybody: it is put, not freed, like every
 * other anon_vma.
 *
 * Must be called with mm->mmap_lock held for reading. May sleep.
 */
export function* anon_vma_prepare(vma: Vma): Sim<number> {
  /*
   * Lockless on purpose: another fault of the mm may be installing one right
   * now, and the answer is checked again under page_table_lock before
   * anything depends on it. The kernel reads it plainly here; data_race()
   * says the race is intended.
   */
  let anon_vma = data_race(() => vma.anon_vma);
  if (anon_vma) return 0;

  const mm = vma.vm_mm!;
  let avc = yield* anon_vma_chain_alloc();
  if (!avc) return -ENOMEM;
  anon_vma = yield* anon_vma_alloc();
  if (!anon_vma) {
    yield* anon_vma_chain_free(avc);
    return -ENOMEM;
  }
  let allocated: AnonVma | null = anon_vma;

  yield* anon_vma_lock(anon_vma);
  /* page_table_lock to protect against threads */
  yield* spin_lock(mm.page_table_lock);
  if (!vma.anon_vma) {
    vma.anon_vma = anon_vma;
    avc.anon_vma = anon_vma;
    avc.vma = vma;
    yield* list_add(avc.same_vma, vma.anon_vma_chain);
    yield* list_add_tail(avc.same_anon_vma, anon_vma.head);
    allocated = null;
    avc = null;
  }
  yield* spin_unlock(mm.page_table_lock);
  yield* anon_vma_unlock(anon_vma);

  if (allocated) yield* put_anon_vma(allocated);
  if (avc) yield* anon_vma_chain_free(avc);
  return 0;
}

/**
 * anon_vma_clone - attach @dst to every anon_vma of @src
 * @dst: the new vma (a child's copy, or a split half)
 * @src: the vma it copies
 *
 * Returns 0, or -ENOMEM after undoing what was linked.
 *
 * Must be called with the mmap_lock of @src's mm held for writing. May sleep.
 */
export function* anon_vma_clone(dst: Vma, src: Vma): Sim<number> {
  /* Oldest first, each added at the front: dst's chain keeps src's order. */
  const pavcs = [...list_for_each_entry(src.anon_vma_chain)].reverse();
  for (const pavc of pavcs) {
    const avc = yield* anon_vma_chain_alloc();
    if (!avc) {
      yield* unlink_anon_vmas(dst);
      return -ENOMEM;
    }
    yield* anon_vma_chain_link(dst, avc, pavc.anon_vma!);
  }
  return 0;
}

/**
 * anon_vma_fork - give a child's copy of a vma its own anon_vma
 * @vma: the child's vma
 * @pvma: the parent's vma
 *
 * Links @vma to every anon_vma of @pvma, then to a new anon_vma of its own
 * (where its copy-on-write pages will go) whose root is the parent's root.
 * The new anon_vma pins that root with a reference until it is freed.
 * Returns 0, or -ENOMEM with nothing left linked or allocated: the failed
 * anon_vma is put like any other, never freed directly.
 *
 * Must be called with the parent's mmap_lock held for writing. May sleep.
 */
export function* anon_vma_fork(vma: Vma, pvma: Vma): Sim<number> {
  /* Don't bother if the parent process has no anon_vma here. */
  if (!pvma.anon_vma) return 0;

  /* First, attach the new vma to the parent vma's anon_vmas. */
  if (yield* anon_vma_clone(vma, pvma)) return -ENOMEM;

  /* Then add our own anon_vma. */
  const anon_vma = yield* anon_vma_alloc();
  if (!anon_vma) {
    yield* unlink_anon_vmas(vma);
    return -ENOMEM;
  }
  const avc = yield* anon_vma_chain_alloc();
  if (!avc) {
    /*
     * TODO: this is the code from before the conversion. Under the new
     * rules nobody frees an anon_vma directly: anon_vma_free() insists on
     * a count of zero, and this one holds its in-use reference.
     */
    yield* anon_vma_free(anon_vma);
    yield* unlink_anon_vmas(vma);
    return -ENOMEM;
  }

  /*
   * The root anon_vma's lock is the lock actually used when we lock any
   * of the anon_vmas in this tree; the root must live as long as we do.
   */
  anon_vma.root = pvma.anon_vma.root;
  /* TODO: pin the root for as long as this anon_vma exists (get_anon_vma). */
  /* Mark this anon_vma as the one where our new (COWed) pages go. */
  vma.anon_vma = anon_vma;
  yield* anon_vma_chain_link(vma, avc, anon_vma);
  return 0;
}

/**
 * anon_vma_unlink - take one chain entry off its anon_vma
 * @avc: the entry
 *
 * The unlink that empties anon_vma->head drops the "in use" reference.
 * Whether the list is empty is decided under the lock; the put happens
 * after the unlock, as it may free the root whose lock that is.
 *
 * Must be called with the mmap_lock of the vma's mm held (for writing, or
 * the mm is exiting); takes and releases anon_vma->root->lock.
 */
export function* anon_vma_unlink(avc: AnonVmaChain): Sim {
  const anon_vma = avc.anon_vma;
  /* anon_vma_fork() or anon_vma_clone() may leave an unlinked entry. */
  if (!anon_vma) return;

  yield* anon_vma_lock(anon_vma);
  yield* list_del(avc.same_anon_vma);
  /*
   * TODO: garbage collect the anon_vma when its list is now empty. Decide
   * that under the lock; act on it after the unlock. The in-use reference
   * is the one to drop, with put_anon_vma(): other references (a
   * migration, a reclaim walk) may keep the anon_vma alive a while longer.
   */
  yield* anon_vma_unlock(anon_vma);
}

/**
 * unlink_anon_vmas - detach a vma from all its anon_vmas and free its chain
 * @vma: the vma going away
 *
 * vma->anon_vma_chain runs from the newest anon_vma to the oldest, so the
 * root is unlinked last.
 *
 * Must be called with the mmap_lock of the vma's mm held for writing, or
 * while the mm exits. May sleep.
 */
export function* unlink_anon_vmas(vma: Vma): Sim {
  for (const avc of list_for_each_entry_safe(vma.anon_vma_chain)) {
    yield* anon_vma_unlink(avc);
    yield* list_del(avc.same_vma);
    yield* anon_vma_chain_free(avc);
  }
}

/**
 * page_mapped - is the page mapped by at least one pte?
 * @page: the page
 *
 * A racy answer unless the caller holds what keeps the ptes stable; any context.
 */
export function* page_mapped(page: Page): Sim<boolean> {
  return (yield* atomic_read(page._mapcount)) >= 0;
}

/**
 * page_get_anon_vma - find a mapped page's anon_vma and take a reference on it
 * @page: an anonymous page
 *
 * page->mapping may point to an anon_vma that is being freed; as long as
 * the page is mapped, a vma holds the anon_vma in use. The anon_vma cache
 * is SLAB_TYPESAFE_BY_RCU, so under rcu_read_lock() the refcount can be
 * read even if the anon_vma was just freed: raise it only if it is not
 * zero, never resurrect a dying anon_vma. The reference taken, check
 * page_mapped() again: if the page was unmapped meanwhile, the anon_vma may
 * have been freed and reused for another process, so drop the reference and
 * return NULL. Returns the anon_vma with a reference the caller drops with
 * put_anon_vma(), or NULL.
 *
 * Called without locks; takes and releases rcu_read_lock().
 */
export function* page_get_anon_vma(page: Page): Sim<AnonVma | null> {
  /*
   * TODO: inside rcu_read_lock(): read page->mapping; if the page is still
   * mapped (page_mapped), try to take a reference with
   * atomic_inc_not_zero(). The anon_vma may be dying (count zero) or even
   * already freed: RCU keeps its memory an anon_vma, but a count of zero
   * must stay zero. Once the reference is taken, check page_mapped() again:
   * a page unmapped meanwhile no longer keeps its anon_vma alive, which may
   * have been freed and reused for another process. Then drop the
   * reference (put_anon_vma(), after rcu_read_unlock()) and return NULL.
   * Return the anon_vma only if it was pinned while the page was mapped.
   */
  void page;
  return null;
}

/**
 * page_lock_anon_vma - pin and lock the anon_vma of a mapped page
 * @page: an anonymous page
 *
 * Returns the anon_vma, referenced and locked, or NULL. The reference keeps
 * it (and, through its own reference, its root) alive while the lock is
 * taken and held; release both with page_unlock_anon_vma().
 *
 * Called without locks. Returns with anon_vma->root->lock held.
 */
export function* page_lock_anon_vma(page: Page): Sim<AnonVma | null> {
  /* TODO: pin with page_get_anon_vma(), then lock (anon_vma_lock). */
  void page;
  return null;
}

/**
 * page_unlock_anon_vma - undo page_lock_anon_vma()
 * @anon_vma: what page_lock_anon_vma() returned
 *
 * Unlock first, then put: the put may free the anon_vma and its root.
 *
 * Must be called with anon_vma->root->lock held and a reference on @anon_vma.
 */
export function* page_unlock_anon_vma(anon_vma: AnonVma): Sim {
  /* TODO: drop the lock and the reference page_lock_anon_vma() took, in the right order. */
  yield* anon_vma_unlock(anon_vma);
}
