/*
 * spinlock_t (include/linux/spinlock.h): a lock whose holder must not sleep
 * until it releases it (might_sleep checks), taken by spin_lock(),
 * spin_lock_nested() (a second lock of one class, nesting annotated for
 * lockdep) and spin_trylock().
 */

import { lockdepAcquire, popHeld, pushHeld } from "./detectors/lockdep";
import { peek, poke, trackFields } from "./kobject";
import { checkLock, LockBase, type LockLike, lockArgs } from "./lock";
import { Op, type OpImpl } from "./op";
import type { ThreadHandle } from "./thread";

export class Spinlock extends LockBase {
  get type(): string {
    return "spinlock_t";
  }
  readonly spins = true;
  declare owner: ThreadHandle | null;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    poke(this, "owner", null);
  }
  override describe(): Record<string, unknown> {
    return { owner: peek(this, "owner")?.name ?? null };
  }
}
trackFields(Spinlock, ["owner"]);

const SPIN_LOCK: OpImpl = {
  name: "spin_lock",
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "spin_lock", (op.arg as number | undefined) ?? 0),
  enabled: (op) => (op.obj as Spinlock).owner === null,
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    l.owner = t.handle;
    pushHeld(ex, t, l, "excl", op);
  },
  args: lockArgs,
};

const SPIN_TRYLOCK: OpImpl = {
  name: "spin_trylock",
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    if (l.owner !== null) return false;
    l.owner = t.handle;
    pushHeld(ex, t, l, "excl", op);
    return true;
  },
  args: lockArgs,
};

const SPIN_UNLOCK: OpImpl = {
  name: "spin_unlock",
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    popHeld(ex, t, l, "excl", "spin_unlock");
    l.owner = null;
  },
  args: lockArgs,
};

/** Acquire a spinlock. The holder must not sleep until spin_unlock(). */
export function spin_lock(lock: Spinlock): Op<void> {
  return new Op(SPIN_LOCK, checkLock(lock, Spinlock, "spin_lock"));
}
/** SINGLE_DEPTH_NESTING: the subclass for a second lock of the same class. */
export const SINGLE_DEPTH_NESTING = 1;

/**
 * spin_lock_nested(): acquire a spinlock of a class already held, telling
 * lockdep the nesting is intended (copy_pte_range takes the child's and the
 * parent's page-table locks, both of one class).
 */
export function spin_lock_nested(lock: Spinlock, subclass: number): Op<void> {
  return new Op(SPIN_LOCK, checkLock(lock, Spinlock, "spin_lock_nested"), subclass);
}
/** Try to acquire a spinlock without waiting; true if taken. */
export function spin_trylock(lock: Spinlock): Op<boolean> {
  return new Op(SPIN_TRYLOCK, checkLock(lock, Spinlock, "spin_trylock"));
}
export function spin_unlock(lock: Spinlock): Op<void> {
  return new Op(SPIN_UNLOCK, checkLock(lock, Spinlock, "spin_unlock"));
}
