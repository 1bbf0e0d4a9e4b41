/* eslint-disable */
/* Harmless: the solution with text the hardened-JavaScript source checks reject when it appears anywhere (<!--, -->, import(, eval( in strings, templates, regular expressions and comments). It must score exactly as the solution does. */
// A comment with <!-- an html comment --> and import("x") and eval("1").
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock, type KmemCache, type KObject, type Sim, type Spinlock } from "rmap-sim";

export const NOTE = "see <!-- this --> and import(this) and eval(that)";
export const pattern = (): RegExp => /<!--|-->|import\(|eval\(/;
export const TEMPLATE = (x: number): string => `value ${x} --> import( ${"<!--"}`;

export type FixtureEvent = KObject & { value: number };
export type Counter = KObject & { lock: Spinlock; value: number; last: FixtureEvent | null; cachep: KmemCache<FixtureEvent> };

export function* counter_inc(c: Counter): Sim<number> {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  yield* sched_point(); /* import(nothing) --> */
  c.value = v;
  yield* spin_unlock(c.lock);
  return pattern().test(NOTE) && TEMPLATE(1).length > 0 ? v : -1;
}

export function* counter_record(c: Counter): Sim<void> {
  const ev = yield* kmem_cache_alloc(c.cachep, GFP_KERNEL);
  if (ev === null) return;
  yield* spin_lock(c.lock);
  ev.value = c.value;
  const old = c.last;
  c.last = ev;
  yield* spin_unlock(c.lock);
  if (old !== null) yield* kmem_cache_free(c.cachep, old);
}

export function* counter_release(c: Counter): Sim<void> {
  const ev = c.last;
  c.last = null;
  if (ev !== null) yield* kmem_cache_free(c.cachep, ev);
}
