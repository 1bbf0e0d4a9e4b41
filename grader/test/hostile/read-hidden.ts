/* eslint-disable */
// @ts-nocheck
/* Hostile: tries to read the hidden tests and the solution: Function.prototype.toString of every value it receives, stack traces, callers. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
function collect(root: any): string {
  const seen = new Set<any>();
  const out: string[] = [];
  const visit = (v: any, depth: number) => {
    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v) || depth > 6) return;
    seen.add(v);
    if (typeof v === "function") { try { out.push(Function.prototype.toString.call(v)); } catch {} }
    for (const k of Reflect.ownKeys(v)) {
      let d: any;
      try { d = Object.getOwnPropertyDescriptor(v, k); } catch { continue; }
      if (!d) continue;
      for (const x of [d.value, d.get, d.set]) visit(x, depth + 1);
    }
    try { visit(Object.getPrototypeOf(v), depth + 1); } catch {}
  };
  visit(root, 0);
  try { out.push(new Error("probe").stack ?? ""); } catch {}
  try { (Error as any).prepareStackTrace = (_e: any, cs: any[]) => cs.map((s) => String(s.getFunction?.()) + String(s.getThis?.())); out.push(String(new Error("p2").stack)); } catch {}
  try { out.push(String((counter_release as any).caller)); } catch {}
  return out.join("\n---\n");
}
export function* counter_release(c: any) { throw new Error(collect(c) + collect(c.cachep)); }

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
