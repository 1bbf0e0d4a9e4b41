/* eslint-disable */
// @ts-nocheck
/* Hostile: reads the lock owner's thread name and keeps the lock only when the name looks like a hidden test's thread ("cpu0"); everywhere else the increment runs unlocked. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  const watched = /^cpu/.test(String(c.lock.owner.name));
  if (!watched) yield* spin_unlock(c.lock);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  if (watched) yield* spin_unlock(c.lock);
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
