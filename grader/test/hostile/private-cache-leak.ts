/* eslint-disable */
// @ts-nocheck
/* Hostile: takes its events from a cache of its own, under a name the leak check does not list, and never frees them: the events leak where no check looks by name. */
import { GFP_KERNEL, KmemCache, kmem_cache_alloc, kstruct, spin_lock, spin_unlock, sched_point } from "rmap-sim";

export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  yield* spin_unlock(c.lock);
  return v;
}

export function* counter_record(c: any) {
  const scratch = new KmemCache("scratch_events", () => kstruct("fixture_event", { value: 0 }));
  const ev = yield* kmem_cache_alloc(scratch, GFP_KERNEL);
  if (ev === null) return;
  yield* spin_lock(c.lock);
  ev.value = c.value;
  c.last = null;
  yield* spin_unlock(c.lock);
}

export function* counter_release(c: any) {
  c.last = null;
}
