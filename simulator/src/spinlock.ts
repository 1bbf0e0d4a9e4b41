/*
 * spinlock_t (include/linux/spinlock.h): a lock whose holder must not sleep
 * until it releases it (might_sleep checks), taken by spin_lock(),
 * spin_lock_nested() (a second lock of one class, nesting annotated for
 * lockdep) and spin_trylock().
 */

import { peek, poke, store, trackFields } from "./kobject";
import { checkLock, LockBase, lockOps } from "./lock";
import { Op } from "./op";
import { type ThreadHandle, threadName } from "./thread";

export class Spinlock extends LockBase {
  get type(): string {
    return "spinlock_t";
  }
  get spins(): boolean {
    return true;
  }
  /** The holder; read-only outside spin_lock()/spin_trylock()/spin_unlock(). */
  declare readonly owner: ThreadHandle | null;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    poke(this, "owner", null);
  }
  override describe(): Record<string, unknown> {
    const owner = peek(this, "owner");
    return { owner: owner === null ? null : threadName(owner) };
  }
}
trackFields(Spinlock, ["owner"], ["owner"]);

const SPIN = lockOps<Spinlock>(
  { lock: "spin_lock", trylock: "spin_trylock", unlock: "spin_unlock" },
  {
    mode: "excl",
    free: (l) => l.owner === null,
    take: (l, t) => store(l, "owner", t.handle),
    drop: (l) => store(l, "owner", null),
  },
  true,
);

/** Acquire a spinlock. The holder must not sleep until spin_unlock(). */
export function spin_lock(lock: Spinlock): Op<void> {
  return new Op(SPIN.lock, checkLock(lock, Spinlock, "spin_lock"));
}
/** SINGLE_DEPTH_NESTING: the subclass for a second lock of the same class. */
export const SINGLE_DEPTH_NESTING = 1;

/**
 * spin_lock_nested(): acquire a spinlock of a class already held, telling
 * lockdep the nesting is intended (copy_pte_range takes the child's and the
 * parent's page-table locks, both of one class).
 */
export function spin_lock_nested(lock: Spinlock, subclass: number): Op<void> {
  return new Op(SPIN.lock, checkLock(lock, Spinlock, "spin_lock_nested"), subclass);
}
/** Try to acquire a spinlock without waiting; true if taken. */
export function spin_trylock(lock: Spinlock): Op<boolean> {
  return new Op(SPIN.trylock!, checkLock(lock, Spinlock, "spin_trylock"));
}
export function spin_unlock(lock: Spinlock): Op<void> {
  return new Op(SPIN.unlock, checkLock(lock, Spinlock, "spin_unlock"));
}
