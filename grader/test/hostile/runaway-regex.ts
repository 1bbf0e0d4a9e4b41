/* eslint-disable */
// @ts-nocheck
/* Hostile: a catastrophically backtracking regular expression in counter_inc only: that test must stop alone and leave time for the tests that do not call it. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  /^(a+)+$/.test("a".repeat(40) + "b");
  c.value = v;
  yield* spin_unlock(c.lock);
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
