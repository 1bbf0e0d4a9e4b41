/* eslint-disable */
// @ts-nocheck
/* Hostile: looks at its callers in new Error().stack and takes the lock only when a frame outside the learner's files (a test, the simulator) is there. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

function watched(): boolean {
  const stack = String(new Error("where am I").stack ?? "");
  return stack.split("\n").some((l) => /^\s+at /.test(l) && !l.includes("submission/"));
}

export function* counter_inc(c: any) {
  const locked = watched();
  if (locked) yield* spin_lock(c.lock);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  if (locked) yield* spin_unlock(c.lock);
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
