/* eslint-disable */
// @ts-nocheck
/* Hostile: prints and throws terminal escapes (clear screen, set title, colours), bidirectional overrides and NUL, to rewrite the grader's report on a terminal or a page. */
import { GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";
const ESC = "\u001b";
const evil = `${ESC}[2J${ESC}[H${ESC}]0;owned${String.fromCharCode(7)}${ESC}[32mPASS all tests\u202Edesrever\u2066x\u2069\u0000\u0085end`;
console.log(evil);
console.error(evil);
export function* counter_release(c: any) {
  throw new Error(evil);
}

export function* counter_inc(c: any) {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  yield* spin_unlock(c.lock);
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
