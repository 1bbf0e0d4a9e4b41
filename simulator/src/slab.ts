/*
 * Slab caches (include/linux/slab.h): kmem_cache_alloc() and
 * kmem_cache_free(), with fault injection of allocations, and
 * SLAB_TYPESAFE_BY_RCU caches whose freed objects are reused at once for
 * new objects of the same type. An execution keeps each cache's state
 * (live objects, free list) from its first use; kmemleak reads it at the
 * end (detectors/kmemleak.ts), KASAN checks frees (detectors/kasan.ts).
 */

import { cur } from "./current";
import { checkFree } from "./detectors/kasan";
import type { Execution } from "./execution";
import { idOf, KObject, kernelObjectClass, M, markFreed, SLOTS, stripUnsafe, trackedFields } from "./kobject";
import { Op, type OpImpl } from "./op";
import { SimUsageError } from "./report";

export interface CacheFlags {
  /** SLAB_TYPESAFE_BY_RCU: a freed object may be reused at once for a new object of the same type; its memory is not returned while RCU readers may look at it. */
  typesafe: boolean;
}

/** A kmem cache, named as in the kernel. The per-execution state is created on first use. */
export class KmemCache<T extends KObject> {
  /** Brand: a Proxy or look-alike of a cache has none, so the primitives refuse it before their step runs. */
  readonly #cache = true;
  static isKmemCache(v: unknown): v is KmemCache<KObject> {
    return typeof v === "object" && v !== null && #cache in v;
  }
  readonly name: string;
  readonly flags: CacheFlags;
  constructor(
    name: string,
    readonly create: () => T,
    flags: CacheFlags = { typesafe: false },
  ) {
    // A name a report prints: a string, never an object whose toString or Symbol.toPrimitive would run then.
    if (typeof name !== "string") throw new TypeError(`a kmem cache's name must be a string, got ${name === null ? "null" : typeof name}`);
    if (typeof create !== "function") throw new TypeError("a kmem cache needs a constructor function for its objects");
    this.name = stripUnsafe(name);
    // Read once, as data: a getter of code under test must not answer differently later.
    this.flags = Object.freeze({ typesafe: flags?.typesafe === true });
    // Shared by every execution: code under test must not swap the constructor or the flags.
    Object.freeze(this);
  }
}

/**
 * The simulator's own caches (mm_struct, vm_area_struct, anon_vma, page
 * tables): a leak check that names some caches skips the others of these.
 * Every other cache (a test's, the learner's) is always leak-checked: a
 * cache is known by its identity, never by its name.
 */
const kernelCaches = new WeakSet<object>();

export function kernelCache<T extends KObject>(c: KmemCache<T>): KmemCache<T> {
  kernelCaches.add(c);
  return c;
}

export interface CacheState {
  name: string;
  /** One of the simulator's own caches (see kernelCache). */
  kernel: boolean;
  typesafe: boolean;
  live: Set<KObject>;
  freelist: KObject[];
  allocs: number;
  frees: number;
  /** The pseudo-object whose location stands for a type-safe cache's free list, made on first use. */
  anchor: KObject | null;
}

/** Per-scenario overrides of cache flags, installed by the scenario runner. */
export function cacheState(ex: Execution, cache: KmemCache<KObject>): CacheState {
  let s = ex.caches.get(cache);
  if (s === undefined) {
    const override = (ex.modules.get("cache-flags") as Record<string, Partial<CacheFlags>> | undefined)?.[cache.name];
    s = {
      name: cache.name,
      kernel: kernelCaches.has(cache),
      typesafe: override?.typesafe ?? cache.flags.typesafe,
      live: new Set(),
      freelist: [],
      allocs: 0,
      frees: 0,
      anchor: null,
    };
    ex.caches.set(cache, s);
  }
  return s;
}

/** Allocation flags: GFP_KERNEL may sleep; GFP_ATOMIC and GFP_NOWAIT may not. */
export type Gfp = "GFP_KERNEL" | "GFP_ATOMIC" | "GFP_NOWAIT";
export const GFP_KERNEL: Gfp = "GFP_KERNEL";
export const GFP_ATOMIC: Gfp = "GFP_ATOMIC";
export const GFP_NOWAIT: Gfp = "GFP_NOWAIT";

function allSlots(ex: Execution, o: KObject): void {
  ex.touch(o, true);
  for (const s of trackedFields(o).values()) ex.fp.push((idOf(o) * SLOTS + s) * 2 + 1);
  const inner = M(o).embedded;
  if (inner) for (const e of inner) allSlots(ex, e);
}

