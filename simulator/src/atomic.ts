/*
 * atomic_t (include/linux/atomic.h): a counter whose operations are
 * indivisible, each a scheduling point.
 */

import { atomicRefcountStep, type RefcountEffect } from "./detectors/refcount";
import type { Execution } from "./execution";
import { KObject, peek, poke, trackFields, nameOf } from "./kobject";
import { Op, type OpImpl } from "./op";

export const INT_MAX = 0x7fffffff;
export const INT_MIN = -0x80000000;

export class Atomic extends KObject {
  get type(): string {
    return "atomic_t";
  }
  declare counter: number;
  constructor(value = 0, label?: string) {
    super(label);
    poke(this, "counter", value);
  }
  override describe(): Record<string, unknown> {
    return { counter: peek(this, "counter") };
  }
}
trackFields(Atomic, ["counter"]);

/**
 * atomic_t counters that count references (an anon_vma's refcount): the
 * count never goes below zero, and a thread whose get failed holds no
 * reference to put. Other atomic_t counters (a page's _mapcount starts at
 * -1) may take any value.
 */
const refcounts = new WeakSet<Atomic>();

/** Mark `a` as a reference count (see refcounts above). Returns it. */
export function atomicCountsReferences(a: Atomic): Atomic {
  refcounts.add(a);
  return a;
}

/** What an operation did to the references a counter counts, from the value before and after it. */
function effectOf(name: string, arg: number, before: number, after: number): RefcountEffect {
  if (name === "atomic_set") return "set";
  if (after > before) return "get";
  if (after < before) return "put";
  // A conditional get that took nothing: the count was zero (atomic_add_unless(v, n > 0, 0) is the same get).
  return name === "atomic_inc_not_zero" || (name === "atomic_add_unless" && arg > 0) ? "failed-get" : "none";
}

function atomicOp<R>(name: string, f: (a: Atomic, arg: number, arg2: number, ex: Execution) => R): (a: Atomic, arg?: number, arg2?: number) => Op<R> {
  const impl: OpImpl = {
    name,
    perform(op, t, ex) {
      const a = op.obj as Atomic;
      const before = refcounts.has(a) ? peek(a, "counter") : 0;
      const r = f(a, op.arg as number, op.arg2 as number, ex);
      if (ex.tracing) ex.note(a.container(), `${name}(${nameOf(a)}) -> ${peek(a, "counter")}`);
      if (refcounts.has(a)) {
        const after = peek(a, "counter");
        atomicRefcountStep(ex, t, a, name, before, after, effectOf(name, op.arg as number, before, after));
      }
      return r;
    },
    args: (op) => (op.arg === undefined ? undefined : op.arg2 === undefined ? op.arg : [op.arg, op.arg2]),
  };
  return (a, arg, arg2) => {
    if (!KObject.isKObject(a) || !(a instanceof Atomic)) throw new TypeError(`${name}() expects an atomic_t`);
    return new Op<R>(impl, a, arg, arg2);
  };
}

export const atomic_read = atomicOp("atomic_read", (a) => a.counter);
export const atomic_set: (a: Atomic, v: number) => Op<void> = atomicOp("atomic_set", (a, v) => {
  a.counter = v;
});
export const atomic_inc: (a: Atomic) => Op<void> = atomicOp("atomic_inc", (a) => {
  a.counter = (a.counter + 1) | 0;
});
export const atomic_dec: (a: Atomic) => Op<void> = atomicOp("atomic_dec", (a) => {
  a.counter = (a.counter - 1) | 0;
});
export const atomic_add: (a: Atomic, n: number) => Op<void> = atomicOp("atomic_add", (a, n) => {
  a.counter = (a.counter + n) | 0;
});
export const atomic_sub: (a: Atomic, n: number) => Op<void> = atomicOp("atomic_sub", (a, n) => {
  a.counter = (a.counter - n) | 0;
});
export const atomic_inc_return: (a: Atomic) => Op<number> = atomicOp("atomic_inc_return", (a) => (a.counter = (a.counter + 1) | 0));
export const atomic_dec_return: (a: Atomic) => Op<number> = atomicOp("atomic_dec_return", (a) => (a.counter = (a.counter - 1) | 0));
/** Decrement; true if the result is zero. */
export const atomic_dec_and_test: (a: Atomic) => Op<boolean> = atomicOp("atomic_dec_and_test", (a) => (a.counter = (a.counter - 1) | 0) === 0);
/** Increment unless the count is zero; true if incremented. Under RCU this is what keeps a dying object dead. */
export const atomic_inc_not_zero: (a: Atomic) => Op<boolean> = atomicOp("atomic_inc_not_zero", (a) => {
  const v = a.counter;
  if (v === 0) return false;
  a.counter = (v + 1) | 0;
  return true;
});
/** Add `n` unless the count equals `u`; true if added. */
export const atomic_add_unless: (a: Atomic, n: number, u: number) => Op<boolean> = atomicOp("atomic_add_unless", (a, n, u) => {
  const v = a.counter;
  if (v === u) return false;
  a.counter = (v + n) | 0;
  return true;
});
/** Compare and exchange; returns the old value. */
export const atomic_cmpxchg: (a: Atomic, old: number, nu: number) => Op<number> = atomicOp("atomic_cmpxchg", (a, old, nu) => {
  const v = a.counter;
  if (v === old) a.counter = nu;
  return v;
});
