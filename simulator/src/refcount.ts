/*
 * refcount_t (include/linux/refcount.h): a reference count that saturates
 * instead of wrapping and warns on addition to zero, underflow and a
 * refcount_dec() that drops the last reference (see detectors/refcount.ts).
 */

import { refcountWarn } from "./detectors/refcount";
import type { Execution } from "./execution";
import { INT_MAX, INT_MIN } from "./atomic";
import { KObject, peek, poke, trackFields, nameOf } from "./kobject";
import { Op, type OpImpl } from "./op";

/** refcount_t's saturation value (INT_MIN / 2): a saturated count never reaches zero again. */
export const REFCOUNT_SATURATED = INT_MIN / 2;

export class Refcount extends KObject {
  get type(): string {
    return "refcount_t";
  }
  declare refs: number;
  constructor(value = 1, label?: string) {
    super(label);
    poke(this, "refs", value);
  }
  override describe(): Record<string, unknown> {
    return { refs: peek(this, "refs") };
  }
}
trackFields(Refcount, ["refs"]);

function refOp<R>(name: string, f: (r: Refcount, arg: number, ex: Execution) => R): (r: Refcount, arg?: number) => Op<R> {
  const impl: OpImpl = {
    name,
    perform(op, _t, ex) {
      const r = op.obj as Refcount;
      const res = f(r, op.arg as number, ex);
      if (ex.tracing) ex.note(r.container(), `${name}(${nameOf(r)}${op.arg !== undefined ? `, ${op.arg}` : ""}) -> ${peek(r, "refs")}`);
      return res;
    },
    args: (op) => op.arg,
  };
  return (r, arg) => {
    if (!KObject.isKObject(r) || !(r instanceof Refcount)) throw new TypeError(`${name}() expects a refcount_t`);
    return new Op<R>(impl, r, arg);
  };
}

function refAdd(ex: Execution, r: Refcount, n: number): void {
  const old = r.refs;
  if (old === 0) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "addition on 0; use-after-free.", "the count was already zero: the object is being freed, and taking a reference resurrects it. Use refcount_inc_not_zero() where the count may have dropped to zero.");
  }
  if (old < 0 || old + n > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED: the object will never be freed.");
  }
  r.refs = old + n;
}

function refSubAndTest(ex: Execution, r: Refcount, n: number): boolean {
  const old = r.refs;
  if (old < 0) {
    refcountWarn(ex, r, "saturated; leaking memory.", "the count was saturated; it stays pinned.");
  }
  const nu = old - n;
  if (nu < 0) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "underflow; use-after-free.", `the count was ${old} and ${n} reference${n > 1 ? "s were" : " was"} dropped: a reference was put twice, or put without being taken.`);
  }
  r.refs = nu;
  return nu === 0;
}

export const refcount_read = refOp("refcount_read", (r) => r.refs);
export const refcount_set: (r: Refcount, n: number) => Op<void> = refOp("refcount_set", (r, n) => {
  r.refs = n;
});
/** Take a reference. The count must not be zero (use refcount_inc_not_zero for lookups). */
export const refcount_inc: (r: Refcount) => Op<void> = refOp("refcount_inc", (r, _n, ex) => refAdd(ex, r, 1));
export const refcount_add: (r: Refcount, n: number) => Op<void> = refOp("refcount_add", (r, n, ex) => refAdd(ex, r, n));
/** Take a reference unless the count is zero; true if taken. */
export const refcount_inc_not_zero: (r: Refcount) => Op<boolean> = refOp("refcount_inc_not_zero", (r, _n, ex) => {
  const old = r.refs;
  if (old === 0) return false;
  if (old < 0 || old + 1 > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED.");
  }
  r.refs = old + 1;
  return true;
});
export const refcount_add_not_zero: (r: Refcount, n: number) => Op<boolean> = refOp("refcount_add_not_zero", (r, n, ex) => {
  const old = r.refs;
  if (old === 0) return false;
  if (old < 0 || old + n > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED.");
  }
  r.refs = old + n;
  return true;
});
/**
 * Take a reference unless the count is zero or the result would exceed
 * `limit`; true if taken. (The per-VMA lock's reader limit.)
 */
export const refcount_inc_not_zero_limited: (r: Refcount, limit: number) => Op<boolean> = refOp(
  "__refcount_inc_not_zero_limited",
  (r, limit) => {
    const old = r.refs;
    if (old === 0 || old + 1 > limit) return false;
    r.refs = old + 1;
    return true;
  },
);
/** Drop a reference that is not the last one (warns if it was). */
export const refcount_dec: (r: Refcount) => Op<void> = refOp("refcount_dec", (r, _n, ex) => {
  if (refSubAndTest(ex, r, 1)) {
    refcountWarn(ex, r, "decrement hit 0; leaking memory.", "refcount_dec() dropped the last reference, so nobody frees the object: use refcount_dec_and_test().");
  }
});
/** Drop a reference; true if it was the last one (the caller frees). */
export const refcount_dec_and_test: (r: Refcount) => Op<boolean> = refOp("refcount_dec_and_test", (r, _n, ex) => refSubAndTest(ex, r, 1));
export const refcount_sub_and_test: (r: Refcount, n: number) => Op<boolean> = refOp("refcount_sub_and_test", (r, n, ex) => refSubAndTest(ex, r, n));
