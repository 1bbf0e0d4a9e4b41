/*
 * What every sleeping or spinning lock shares: lockdep's class key, and
 * whether holding it makes the holder atomic (a spinlock) or not.
 */

import { KObject } from "./kobject";
import type { Op } from "./op";

export interface LockLike extends KObject {
  readonly lockClass: string;
  readonly spins: boolean;
}

export abstract class LockBase extends KObject implements LockLike {
  abstract readonly spins: boolean;
  /**
   * @param lockClass lockdep's class key: every lock initialised at the same place shares it
   *                  ("&anon_vma->rwsem", "&mm->page_table_lock").
   */
  constructor(readonly lockClass: string, label?: string) {
    super(label);
  }
}

/** A lock primitive's argument: a lock of class `cls`, or a TypeError naming the primitive. */
export function checkLock<T>(lock: unknown, cls: abstract new (...a: never[]) => T, fn: string): T & KObject {
  if (!(lock instanceof cls)) {
    throw new TypeError(`${fn}() expects a ${cls.name}, got ${lock === null ? "null" : typeof lock === "object" ? (lock as object).constructor?.name ?? "object" : typeof lock}`);
  }
  return lock as T & KObject;
}

/** A lock op's argument in the trace: the lock's class. */
export function lockArgs(op: Op): unknown {
  return op.obj ? (op.obj as LockLike).lockClass : undefined;
}
