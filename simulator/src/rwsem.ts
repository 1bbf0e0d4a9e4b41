/*
 * struct rw_semaphore (include/linux/rwsem.h): a sleeping lock held by one
 * writer or by any number of readers.
 */

import { peek, poke, store, trackFields } from "./kobject";
import { checkLock, LockBase, lockOps } from "./lock";
import { Op } from "./op";
import { type ThreadHandle, threadName } from "./thread";

export class RwSemaphore extends LockBase {
  get type(): string {
    return "struct rw_semaphore";
  }
  get spins(): boolean {
    return false;
  }
  /** The writer and the number of readers; read-only outside the down/up primitives. */
  declare readonly writer: ThreadHandle | null;
  declare readonly readers: number;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    poke(this, "writer", null);
    poke(this, "readers", 0);
  }
  override describe(): Record<string, unknown> {
    const writer = peek(this, "writer");
    return { writer: writer === null ? null : threadName(writer), readers: peek(this, "readers") };
  }
}
trackFields(RwSemaphore, ["writer", "readers"], ["writer", "readers"]);

const READ = lockOps<RwSemaphore>(
  { lock: "down_read", trylock: "down_read_trylock", unlock: "up_read" },
  {
    mode: "read",
    free: (s) => s.writer === null,
    take: (s) => store(s, "readers", s.readers + 1),
    drop: (s) => store(s, "readers", s.readers - 1),
  },
  false,
);
const WRITE = lockOps<RwSemaphore>(
  { lock: "down_write", trylock: "down_write_trylock", unlock: "up_write" },
  {
    mode: "excl",
    free: (s) => s.writer === null && s.readers === 0,
    take: (s, t) => store(s, "writer", t.handle),
    drop: (s) => store(s, "writer", null),
  },
  false,
);

export function down_read(sem: RwSemaphore): Op<void> {
  return new Op(READ.lock, checkLock(sem, RwSemaphore, "down_read"));
}
export function down_read_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(READ.trylock!, checkLock(sem, RwSemaphore, "down_read_trylock"));
}
export function up_read(sem: RwSemaphore): Op<void> {
  return new Op(READ.unlock, checkLock(sem, RwSemaphore, "up_read"));
}
export function down_write(sem: RwSemaphore): Op<void> {
  return new Op(WRITE.lock, checkLock(sem, RwSemaphore, "down_write"));
}
/** down_write_nested(): a second rw_semaphore of one class, nesting annotated for lockdep. */
export function down_write_nested(sem: RwSemaphore, subclass: number): Op<void> {
  return new Op(WRITE.lock, checkLock(sem, RwSemaphore, "down_write_nested"), subclass);
}
export function down_write_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(WRITE.trylock!, checkLock(sem, RwSemaphore, "down_write_trylock"));
}
export function up_write(sem: RwSemaphore): Op<void> {
  return new Op(WRITE.unlock, checkLock(sem, RwSemaphore, "up_write"));
}
