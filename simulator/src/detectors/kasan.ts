/*
 * KASAN: accesses to freed objects (slab-use-after-free), double frees and
 * frees to the wrong cache. A SLAB_TYPESAFE_BY_RCU cache's freed object is
 * still an object of its type for a reader inside rcu_read_lock(): only an
 * access outside an RCU read-side critical section is reported then.
 */

import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import { containerOf, isFreed, type KObject, M, nameOf } from "../kobject";
import type { KmemCache } from "../slab";

/** Is a cache of this name SLAB_TYPESAFE_BY_RCU in this execution? */
export function cacheIsTypesafe(ex: Execution, name: string | null): boolean {
  if (name === null) return false;
  for (const c of ex.caches.values()) if (c.name === name && c.typesafe) return true;
  return false;
}

/** Is the cache `o` was allocated from SLAB_TYPESAFE_BY_RCU in this execution? (By the cache's identity.) */
function fromTypesafeCache(ex: Execution, o: KObject): boolean {
  const c = M(o).cache;
  return c !== null && ex.caches.get(c)?.typesafe === true;
}

/** An access of field `what` of `inner`, which is freed (itself or its container). */
export function checkFreedAccess(ex: Execution, inner: KObject, write: boolean, what: string): void {
  const t = ex.running;
  if (t === null) return;
  const obj = containerOf(inner);
  if (inner !== obj) what = `${nameOf(inner).startsWith(nameOf(obj)) ? nameOf(inner).slice(nameOf(obj).length + 2) : nameOf(inner)}.${what}`;
  const typesafe = fromTypesafeCache(ex, obj);
  const m = M(obj);
  if (typesafe && t.rcuDepth > 0) return; // SLAB_TYPESAFE_BY_RCU: the memory stays an object of this type
  const fn = ex.userFunction();
  const loc = ex.tracing ? ex.locate() : undefined;
  ex.fail(
    "use-after-free",
    `BUG: KASAN: slab-use-after-free in ${fn}`,
    `${write ? "Write" : "Read"} of ${what} of ${obj.type} ${nameOf(obj)} by task ${t.name}${loc ? ` at ${loc.file}:${loc.line}` : ""}` +
      (typesafe ? " outside an RCU read-side critical section (the cache is SLAB_TYPESAFE_BY_RCU)" : "") +
      `\n\nAllocated by task ${m.allocThread || "setup"} at step ${m.allocStep}${fmtLoc(m.allocLoc)}` +
      `\nFreed by task ${m.freeThread || "setup"} at step ${m.freeStep}${fmtLoc(m.freeLoc)}` +
      `\n\nThe buggy address belongs to the object ${nameOf(obj)} from cache ${m.cacheName ?? "?"}`,
    {
      object: obj.id,
      allocStep: m.allocStep,
      freeStep: m.freeStep,
      accessStep: ex.stepIndex,
      field: what,
      write,
    },
    loc,
  );
}

/** Before `o` is freed to `cache` by `fn`: not freed already, and allocated from that cache. */
export function checkFree(ex: Execution, cache: KmemCache<KObject>, o: KObject, fn: string): void {
  const m = M(o);
  if (isFreed(o)) {
    ex.fail(
      "double-free",
      `BUG: KASAN: double-free in ${fn}`,
      `${o.type} ${nameOf(o)} from cache ${cache.name} is freed a second time.\n\n` +
        `Allocated by task ${m.allocThread || "setup"} at step ${m.allocStep}${fmtLoc(m.allocLoc)}\n` +
        `Freed by task ${m.freeThread || "setup"} at step ${m.freeStep}${fmtLoc(m.freeLoc)}`,
      { object: o.id, allocStep: m.allocStep, freeStep: m.freeStep },
    );
  }
  if (m.cache !== cache) {
    ex.fail(
      "double-free",
      `BUG: ${fn}: Wrong slab cache. ${cache.name} but object is from ${m.cacheName ?? "no cache"}`,
      `${nameOf(o)} is freed to ${cache.name} but was allocated from ${m.cacheName === cache.name ? "another cache of that name" : m.cacheName ?? "no cache"}.`,
    );
  }
}
