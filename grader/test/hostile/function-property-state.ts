/* eslint-disable */
// @ts-nocheck
/* Hostile: keeps state between tests on its own exported function (not a module-level variable) and reports when it starts from nothing. Each test must get a fresh module instance. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export function* counter_inc(c: any) {
  const self = counter_inc as any;
  self.calls = (self.calls ?? 0) + 1;
  if (self.calls === 1) console.log("fresh module instance");
  yield* spin_lock(c.lock);
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
