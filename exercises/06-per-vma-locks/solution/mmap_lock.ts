/*
 * include/linux/mmap_lock.h, mm/mmap_lock.c - per-VMA locks on one refcount
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
  VMA_REF_LIMIT,
  WARN_ON,
  down_read,
  down_write,
  find_vma,
  lockdep_assert_held,
  rcu_read_lock,
  rcu_read_unlock,
  refcount_add_not_zero,
  refcount_dec_and_test,
  refcount_inc_not_zero_limited,
  refcount_read,
  refcount_set,
  refcount_sub_and_test,
  READ_ONCE,
  data_race,
  up_read,
  up_write,
  wait_event,
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
   * A lockless pre-check; a race only makes it pessimistic, and nothing
   * relies on it: the ordered read of mm_lock_seq is below. The kernel reads
   * both with READ_ONCE() here; data_race() marks them without a scheduling
   * point.
   */
  if (data_race(() => vma.vm_lock_seq === mm.mm_lock_seq)) return null;

  /*
   * Fails on zero (detached) and above VMA_REF_LIMIT: a writer's
   * VMA_LOCK_OFFSET is above the limit, so is a full house of readers.
   */
  if (!(yield* refcount_inc_not_zero_limited(vma.vm_refcnt, VMA_REF_LIMIT))) {
    const oldcnt = yield* refcount_read(vma.vm_refcnt);
    return oldcnt ? null : -EAGAIN;
  }

  /*
   * The reference pins what the vma is now, which may no longer be what we
   * looked up: freed and reused for another mm. Drop it and fall back.
   */
  if (vma.vm_mm !== mm) {
    yield* vma_refcount_put(vma);
    return null;
  }

  /*
   * Locked by a writer who got in before our reference? Read the sequence
   * after taking the reference: a writer that locked the vma has either
   * finished (the sequence moved on) or is still in its write section.
   */
  const seq = yield* raw_read_seqcount(mm);
  if (vma.vm_lock_seq === seq) {
    yield* vma_refcount_put(vma);
    return null;
  }
  return vma;
}

/**
 * vma_end_read - drop a read lock taken by vma_start_read()
 * @vma: the vma
 *
 * Called with the read lock held; no other lock needed.
 */
export function* vma_end_read(vma: Vma): Sim {
  yield* vma_refcount_put(vma);
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
  const tgt_refcnt = VMA_LOCK_OFFSET + (detaching ? 0 : 1);

  if (!(yield* refcount_add_not_zero(vma.vm_refcnt, VMA_LOCK_OFFSET))) return false;
  yield* wait_event(() => vma.vm_refcnt.refs === tgt_refcnt, "readers of the vma to leave");
  return true;
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
  const mm_lock_seq = mm.mm_lock_seq;
  if (vma.vm_lock_seq === mm_lock_seq) return;

  const locked = yield* __vma_enter_locked(vma, false);
  vma.vm_lock_seq = mm_lock_seq;
  if (locked) {
    const detached = yield* __vma_exit_locked(vma);
    WARN_ON(detached, "vma_start_write: vma detached while write-locking it");
  }
}

/**
 * vma_mark_attached - the vma is in its mm's tree: readers may lock it
 * @vma: a detached vma
 *
 * Must be called with @vma write-locked (mm->mmap_lock held for writing).
 */
export function* vma_mark_attached(vma: Vma): Sim {
  vma_assert_write_locked(vma);
  /* refcount_read(): a marked read, as readers may be trying to get in */
  WARN_ON(data_race(() => vma.vm_refcnt.refs) !== 0, "vma_assert_detached");
  yield* refcount_set(vma.vm_refcnt, 1);
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
  vma_assert_write_locked(vma);
  /* refcount_read(): a marked read, as readers may be trying to get in */
  WARN_ON(data_race(() => vma.vm_refcnt.refs) === 0, "vma_assert_attached");

  /* We are the only writer: no need for vma_refcount_put(). */
  if (!(yield* refcount_dec_and_test(vma.vm_refcnt))) {
    /* Wait until the vma is detached with no readers. */
    if (yield* __vma_enter_locked(vma, true)) {
      const detached = yield* __vma_exit_locked(vma);
      WARN_ON(!detached, "vma_mark_detached: vma still attached");
    }
  }
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
  for (;;) {
    yield* rcu_read_lock();
    const found = find_vma(mm, address);
    if (!found) {
      yield* rcu_read_unlock();
      return null;
    }

    const vma = yield* vma_start_read(mm, found);
    if (vma === -EAGAIN) {
      /* The vma was detached after we found it: look again. */
      yield* rcu_read_unlock();
      continue;
    }
    yield* rcu_read_unlock();
    if (vma === null || typeof vma === "number") return null;

    /* Check that the vma we locked is the right one. */
    if (address < vma.vm_start || address >= vma.vm_end) {
      yield* vma_end_read(vma);
      return null;
    }
    return vma;
  }
}
