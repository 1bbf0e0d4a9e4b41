/*
 * struct rw_semaphore (include/linux/rwsem.h): a sleeping lock held by one
 * writer or by any number of readers.
 */

import { lockdepAcquire, popHeld, pushHeld } from "./detectors/lockdep";
import { peek, poke, trackFields } from "./kobject";
import { checkLock, LockBase, type LockLike, lockArgs } from "./lock";
import { Op, type OpImpl } from "./op";
import type { ThreadHandle } from "./thread";

export class RwSemaphore extends LockBase {
  get type(): string {
    return "struct rw_semaphore";
  }
  readonly spins = false;
  declare writer: ThreadHandle | null;
  declare readers: number;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    poke(this, "writer", null);
    poke(this, "readers", 0);
  }
  override describe(): Record<string, unknown> {
    return { writer: peek(this, "writer")?.name ?? null, readers: peek(this, "readers") };
  }
}
trackFields(RwSemaphore, ["writer", "readers"]);

const DOWN_READ: OpImpl = {
  name: "down_read",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "read", "down_read"),
  enabled: (op) => (op.obj as RwSemaphore).writer === null,
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    s.readers = s.readers + 1;
    pushHeld(ex, t, s, "read", op);
  },
  args: lockArgs,
};
const DOWN_READ_TRYLOCK: OpImpl = {
  name: "down_read_trylock",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    if (s.writer !== null) return false;
    s.readers = s.readers + 1;
    pushHeld(ex, t, s, "read", op);
    return true;
  },
  args: lockArgs,
};
const UP_READ: OpImpl = {
  name: "up_read",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    popHeld(ex, t, s, "read", "up_read");
    s.readers = s.readers - 1;
  },
  args: lockArgs,
};
const DOWN_WRITE: OpImpl = {
  name: "down_write",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "down_write", (op.arg as number | undefined) ?? 0),
  enabled: (op) => (op.obj as RwSemaphore).writer === null && (op.obj as RwSemaphore).readers === 0,
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    s.writer = t.handle;
    pushHeld(ex, t, s, "excl", op);
  },
  args: lockArgs,
};
const DOWN_WRITE_TRYLOCK: OpImpl = {
  name: "down_write_trylock",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    if (s.writer !== null || s.readers !== 0) return false;
    s.writer = t.handle;
    pushHeld(ex, t, s, "excl", op);
    return true;
  },
  args: lockArgs,
};
const UP_WRITE: OpImpl = {
  name: "up_write",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    popHeld(ex, t, s, "excl", "up_write");
    s.writer = null;
  },
  args: lockArgs,
};
export function down_read(sem: RwSemaphore): Op<void> {
  return new Op(DOWN_READ, checkLock(sem, RwSemaphore, "down_read"));
}
export function down_read_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(DOWN_READ_TRYLOCK, checkLock(sem, RwSemaphore, "down_read_trylock"));
}
export function up_read(sem: RwSemaphore): Op<void> {
  return new Op(UP_READ, checkLock(sem, RwSemaphore, "up_read"));
}
export function down_write(sem: RwSemaphore): Op<void> {
  return new Op(DOWN_WRITE, checkLock(sem, RwSemaphore, "down_write"));
}
/** down_write_nested(): a second rw_semaphore of one class, nesting annotated for lockdep. */
export function down_write_nested(sem: RwSemaphore, subclass: number): Op<void> {
  return new Op(DOWN_WRITE, checkLock(sem, RwSemaphore, "down_write_nested"), subclass);
}
export function down_write_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(DOWN_WRITE_TRYLOCK, checkLock(sem, RwSemaphore, "down_write_trylock"));
}
export function up_write(sem: RwSemaphore): Op<void> {
  return new Op(UP_WRITE, checkLock(sem, RwSemaphore, "up_write"));
}
