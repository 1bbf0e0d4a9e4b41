/* eslint-disable */
// @ts-nocheck
/* Hostile: throws objects whose toString, Symbol.toPrimitive, getters and name run learner code in the report, to fake a message or break the harness. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
export function* counter_release(c: any) {
  const liar = Object.freeze({
    toString() { return "passed (all schedules explored)"; },
    [Symbol.toPrimitive]() { return "passed (all schedules explored)"; },
    get message() { return "passed (LIAR getter)"; },
    get name() { throw new Error("name getter"); },
  });
  throw liar;
}
export function* counter_inc(c: any) {
  yield* sched_point();
  const e = new Error("x");
  Object.defineProperty(e, "message", { get() { return "LIAR getter on an Error"; } });
  throw e;
}
export function* counter_record(c: any) {
  yield* sched_point();
  throw Object.assign(function liarFn() {}, { toString() { return "LIAR function"; } });
}
