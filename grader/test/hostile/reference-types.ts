/* eslint-disable */
// @ts-nocheck
/* Hostile: a triple-slash types reference: makes the compiler search the grader's disk for type packages. */
/// <reference types="node" />
import { type KObject, type KmemCache, type Sim, type Spinlock, GFP_KERNEL, kmem_cache_alloc, kmem_cache_free, sched_point, spin_lock, spin_unlock } from "rmap-sim";

export type FixtureEvent = KObject & { value: number };
export type Counter = KObject & { lock: Spinlock; value: number; last: FixtureEvent | null; cachep: KmemCache<FixtureEvent> };

/**
 * counter_inc - add one to the counter
 * @c: the counter
 *
 * Returns the new value. Takes and releases c->lock.
 */
export function* counter_inc(c: Counter): Sim<number> {
  yield* spin_lock(c.lock);
  const v = c.value + 1;
  yield* sched_point();
  c.value = v;
  yield* spin_unlock(c.lock);
  return v;
}

/**
 * counter_record - remember the current value in a new event, dropping the previous one
 * @c: the counter
 *
 * Allocates outside the lock (the allocation may sleep); frees the old event after dropping it.
 */
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

/**
 * counter_release - free the last event (at teardown)
 * @c: the counter
 *
 * Runs alone: no other thread uses the counter any more.
 */
export function* counter_release(c: Counter): Sim<void> {
  const ev = c.last;
  c.last = null;
  if (ev !== null) yield* kmem_cache_free(c.cachep, ev);
}
