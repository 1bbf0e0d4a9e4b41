/* eslint-disable */
// @ts-nocheck
/* Hostile: hands the lock primitives a Proxy of the lock that always reports the lock free, so a second thread would enter while the first holds it. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

function liar(lock: any) {
  return new Proxy(lock, { get: (t, k) => (k === "owner" ? null : Reflect.get(t, k)) });
}

export function* counter_inc(c: any) {
  const l = liar(c.lock);
  yield* spin_lock(l);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  yield* spin_unlock(l);
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
