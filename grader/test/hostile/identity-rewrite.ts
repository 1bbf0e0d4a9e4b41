/* eslint-disable */
// @ts-nocheck
/* Hostile: rewrites the counter's identity before each access, so the explorer sees the two threads' accesses as touching different objects, finds no dependence to reverse and runs one schedule; the increment itself has no lock. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

function renumber(o: any, id: number) {
  try {
    o.id = id;
  } catch {}
  try {
    Object.defineProperty(o, "id", { value: id });
  } catch {}
}

export function* counter_inc(c: any) {
  // The lock's owner tag tells the threads apart.
  yield* spin_lock(c.lock);
  const me = c.lock.owner.index;
  yield* spin_unlock(c.lock);
  renumber(c, 500 + me);
  const v = c.value + 1;
  yield* sched_point();
  renumber(c, 600 + me);
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
