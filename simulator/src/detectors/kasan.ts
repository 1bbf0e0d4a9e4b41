/*
 * KASAN: accesses to freed objects (slab-use-after-free), double frees and
 * frees to the wrong cache. A SLAB_TYPESAFE_BY_RCU cache's freed object is
 * still an object of its type for a reader inside rcu_read_lock(): only an
 * access outside an RCU read-side critical section is reported then.
 */

import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import type { KObject } from "../kobject";
import type { CacheState, KmemCache } from "../slab";

/** Is the named cache SLAB_TYPESAFE_BY_RCU in this execution? */
export function cacheIsTypesafe(ex: Execution, name: string | null): boolean {
  if (name === null) return false;
  const c = ex.caches.get(name) as CacheState | undefined;
  return c?.typesafe === true;
}

/** An access of field `what` of `inner`, which is freed (itself or its container). */
export function checkFreedAccess(ex: Execution, inner: KObject, write: boolean, what: string): void {
  const t = ex.running;
  if (t === null) return;
  const obj = inner.container();
  if (inner !== obj) what = `${inner.name.startsWith(obj.name) ? inner.name.slice(obj.name.length + 2) : inner.name}.${what}`;
  const typesafe = cacheIsTypesafe(ex, obj.cacheName);
  if (typesafe && t.rcuDepth > 0) return; // SLAB_TYPESAFE_BY_RCU: the memory stays an object of this type
  const fn = ex.userFunction();
  const loc = ex.tracing ? ex.locate() : undefined;
  ex.fail(
    "use-after-free",
    `BUG: KASAN: slab-use-after-free in ${fn}`,
    `${write ? "Write" : "Read"} of ${what} of ${obj.type} ${obj.name} by task ${t.name}` +
      (typesafe ? " outside an RCU read-side critical section (the cache is SLAB_TYPESAFE_BY_RCU)" : "") +
      `\n\nAllocated by task ${obj.allocThread || "setup"} at step ${obj.allocStep}${fmtLoc(obj.allocLoc)}` +
      `\nFreed by task ${obj.freeThread || "setup"} at step ${obj.freeStep}${fmtLoc(obj.freeLoc)}` +
      `\n\nThe buggy address belongs to the object ${obj.name} from cache ${obj.cacheName ?? "?"}`,
    {
      object: obj.id,
      allocStep: obj.allocStep,
      freeStep: obj.freeStep,
      accessStep: ex.stepIndex,
      field: what,
      write,
    },
    loc,
  );
}

/** Before `o` is freed to `cache` by `fn`: not freed already, and allocated from that cache. */
export function checkFree(ex: Execution, cache: KmemCache<KObject>, o: KObject, fn: string): void {
  if (o.freed) {
    ex.fail(
      "double-free",
      `BUG: KASAN: double-free in ${fn}`,
      `${o.type} ${o.name} from cache ${cache.name} is freed a second time.\n\n` +
        `Allocated by task ${o.allocThread || "setup"} at step ${o.allocStep}${fmtLoc(o.allocLoc)}\n` +
        `Freed by task ${o.freeThread || "setup"} at step ${o.freeStep}${fmtLoc(o.freeLoc)}`,
      { object: o.id, allocStep: o.allocStep, freeStep: o.freeStep },
    );
  }
  if (o.cacheName !== cache.name) {
    ex.fail(
      "double-free",
      `BUG: ${fn}: Wrong slab cache. ${cache.name} but object is from ${o.cacheName ?? "no cache"}`,
      `${o.name} is freed to ${cache.name} but was allocated from ${o.cacheName ?? "no cache"}.`,
    );
  }
}
