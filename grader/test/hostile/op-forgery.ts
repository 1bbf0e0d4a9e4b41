/* eslint-disable */
// @ts-nocheck
/* Hostile: forges a primitive (a hand-made Op) whose perform() receives the execution, then empties the leak detector's live set. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
import { spin_lock as sl } from "rmap-sim";
const impl = Object.freeze({
  name: "spin_lock",
  reached(_op: any, _t: any, ex: any) { for (const [, st] of ex.caches) st.live.clear(); },
  perform(_op: any, _t: any, ex: any) { for (const [, st] of ex.caches) st.live.clear(); },
});
export function* counter_release(c: any) {
  const real: any = sl(c.lock);
  yield* real;
  yield* spin_unlock(c.lock);
  let viaConstructor: any = null;
  try { viaConstructor = new (Object.getPrototypeOf(real).constructor)(impl, null); } catch {}
  if (viaConstructor !== null) { yield* viaConstructor; return; }
  const forged: any = Object.create(Object.getPrototypeOf(real));
  Object.assign(forged, { impl, obj: null, arg: undefined, arg2: undefined, state: 1, phase: 0, fail: false, done: { done: true, value: undefined } });
  yield forged;
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
