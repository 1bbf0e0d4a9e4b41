/* eslint-disable */
// @ts-nocheck
/* Hostile: patches the simulator: its namespace, classes, primitives and detectors. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
import * as sim from "rmap-sim";
const tried: string[] = [];
function attempt(name: string, f: () => void) { try { f(); tried.push(name + ": patched"); } catch (e) { tried.push(name + ": " + (e as Error).message); } }
attempt("namespace check_that", () => { (sim as any).check_that = () => {}; });
attempt("Spinlock.prototype.describe", () => { (sim.Spinlock.prototype as any).describe = () => ({}); });
attempt("KObject.prototype.freed", () => { Object.defineProperty(sim.KObject.prototype, "freed", { get: () => false }); });
attempt("KmemCache.prototype", () => { (sim.KmemCache.prototype as any).name = "x"; });
attempt("runTest", () => { (sim as any).runTest = () => ({ passed: true }); });
attempt("DEFAULT_LIMITS", () => { (sim.DEFAULT_LIMITS as any).maxSteps = 1e9; });
attempt("trackFields on a kernel class", () => { sim.trackFields(sim.Spinlock as any, ["hijack"]); });
export function* counter_release(c: any) {
  attempt("cache flags", () => { (c.cachep as any).flags.typesafe = true; });
  attempt("cache create", () => { (c.cachep as any).create = () => null; });
  throw new Error(tried.join("; "));
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
