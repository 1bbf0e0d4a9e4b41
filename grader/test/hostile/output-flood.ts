/* eslint-disable */
// @ts-nocheck
/* Hostile: floods the console. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
export function* counter_release(c: any) {
  for (let i = 0; i < 200_000; i++) console.log("flood " + i + " " + "x".repeat(500));
  for (let i = 0; i < 100_000; i++) console.error("more " + i);
}

export function* counter_inc(c: any) {
  const v = c.value + 1;
  yield* sched_point();
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
