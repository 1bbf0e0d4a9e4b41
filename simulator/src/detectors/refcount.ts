/*
 * refcount_t's warnings (lib/refcount.c): addition on zero, saturation,
 * underflow, and refcount_dec() dropping the last reference. And the same
 * rules for an atomic_t that counts references (atomicCountsReferences in
 * atomic.ts): it never goes below zero, and a thread whose conditional get
 * failed holds no reference to put. Both are reported at the step that
 * breaks them, with the object's get/put history when the run is traced.
 */

import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import { nameOf, type KObject } from "../kobject";
import type { Refcount } from "../refcount";
import type { SourceLocation } from "../report";
import type { ThreadState } from "../thread";

export function refcountWarn(ex: Execution, r: Refcount, headline: string, explain: string): never {
  ex.fail("refcount", `refcount_t: ${headline}`, `WARNING: lib/refcount.c: refcount_t: ${headline}\n${nameOf(r)}: ${explain}`, {
    refcount: nameOf(r),
    object: nameOf(r.container()),
  });
}

/** What one atomic_t operation did to the references its counter counts. */
export type RefcountEffect = "get" | "put" | "failed-get" | "set" | "none";

interface FailedGet {
  op: string;
  step: number;
  loc: SourceLocation | undefined;
}

/** Per counter, in the execution that uses it: each thread's conditional get that failed and was not followed by a get of its own. */
const failedGets = new WeakMap<KObject, { ex: Execution; byThread: Map<number, FailedGet> }>();

function historyOf(ex: Execution, obj: KObject): string {
  const h = ex.history.get(obj.container().id);
  return h ? `\nget/put history of ${nameOf(obj.container())}:\n${h.map((l) => `  ${l}`).join("\n")}` : "";
}

/**
 * Called after each operation on an atomic_t that counts references, with
 * the count before and after it. Reports a count below zero at the step
 * that made it so, and a put by a thread whose last get of this counter
 * failed (it took no reference) at that put, naming the failed get.
 * Precondition: `a` was marked with atomicCountsReferences().
 */
export function atomicRefcountStep(
  ex: Execution,
  t: ThreadState,
  a: KObject,
  op: string,
  before: number,
  after: number,
  effect: RefcountEffect,
): void {
  let st = failedGets.get(a);
  if (st === undefined || st.ex !== ex) failedGets.set(a, (st = { ex, byThread: new Map() }));
  const obj = nameOf(a.container());
  if (effect === "put") {
    const failed = st.byThread.get(t.index);
    if (failed !== undefined) {
      ex.fail(
        "refcount",
        `atomic_t refcount: put without a reference on ${obj}`,
        `WARNING: ${op}(${nameOf(a)}) in ${t.name} drops a reference it never took: its ${failed.op}(${nameOf(a)}) at step ` +
          `${failed.step}${fmtLoc(failed.loc)} returned false, so no reference was taken, and none was taken since. ` +
          `The count goes from ${before} to ${after}: a reference another user holds is dropped, and ${obj} can be freed under that user. ` +
          `When the get fails, the caller must not put.` +
          historyOf(ex, a),
        { refcount: nameOf(a), object: obj, failedGetStep: failed.step },
      );
    }
  } else if (effect === "get" || effect === "set") {
    st.byThread.delete(t.index);
  } else if (effect === "failed-get") {
    st.byThread.set(t.index, { op, step: ex.stepIndex, loc: ex.tracing ? ex.locate() : undefined });
  }
  if (after < 0) {
    ex.fail(
      "refcount",
      `atomic_t refcount: underflow of ${obj}`,
      `WARNING: ${op}(${nameOf(a)}) in ${t.name} took the reference count of ${obj} from ${before} to ${after}: ` +
        "a reference count never goes below zero. A reference was put twice, or put without being taken." +
        historyOf(ex, a),
      { refcount: nameOf(a), object: obj },
    );
  }
}
