/*
 * struct mutex (include/linux/mutex.h): a sleeping lock with one owner.
 */

import { peek, poke, store, trackFields } from "./kobject";
import { checkLock, LockBase, lockOps } from "./lock";
import { Op } from "./op";
import { type ThreadHandle, threadName } from "./thread";

export class Mutex extends LockBase {
  get type(): string {
    return "struct mutex";
  }
  get spins(): boolean {
    return false;
  }
  /** The holder; read-only outside mutex_lock()/mutex_unlock(). */
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
trackFields(Mutex, ["owner"], ["owner"]);

const MUTEX = lockOps<Mutex>(
  { lock: "mutex_lock", unlock: "mutex_unlock" },
  {
    mode: "excl",
    free: (l) => l.owner === null,
    take: (l, t) => store(l, "owner", t.handle),
    drop: (l) => store(l, "owner", null),
  },
  false,
);

export function mutex_lock(lock: Mutex): Op<void> {
  return new Op(MUTEX.lock, checkLock(lock, Mutex, "mutex_lock"));
}
export function mutex_unlock(lock: Mutex): Op<void> {
  return new Op(MUTEX.unlock, checkLock(lock, Mutex, "mutex_unlock"));
}