/** Allocate an object from a cache outside any thread (scenario setup). */
export function allocateNow<T extends KObject>(ex: Execution, cache: KmemCache<T>, thread: string): T {
  const s = cacheState(ex, cache as unknown as KmemCache<KObject>);
  let o: T;
  if (s.typesafe && s.freelist.length > 0) {
    o = s.freelist.pop() as T;
    M(o).gen++;
    markFreed(o, false);
    if (ex.tracking) allSlots(ex, o);
  } else {
    o = cache.create();
  }
  M(o).cacheName = cache.name;
  M(o).cache = cache;
  M(o).allocStep = ex.running ? ex.stepIndex : -1;
  M(o).allocThread = thread;
  M(o).allocLoc = ex.tracing && ex.running ? ex.locate() : undefined;
  M(o).freeStep = -1;
  s.live.add(o);
  s.allocs++;
  if (ex.tracing) ex.note(o, `allocated from ${cache.name}${M(o).gen ? ` (reused, generation ${M(o).gen})` : ""}`);
  return o;
}

export function freeNow(ex: Execution, cache: KmemCache<KObject>, o: KObject, fn: string): void {
  const s = cacheState(ex, cache);
  checkFree(ex, cache, o, fn);
  if (ex.tracking) allSlots(ex, o);
  markFreed(o, true);
  M(o).freeStep = ex.running ? ex.stepIndex : -1;
  M(o).freeThread = ex.running?.name ?? "";
  M(o).freeLoc = ex.tracing && ex.running ? ex.locate() : undefined;
  s.live.delete(o);
  s.frees++;
  if (s.typesafe) {
    s.freelist.push(o);
    ex.touch(cacheAnchor(ex, s), true);
  }
  if (ex.tracing) ex.note(o, `freed to ${cache.name}`);
}

/** A pseudo-object whose location stands for a type-safe cache's free list (reuse order). */
function cacheAnchor(_ex: Execution, s: CacheState): KObject {
  return (s.anchor ??= new Anchor(s.name));
}
class Anchor extends KObject {
  get type(): string {
    return "kmem_cache";
  }
}
kernelObjectClass(Anchor);

const KMEM_CACHE_ALLOC: OpImpl = {
  name: "kmem_cache_alloc",
  sleeps: (op) => op.arg2 === "GFP_KERNEL",
  faultable: (op, ex) => {
    const f = ex.opts.faults;
    if (f === null) return false;
    const c = op.arg as KmemCache<KObject>;
    return f.caches === "all" || f.caches.has(c.name);
  },
  perform(op, t, ex) {
    const c = op.arg as KmemCache<KObject>;
    if (op.fail) {
      ex.traceNote(`fault injection: kmem_cache_alloc(${c.name}) fails`);
      return null;
    }
    const s = cacheState(ex, c);
    if (s.typesafe) ex.touch(cacheAnchor(ex, s), true);
    return allocateNow(ex, c, t.name);
  },
  args: (op) => [(op.arg as KmemCache<KObject>).name, op.arg2],
};

/**
 * Allocate an object. Returns null when the allocation fails (fault
 * injection explores that outcome). GFP_KERNEL may sleep.
 */
export function kmem_cache_alloc<T extends KObject>(cachep: KmemCache<T>, gfp: Gfp = GFP_KERNEL): Op<T | null> {
  if (!KmemCache.isKmemCache(cachep)) throw new TypeError("kmem_cache_alloc() expects a kmem cache");
  return new Op(KMEM_CACHE_ALLOC, null, cachep, gfp);
}

const KMEM_CACHE_FREE: OpImpl = {
  name: "kmem_cache_free",
  perform(op, _t, ex) {
    freeNow(ex, op.arg as KmemCache<KObject>, op.obj!, "kmem_cache_free");
  },
  args: (op) => (op.arg as KmemCache<KObject>).name,
};

/** Return an object to its cache. Any later access is a use-after-free (KASAN). */
export function kmem_cache_free<T extends KObject>(cachep: KmemCache<T>, obj: T): Op<void> {
  if (!KmemCache.isKmemCache(cachep)) throw new TypeError("kmem_cache_free() expects a kmem cache");
  if (!KObject.isKObject(obj)) throw new TypeError(`kmem_cache_free(${cachep.name}) expects an object, got ${obj === null ? "null" : typeof obj}`);
  return new Op(KMEM_CACHE_FREE, obj, cachep);
}

/**
 * Allocate from a cache in a scenario's setup (outside any thread): no
 * scheduling point, no fault injection. Inside a thread use
 * `yield* kmem_cache_alloc(cachep)`.
 */
export function kmem_cache_alloc_now<T extends KObject>(cachep: KmemCache<T>): T {
  const ex = cur();
  if (ex.running !== null) {
    throw new SimUsageError("kmem_cache_alloc_now() is for scenario setup; a thread allocates with yield* kmem_cache_alloc()");
  }
  return allocateNow(ex, cachep, "setup");
}
