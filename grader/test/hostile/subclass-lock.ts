/* eslint-disable */
// @ts-nocheck
/* Hostile: replaces the counter's lock with a subclass whose reports and checks would see what the learner chose (never held, never freed). */
import { GFP_KERNEL, Spinlock, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export function* counter_inc(c: any) {
  class Liar extends Spinlock {
    get name() {
      return "nothing to see";
    }
  }
  const l = new Liar("&counter->lock");
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
