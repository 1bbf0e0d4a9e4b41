/*
 * Marked accesses and compiler barriers (include/linux/compiler.h):
 * READ_ONCE() and WRITE_ONCE() (scheduling points of their own), data_race()
 * for a lockless read whose race is harmless, and barrier(): a scheduling
 * point that does nothing else.
 */

import { cur } from "./current";
import { KObject, trackedFields, nameOf } from "./kobject";
import { Op, type OpImpl } from "./op";

const READ_ONCE_OP: OpImpl = {
  name: "READ_ONCE",
  perform: (op) => (op.obj as unknown as Record<string, unknown>)[op.arg as string],
  args: (op) => `${nameOf(op.obj!)}.${String(op.arg)}`,
};
const WRITE_ONCE_OP: OpImpl = {
  name: "WRITE_ONCE",
  perform(op) {
    (op.obj as unknown as Record<string, unknown>)[op.arg as string] = op.arg2;
  },
  args: (op) => `${nameOf(op.obj!)}.${String(op.arg)}`,
};

function checkField(obj: unknown, field: unknown, fn: string): KObject {
  if (!KObject.isKObject(obj)) throw new TypeError(`${fn}() expects a kernel object and a field name`);
  if (typeof field !== "string" || !trackedFields(obj).has(field)) {
    throw new TypeError(`${fn}(${nameOf(obj)}, ${String(field)}): not a tracked field of ${obj.type}`);
  }
  return obj;
}

/**
 * READ_ONCE(obj, "field"): a marked read of a shared field, for a read
 * that is lockless on purpose (a fast-path check before taking the lock, a
 * flag polled in a loop). It is a scheduling point of its own, so other
 * threads can run between it and what the thread does next.
 */
export function READ_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K): Op<T[K]> {
  return new Op<T[K]>(READ_ONCE_OP, checkField(obj, field, "READ_ONCE"), field);
}

/** WRITE_ONCE(obj, "field", v): a marked store to a shared field; a scheduling point of its own. */
export function WRITE_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K, value: T[K]): Op<void> {
  return new Op<void>(WRITE_ONCE_OP, checkField(obj, field, "WRITE_ONCE"), field, value);
}

/**
 * data_race(() => expr): evaluate `expr` with its plain reads exempt from
 * the data-race detector (the kernel's data_race()), for a lockless read
 * whose value may be stale on purpose: a statistic, a hint that is checked
 * again under the lock. Not a scheduling point.
 */
export function data_race<T>(expr: () => T): T {
  const k = cur().kcsan;
  if (k === null) return expr();
  k.quiet++;
  try {
    return expr();
  } finally {
    k.quiet--;
  }
}

const YIELD_POINT: OpImpl = { name: "sched_point", perform() {} };
/** A scheduling point that does nothing else: lets another thread run here. */
export function sched_point(): Op<void> {
  return new Op(YIELD_POINT, null);
}
