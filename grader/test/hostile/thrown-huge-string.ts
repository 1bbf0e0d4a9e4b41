/* eslint-disable */
// @ts-nocheck
/* Hostile: throws huge strings (tens of MB) from a test and a huge error message, to exhaust the memory of whatever copies them out of the sandbox. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
const huge = (n: number) => { let s = "x"; while (s.length < n) s += s; return s; };
export function* counter_release(c: any) {
  throw huge(40_000_000);
}
export function* counter_inc(c: any) {
  yield* sched_point();
  throw new Error(huge(30_000_000));
}
export function* counter_record(c: any) {
  const ev = yield* kmem_cache_alloc(c.cachep, GFP_KERNEL);
  throw { message: huge(20_000_000), name: huge(1_000_000) };
}
