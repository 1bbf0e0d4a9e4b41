/*
 * include/linux/mmap_lock.h, mm/mmap_lock.c - per-VMA locks on one refcount
 *
 * STARTER. The functions marked TODO are yours; the mmap_lock helpers,
 * raw_read_seqcount(), vma_assert_write_locked(), vma_refcount_put() and
 * __vma_exit_locked() are given. Every primitive is a scheduling point,
 * driven with yield*; plain field reads and writes between two primitives
 * happen at once.
 *
 * A page fault should not need mm->mmap_lock: it looks the vma up under RCU
 * and read-locks that one vma. The vma's lock and its "attached to the
 * address space" state share one counter, vma->vm_refcnt:
 *
 *   0                        detached (not in the mm's tree, or free)
 *   1                        attached, unlocked
 *   1 + n                    attached, n readers inside
 *   VMA_LOCK_OFFSET + ...    a writer is excluding readers
 *
 * Readers add one with an increment that fails on zero (detached) and above
 * VMA_REF_LIMIT (a writer's VMA_LOCK_OFFSET is set, or too many readers).
 * A writer holds mmap_lock for writing, adds VMA_LOCK_OFFSET and waits for
 * the readers already inside to leave, then marks the vma locked by setting
 * vma->vm_lock_seq to mm->mm_lock_seq. Every vma locked that way is unlocked
 * at once when mmap_write_unlock() moves mm->mm_lock_seq on.
 *
 * vm_area_struct is SLAB_TYPESAFE_BY_RCU: a vma found under rcu_read_lock()
 * may have been freed and reused for another range, or another mm, by the
 * time the reader holds its reference. The reference pins whatever the vma
 * is now; the reader must then check it is still the vma it looked up.
 *
 * Locking:
 *   mm->mmap_lock
 *     vma->vm_refcnt (write side: VMA_LOCK_OFFSET)
 */

import {
  type MmStruct,
  type Sim,
  type Vma,
  BUG_ON,
  VMA_LOCK_OFFSET,
  down_read,
  down_write,
  lockdep_assert_held,
  refcount_dec_and_test,
  refcount_sub_and_test,
  READ_ONCE,
  up_read,
  up_write,
} from "rmap-sim";

export const EAGAIN = 11;

/**
 * mmap_write_lock - lock an address space for writing
 * @mm: the mm
 *
 * Opens a new mm_lock_seq: vmas write-locked from now on carry it.
 * May sleep.
 */
export function* mmap_write_lock(mm: MmStruct): Sim {
  yield* down_write(mm.mmap_lock);
  mm.mm_lock_seq = mm.mm_lock_seq + 1;
}

/**
 * mmap_write_unlock - unlock an address space, and every vma locked under it
 * @mm: the mm
 *
 * vma_end_write_all(): moving mm_lock_seq on unlocks every vma whose
 * vm_lock_seq was set to the old value.
 *
 * Must be called with mm->mmap_lock held for writing.
 */
export function* mmap_write_unlock(mm: MmStruct): Sim {
  mm.mm_lock_seq = mm.mm_lock_seq + 1;
  yield* up_write(mm.mmap_lock);
}

/**
 * mmap_read_lock - lock an address space for reading (the fault's fallback)
 * @mm: the mm
 *
 * May sleep.
 */
export function* mmap_read_lock(mm: MmStruct): Sim {
  yield* down_read(mm.mmap_lock);
}

/**
 * mmap_read_unlock - unlock what mmap_read_lock() locked
 * @mm: the mm
 *
 * Must be called with mm->mmap_lock held for reading.
 */
export function* mmap_read_unlock(mm: MmStruct): Sim {
  yield* up_read(mm.mmap_lock);
}

/**
 * raw_read_seqcount - read mm->mm_lock_seq with acquire semantics
 * @mm: the mm
 *
 * An ordered read of a sequence another CPU may move at any moment, with no
 * lock: a writer may be moving it right now, and the caller validates what
 * it read against a second read. The kernel reads the sequence with
 * READ_ONCE(), a marked access; here too, and it is a scheduling point of
 * its own.
 *
 * Any context.
 */
export function* raw_read_seqcount(mm: MmStruct): Sim<number> {
  return yield* READ_ONCE(mm, "mm_lock_seq");
}

/**
 * vma_assert_write_locked - the caller must hold @vma's write lock
 * @vma: the vma
 *
 * Must be called with mm->mmap_lock held for writing.
 */
export function vma_assert_write_locked(vma: Vma): void {
  const mm = vma.vm_mm!;
  lockdep_assert_held(mm.mmap_lock, "write");
  BUG_ON(vma.vm_lock_seq !== mm.mm_lock_seq, "vma_assert_write_locked: vma not write-locked");
}

/**
 * vma_refcount_put - drop a reader's reference
 * @vma: the vma
 *
 * A writer waiting in __vma_enter_locked() sees the count fall (the
 * simulator's wait_event re-evaluates its condition; the kernel wakes the
 * writer with rcuwait_wake_up()).
 *
 * Called with a reference held, under RCU or not.
 */
export function* vma_refcount_put(vma: Vma): Sim {
  yield* refcount_dec_and_test(vma.vm_refcnt);
}

/**
 * vma_start_read - try to read-lock a vma found under RCU
 * @mm: the mm the vma was looked up in
 * @vma: the vma
 *
 * Returns @vma read-locked; NULL if it is write-locked, has too many
 * readers, or is no longer @mm's (the caller falls back to mmap_lock); or
 * -EAGAIN if it was detached meanwhile (the caller looks it up again).
 * May give a false "locked", never a false "unlocked".
 *
 * Must be called under rcu_read_lock(); returns under it.
 */
