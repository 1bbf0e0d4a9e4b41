/* eslint-disable */
// @ts-nocheck
/* Hostile: pads each increment with nondeterministic choices that change nothing, so an exhaustive search spends its whole budget on them before it reaches the schedule that loses an update; the increment itself has no lock. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, nondet_bool, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export function* counter_inc(c: any) {
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  for (let i = 0; i < 12; i++) yield* nondet_bool("padding");
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
