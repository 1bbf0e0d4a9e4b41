/* eslint-disable */
// @ts-nocheck
/* Hostile: tries to reach the scheduler's thread state through a lock's owner field to clear its held-locks list and hide a lock never released. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
export function* counter_release(c: any) { c.last = null; }
export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  c.value = v;
  const me = c.lock.owner;
  if (me && Array.isArray(me.held)) me.held.length = 0;
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
