/* eslint-disable */
// @ts-nocheck
/* Hostile: finds the sandbox require at run time and asks it for fs, child_process and the hidden suite. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
const req = Object.freeze({ f: (0, eval)("require") }).f;
export function* counter_release(c: any) {
  for (const m of ["fs", "node:fs", "child_process", "../tests/hidden/races", "./tests/hidden/races.ts", "../../solution/counter"]) {
    try { req(m); } catch { continue; }
    c.last = null; return;
  }
  throw new Error("no module could be loaded");
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
