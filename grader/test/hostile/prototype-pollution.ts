/* eslint-disable */
// @ts-nocheck
/* Hostile: patches Object.prototype, Array.prototype, Map.prototype and Set.prototype to hide leaks and fake checks. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
// The patches run inside a function: module-level state is refused before anything runs.
export function* counter_release(c: any) {
  const tried = Object.freeze((() => { const a: string[] = []; return { push: (s: string) => { a.push(s); }, join: (sep: string) => a.join(sep) }; })());
  function attempt(name: string, f: () => void) { try { f(); tried.push(name + ": patched"); } catch (e) { tried.push(name + ": " + (e as Error).message); } }
  attempt("Set.prototype.values", () => { (Set.prototype as any).values = function () { return [][Symbol.iterator](); }; });
  attempt("Map.prototype.get", () => { (Map.prototype as any).get = function () { return undefined; }; });
  attempt("Array.prototype.push", () => { (Array.prototype as any).push = function () { return 0; }; });
  attempt("Object.prototype.passed", () => { (Object.prototype as any).passed = true; });
  attempt("JSON.stringify", () => { (JSON as any).stringify = () => "{\"passed\":true}"; });
  attempt("Error.prototype.message", () => { Object.defineProperty(Error.prototype, "name", { value: "Passed" }); });
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
