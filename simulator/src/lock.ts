/*
 * What every sleeping or spinning lock shares: lockdep's class key, whether
 * holding it makes the holder atomic (a spinlock) or not, and the shape of
 * its acquire, trylock and release operations.
 *
 * A lock's state (owner, writer, reader count) is read-only to code under
 * test: only the operations built here change it, so a lock is never
 * entered or left without the scheduler's consent and lockdep's record.
 */

import { lockdepAcquire, popHeld, pushHeld } from "./detectors/lockdep";
import { KObject, stripUnsafe } from "./kobject";
import type { Op, OpImpl } from "./op";
import type { ThreadState } from "./thread";

export interface LockLike extends KObject {
  readonly lockClass: string;
  readonly spins: boolean;
}

export abstract class LockBase extends KObject implements LockLike {
  /** Does holding it make the thread atomic (a spinlock)? A getter of the class: no instance can say otherwise. */
  abstract get spins(): boolean;
  /** lockdep's class key: private, so code under test cannot move a lock to another class. */
  readonly #lockClass: string;
  /**
   * @param lockClass lockdep's class key: every lock initialised at the same place shares it
   *                  ("&anon_vma->rwsem", "&mm->page_table_lock").
   */
  constructor(lockClass: string, label?: string) {
    super(label);
    if (typeof lockClass !== "string") throw new TypeError(`a lock's class must be a string, got ${lockClass === null ? "null" : typeof lockClass}`);
    this.#lockClass = stripUnsafe(lockClass);
  }
  get lockClass(): string {
    return this.#lockClass;
  }
}

/**
 * A lock primitive's argument: a lock of class `cls` made by the simulator,
 * or a TypeError naming the primitive. A Proxy of a lock has none of the
 * lock's private fields and is refused here, before it reaches lockdep or the
 * scheduler.
 */
export function checkLock<T>(lock: unknown, cls: abstract new (...a: never[]) => T, fn: string): T & KObject {
  if (!KObject.isKObject(lock) || !(lock instanceof cls)) {
    throw new TypeError(`${fn}() expects a ${cls.name}, got ${lock === null ? "null" : typeof lock === "object" ? (lock as object).constructor?.name ?? "object" : typeof lock}`);
  }
  return lock as T & KObject;
}

/** A lock op's argument in the trace: the lock's class. */
export function lockArgs(op: Op): unknown {
  return op.obj ? (op.obj as LockLike).lockClass : undefined;
}

/** One way of holding a lock: exclusively (an owner, a writer) or shared (a reader). */
export interface HoldMode<L extends LockLike> {
  readonly mode: "excl" | "read";
  /** Can `t` take the lock this way now? Reads the lock's state through its tracked accessors. */
  free(l: L): boolean;
  /** Record `t` as a holder (store() of the lock's read-only state). */
  take(l: L, t: ThreadState): void;
  /** Record that one holder of this mode let go. */
  drop(l: L): void;
}

/** The names of one hold mode's operations; a mode without a trylock has none. */
export interface LockOpNames {
  readonly lock: string;
  readonly trylock?: string;
  readonly unlock: string;
}

/**
 * The acquire, trylock and release operations of one hold mode. Acquire is
 * checked by lockdep when reached (op.arg is the nesting subclass, if any),
 * enabled only when the lock is free for that mode, and may sleep unless the
 * lock spins; release pops the holder's lockdep record before the state.
 */
export function lockOps<L extends LockLike>(names: LockOpNames, how: HoldMode<L>, spins: boolean): { lock: OpImpl; trylock: OpImpl | null; unlock: OpImpl } {
  const lock: OpImpl = {
    name: names.lock,
    sleeps: !spins,
    reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as L, how.mode, names.lock, (op.arg as number | undefined) ?? 0),
    enabled: (op) => how.free(op.obj as L),
    perform(op, t, ex) {
      const l = op.obj as L;
      how.take(l, t);
      pushHeld(ex, t, l, how.mode, op);
    },
    args: lockArgs,
  };
  const trylock: OpImpl | null =
    names.trylock === undefined
      ? null
      : {
          name: names.trylock,
          perform(op, t, ex) {
            const l = op.obj as L;
            if (!how.free(l)) return false;
            how.take(l, t);
            pushHeld(ex, t, l, how.mode, op);
            return true;
          },
          args: lockArgs,
        };
  const unlock: OpImpl = {
    name: names.unlock,
    perform(op, t, ex) {
      const l = op.obj as L;
      popHeld(ex, t, l, how.mode, names.unlock);
      how.drop(l);
    },
    args: lockArgs,
  };
  return { lock, trylock, unlock };
}
