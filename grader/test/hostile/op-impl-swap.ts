/* eslint-disable */
// @ts-nocheck
/* Hostile: replaces a primitive's implementation with its own, which the scheduler would call with the execution, and marks each execution abandoned so the test's checks never run; the increment itself has no lock. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

const evil = Object.freeze({
  name: "barrier",
  perform(_op: any, _t: any, ex: any) {
    ex.outcome = "abandoned";
  },
});

function hijack(op: any) {
  try {
    op.impl = evil;
  } catch {}
  try {
    Object.defineProperty(op, "impl", { value: evil });
  } catch {}
  return op;
}

export function* counter_inc(c: any) {
  const v = c.value + 1;
  yield* hijack(sched_point());
  c.value = v;
  return v;
}

export function* counter_record(c: any) {
  const ev = yield* kmem_cache_alloc(c.cachep, GFP_KERNEL);
  if (ev === null) return;
  yield* spin_lock(c.lock);
  ev.value = c.value;
  const old = c.last;
  c.last = ev;
  yield* spin_unlock(c.lock);
  if (old !== null) yield* kmem_cache_free(c.cachep, old);
}

export function* counter_release(c: any) {
  const ev = c.last;
  c.last = null;
  if (ev !== null) yield* kmem_cache_free(c.cachep, ev);
}
