/*
 * Held-out wrong submission: unlink-empty-after-unlock
 * What: unlink_anon_vmas takes each entry off its anon_vma's list under the
 * anon_vma's lock, but tests list_empty() after spin_unlock.
 * Why wrong: a parent and a child exiting at once unlink the last two entries
 * of one anon_vma; both can see the list empty after both deletions and both
 * free the anon_vma (double free). A read after unlock.
 * Rule: the emptiness test is made under the lock the list was changed under.
 */
/*
 * mm/rmap.c (lesson 4): the anon_vma_chain.
 *
 * Since 2010 a vma is not on one anon_vma's list but on several: after fork,
 * a child's vma can map pages of its own anon_vma (pages it copied on write)
 * and pages of every ancestor's anon_vma (pages still shared). Each link is
 * an anon_vma_chain (avc), on two lists at once:
 *
 *   vma->anon_vma_chain   -- avc->same_vma       -- every anon_vma the vma may hold pages of
 *   anon_vma->head        -- avc->same_anon_vma  -- every vma that may map this anon_vma's pages
 *
 * The rmap walk of a page goes page->mapping (its anon_vma) -> anon_vma->head
 * -> avc->vma, so a vma missing from a list is a mapping that reclaim can
 * neither age nor unmap.
 *
 * vma->anon_vma is the anon_vma where the vma's new pages go: the vma's own
 * after fork, or a mergeable neighbour's (anon_vma_prepare() reuses it, and
 * the vma then has a singleton chain).
 *
 * Locking:
 *
 *   mm->mmap_lock (held for writing by the callers: fork, split, merge, munmap)
 *     anon_vma->lock   (protects anon_vma->head, and an avc's vma while it is on it)
 *
 * vma->anon_vma_chain is changed only by the vma's mm's mmap_lock holder.
 * An anon_vma is freed when its list empties: no vma can map its pages any more.
 */

import {
  type AnonVma,
  type AnonVmaChain,
  type ListHead,
  type Sim,
  type Vma,
  BUG_ON,
  anon_vma_cachep,
  anon_vma_chain_cachep,
  kmem_cache_alloc,
  kmem_cache_free,
  list_add_tail,
  list_del,
  list_empty,
  list_for_each_entry_safe,
  spin_lock,
  spin_unlock,
} from "rmap-sim";

export const ENOMEM = 12;

/**
 * anon_vma_alloc - allocate an empty anon_vma
 *
 * The new anon_vma is its own root, and declares that its list is protected
 * by its lock (the simulator then checks every list update against it).
 */
export function* anon_vma_alloc(): Sim<AnonVma | null> {
  const anon_vma = yield* kmem_cache_alloc(anon_vma_cachep);
  if (anon_vma === null) return null;
  anon_vma.root = anon_vma;
  anon_vma.head.protector = () => anon_vma.lock;
  return anon_vma;
}

/** anon_vma_free - return an anon_vma whose list is empty to its cache */
export function* anon_vma_free(anon_vma: AnonVma): Sim<void> {
  yield* kmem_cache_free(anon_vma_cachep, anon_vma);
}

/** list_is_singular - does the list have exactly one entry? */
function list_is_singular(head: ListHead): boolean {
  return !list_empty(head) && head.next === head.prev;
}

function* anon_vma_chain_alloc(): Sim<AnonVmaChain | null> {
  return yield* kmem_cache_alloc(anon_vma_chain_cachep);
}

function* anon_vma_chain_free(avc: AnonVmaChain): Sim<void> {
  yield* kmem_cache_free(anon_vma_chain_cachep, avc);
}

/**
 * anon_vma_chain_link - link a vma and an anon_vma through a new avc
 * @vma: the vma
 * @avc: a new anon_vma_chain
 * @anon_vma: the anon_vma
 *
 * Must be called with the vma's mmap_lock held for writing; takes
 * anon_vma->lock for the anon_vma's list.
 */
function* anon_vma_chain_link(vma: Vma, avc: AnonVmaChain, anon_vma: AnonVma): Sim<void> {
  avc.vma = vma;
  avc.anon_vma = anon_vma;
  yield* list_add_tail(avc.same_vma, vma.anon_vma_chain);
  yield* spin_lock(anon_vma.lock);
  yield* list_add_tail(avc.same_anon_vma, anon_vma.head);
  yield* spin_unlock(anon_vma.lock);
}

/**
 * anon_vma_clone - attach dst to every anon_vma src is attached to
 * @dst: a new vma (a split-off part of src, the child's copy of src, or a
 *       merge importer), with an empty chain
 * @src: the vma whose chain is copied
 *
 * Returns 0, or -ENOMEM with dst's chain empty again.
 *
 * Must be called with the mmap_lock of dst's mm held for writing.
 */
export function* anon_vma_clone(dst: Vma, src: Vma): Sim<number> {
  for (const pavc of list_for_each_entry_safe(src.anon_vma_chain)) {
    const avc = yield* anon_vma_chain_alloc();
    if (avc === null) {
      yield* unlink_anon_vmas(dst);
      return -ENOMEM;
    }
    yield* anon_vma_chain_link(dst, avc, pavc.anon_vma!);
  }
  return 0;
}

