/*
 * struct mutex (include/linux/mutex.h): a sleeping lock with one owner.
 */

import { lockdepAcquire, popHeld, pushHeld } from "./detectors/lockdep";
import { peek, poke, trackFields } from "./kobject";
import { checkLock, LockBase, type LockLike, lockArgs } from "./lock";
import { Op, type OpImpl } from "./op";
import type { ThreadHandle } from "./thread";

export class Mutex extends LockBase {
  get type(): string {
    return "struct mutex";
  }
  readonly spins = false;
  declare owner: ThreadHandle | null;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    poke(this, "owner", null);
  }
  override describe(): Record<string, unknown> {
    return { owner: peek(this, "owner")?.name ?? null };
  }
}
trackFields(Mutex, ["owner"]);

const MUTEX_LOCK: OpImpl = {
  name: "mutex_lock",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "mutex_lock"),
  enabled: (op) => (op.obj as Mutex).owner === null,
  perform(op, t, ex) {
    (op.obj as Mutex).owner = t.handle;
    pushHeld(ex, t, op.obj as Mutex, "excl", op);
  },
  args: lockArgs,
};
const MUTEX_UNLOCK: OpImpl = {
  name: "mutex_unlock",
  perform(op, t, ex) {
    popHeld(ex, t, op.obj as Mutex, "excl", "mutex_unlock");
    (op.obj as Mutex).owner = null;
  },
  args: lockArgs,
};
export function mutex_lock(lock: Mutex): Op<void> {
  return new Op(MUTEX_LOCK, checkLock(lock, Mutex, "mutex_lock"));
}
export function mutex_unlock(lock: Mutex): Op<void> {
  return new Op(MUTEX_UNLOCK, checkLock(lock, Mutex, "mutex_unlock"));
}
