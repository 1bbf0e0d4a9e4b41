/* eslint-disable */
// @ts-nocheck
/* Hostile: patches the simulator: its namespace, classes, primitives and detectors. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
import * as sim from "rmap-sim";
// The patches run inside a function: module-level state is refused before anything runs.
export function* counter_release(c: any) {
  const tried = Object.freeze((() => { const a: string[] = []; return { push: (s: string) => { a.push(s); }, join: (sep: string) => a.join(sep) }; })());
  function attempt(name: string, f: () => void) { try { f(); tried.push(name + ": patched"); } catch (e) { tried.push(name + ": " + (e as Error).message); } }
  attempt("namespace spin_lock", () => { (sim as any).spin_lock = () => {}; });
  attempt("Spinlock.prototype.describe", () => { (sim.Spinlock.prototype as any).describe = () => ({}); });
  attempt("KObject.prototype.freed", () => { Object.defineProperty(sim.KObject.prototype, "freed", { get: () => false }); });
  attempt("KmemCache.prototype", () => { (sim.KmemCache.prototype as any).name = "x"; });
  attempt("namespace kmem_cache_free", () => { (sim as any).kmem_cache_free = () => {}; });
  // The test side of the simulator is not reachable from learner code at all.
  const internals = Object.freeze(["trackFields", "DEFAULT_LIMITS", "runTest", "check_that", "explore", "Op", "allocateNow", "runAtomically"]);
  tried.push("internals: " + (internals.filter((k) => (sim as any)[k] !== undefined).join(",") || "none"));
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