/**
 * anon_vma_fork - attach the child's copy of a vma to its anon_vmas at fork
 * @vma: the child's new vma (a copy of @pvma, vma->anon_vma still @pvma's)
 * @pvma: the parent's vma
 *
 * The child's vma joins every anon_vma of the parent's (to find the pages
 * still shared), then gets an anon_vma of its own, where the pages it copies
 * on write will go. Returns 0, or -ENOMEM with the child's chain empty.
 *
 * Must be called with both mms' mmap_lock held for writing.
 */
export function* anon_vma_fork(vma: Vma, pvma: Vma): Sim<number> {
  // Don't bother if the parent process has no anon_vma here.
  if (pvma.anon_vma === null) return 0;

  // First, attach the new vma to the parent vma's anon_vmas, so that rmap
  // can find non-COWed pages in child processes.
  if ((yield* anon_vma_clone(vma, pvma)) !== 0) return -ENOMEM;

  // Then add our own anon_vma.
  const anon_vma = yield* anon_vma_alloc();
  if (anon_vma === null) {
    yield* unlink_anon_vmas(vma);
    return -ENOMEM;
  }
  const avc = yield* anon_vma_chain_alloc();
  if (avc === null) {
    yield* anon_vma_free(anon_vma);
    yield* unlink_anon_vmas(vma);
    return -ENOMEM;
  }
  yield* anon_vma_chain_link(vma, avc, anon_vma);
  // Mark this anon_vma as the one where our new (COWed) pages go.
  vma.anon_vma = anon_vma;
  return 0;
}

/**
 * unlink_anon_vmas - detach a vma from all its anon_vmas
 * @vma: a vma going away (munmap, exit, a merged-away neighbour) or a vma
 *       whose chain is being undone on an error path
 *
 * Each anon_vma whose list becomes empty is freed: no vma can map its pages.
 *
 * Must be called with the vma's mmap_lock held for writing, after the vma's
 * ptes have been zapped.
 */
export function* unlink_anon_vmas(vma: Vma): Sim<void> {
  for (const avc of list_for_each_entry_safe(vma.anon_vma_chain)) {
    const anon_vma = avc.anon_vma!;
    yield* spin_lock(anon_vma.lock);
    yield* list_del(avc.same_anon_vma);
    yield* spin_unlock(anon_vma.lock);
    const empty = list_empty(anon_vma.head);
    if (empty) yield* anon_vma_free(anon_vma);

    yield* list_del(avc.same_vma);
    yield* anon_vma_chain_free(avc);
  }
}

/**
 * anon_vma_merge - merge next's anon_vmas into vma's when vma absorbs next
 * @vma: the vma that stays (it already covers next's range)
 * @next: the vma that goes away; next->anon_vma == vma->anon_vma
 *
 * Two cases (Johannes Weiner's analysis, 2010):
 *
 * 1. vma and next were split from one vma, or next reused vma's anon_vma
 *    when it was created: vma's chain already holds every anon_vma of
 *    next's, and next's chain is simply dropped.
 *
 * 2. vma was created next to next and reused next's anon_vma: vma holds the
 *    singleton chain, and next may hold its ancestors' anon_vmas too (next
 *    was forked). Those entries move to vma, one at a time, each under its
 *    anon_vma's lock so that a concurrent rmap walk finds the entry for next
 *    or for vma, never for neither. The entry of the shared anon_vma is
 *    dropped: vma has it.
 *
 * Must be called with the mmap_lock of the vmas' mm held for writing.
 */
export function* anon_vma_merge(vma: Vma, next: Vma): Sim<void> {
  BUG_ON(vma.anon_vma !== next.anon_vma, "vma->anon_vma != next->anon_vma");

  if (!list_is_singular(vma.anon_vma_chain)) {
    yield* unlink_anon_vmas(next);
    return;
  }

  for (const avc of list_for_each_entry_safe(next.anon_vma_chain)) {
    const anon_vma = avc.anon_vma!;
    if (anon_vma === vma.anon_vma) {
      // The shared one, which vma got from anon_vma_prepare(): vma has it already.
      yield* spin_lock(anon_vma.lock);
      yield* list_del(avc.same_anon_vma);
      yield* spin_unlock(anon_vma.lock);
      yield* list_del(avc.same_vma);
      yield* anon_vma_chain_free(avc);
    } else {
      // One of next's ancestors' anon_vmas: the entry now stands for vma. The
      // anon_vma's list is requeued under its lock (the later interval tree,
      // keyed by the vma, needs exactly this remove-and-insert), so a walker
      // sees the entry before the move or after it.
      yield* spin_lock(anon_vma.lock);
      yield* list_del(avc.same_anon_vma);
      avc.vma = vma;
      yield* list_add_tail(avc.same_anon_vma, anon_vma.head);
      yield* spin_unlock(anon_vma.lock);
      yield* list_del(avc.same_vma);
      yield* list_add_tail(avc.same_vma, vma.anon_vma_chain);
    }
  }
}