export function* vma_start_read(mm: MmStruct, vma: Vma): Sim<Vma | null | number> {
  /*
   * TODO, in this order:
   *  - a cheap pre-check: if vma->vm_lock_seq equals mm->mm_lock_seq the vma
   *    is write-locked: NULL. Both are read without a lock while a writer may
   *    move them: a lockless read on purpose, so mark it (the kernel uses
   *    READ_ONCE(); data_race(() => ...) marks it without a scheduling
   *    point);
   *  - take a reader's reference with refcount_inc_not_zero_limited(
   *    vma.vm_refcnt, VMA_REF_LIMIT); if that fails, refcount_read() tells
   *    why: zero means detached (-EAGAIN, look again), anything else means
   *    a writer or too many readers (NULL, fall back);
   *  - the vma may have been freed and reused since the lookup: if it is not
   *    @mm's any more, drop the reference (vma_refcount_put) and return NULL;
   *  - read mm_lock_seq again with raw_read_seqcount() and, if the vma is
   *    write-locked after all, drop the reference and return NULL.
   */
  void mm;
  void vma;
  return null;
}

/**
 * vma_end_read - drop a read lock taken by vma_start_read()
 * @vma: the vma
 *
 * Called with the read lock held; no other lock needed.
 */
export function* vma_end_read(vma: Vma): Sim {
  /* TODO: give back the reader's reference. */
  void vma;
}

/**
 * __vma_enter_locked - exclude readers from an attached vma
 * @vma: the vma
 * @detaching: the attach reference is already dropped
 *
 * Adds VMA_LOCK_OFFSET, which turns new readers away, and waits until the
 * readers inside have left. Returns false at once if the vma is detached
 * (nobody can be inside). May sleep.
 *
 * Must be called with mm->mmap_lock held for writing.
 */
export function* __vma_enter_locked(vma: Vma, detaching: boolean): Sim<boolean> {
  /*
   * TODO: add VMA_LOCK_OFFSET with refcount_add_not_zero() (false: detached,
   * return false), then wait_event() until the count is exactly
   * VMA_LOCK_OFFSET plus the attach reference (none when @detaching):
   * the readers inside have left. Return true.
   */
  void vma;
  void detaching;
  return false;
}

/**
 * __vma_exit_locked - undo __vma_enter_locked()
 * @vma: the vma
 *
 * Returns true if that left the vma detached (count zero).
 *
 * Must be called with mm->mmap_lock held for writing.
 */
export function* __vma_exit_locked(vma: Vma): Sim<boolean> {
  return yield* refcount_sub_and_test(vma.vm_refcnt, VMA_LOCK_OFFSET);
}

/**
 * vma_start_write - write-lock a vma until mmap_write_unlock()
 * @vma: the vma
 *
 * Waits for the readers inside to leave, then marks the vma locked with
 * the current mm_lock_seq: readers arriving later see it and fall back.
 * May sleep.
 *
 * Must be called with mm->mmap_lock held for writing.
 */
export function* vma_start_write(vma: Vma): Sim {
  const mm = vma.vm_mm!;
  lockdep_assert_held(mm.mmap_lock, "write");
  /*
   * TODO: nothing to do if vm_lock_seq already equals mm->mm_lock_seq.
   * Otherwise exclude and drain the readers (__vma_enter_locked), set
   * vm_lock_seq, and if you entered, leave again (__vma_exit_locked): the
   * write lock is vm_lock_seq from now on, until mmap_write_unlock().
   */
}

/**
 * vma_mark_attached - the vma is in its mm's tree: readers may lock it
 * @vma: a detached vma
 *
 * Must be called with @vma write-locked (mm->mmap_lock held for writing).
 */
export function* vma_mark_attached(vma: Vma): Sim {
  /* TODO: the vma must be write-locked and detached; set the count to 1. */
  void vma;
}

/**
 * vma_mark_detached - the vma left its mm's tree: drop the attach reference
 * @vma: an attached vma
 *
 * A reader may have raised the count between the write lock and now; it
 * will see the lock and leave. Wait for it, so that when this returns the
 * count is zero and the vma may be freed (and reused) at once.
 *
 * Must be called with @vma write-locked (mm->mmap_lock held for writing).
 */
export function* vma_mark_detached(vma: Vma): Sim {
  /*
   * TODO: the vma must be write-locked and attached. Drop the attach
   * reference (refcount_dec_and_test). If that was not the last one, a
   * reader is inside: it will see the write lock and leave, but the vma is
   * freed (and may be reused) as soon as this returns, so wait for it:
   * __vma_enter_locked(vma, true), then __vma_exit_locked().
   */
  void vma;
}

/**
 * lock_vma_under_rcu - find and read-lock the vma of a faulting address
 * @mm: the faulting mm
 * @address: the faulting address
 *
 * Returns the vma containing @address, read-locked (release it with
 * vma_end_read()), or NULL: the caller then takes mmap_lock. Once the
 * reference is held the RCU section ends, and the vma is checked to be
 * the one looked up: it may have been reused for another range.
 *
 * Called without locks; takes and releases rcu_read_lock().
 */
export function* lock_vma_under_rcu(mm: MmStruct, address: number): Sim<Vma | null> {
  /*
   * TODO: under rcu_read_lock(), find_vma(mm, address); none: NULL. Try
   * vma_start_read(): -EAGAIN means look again from the start; NULL means
   * give up. With the reference held the RCU section can end; then check
   * the vma still covers @address (it may have been reused for another
   * range): if not, vma_end_read() and NULL.
   */
  void mm;
  void address;
  return null;
}
