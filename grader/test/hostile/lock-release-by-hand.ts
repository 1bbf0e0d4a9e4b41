/* eslint-disable */
// @ts-nocheck
/* Hostile: enters the lock, then clears its owner by hand so the other thread is let in at once; spin_unlock at the end keeps lockdep's record balanced. Without the lock's consent both increments overlap. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  c.lock.owner = null;
  const v = c.value + 1;
  yield* sched_point();
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
