/*
 * The fixture's shared setup: a counter with its lock and the cache its
 * events come from.
 */
import { KmemCache, Spinlock, kstruct } from "rmap-sim/testing";
import type { Counter, FixtureEvent } from "../starter/counter";

export const event_cachep = new KmemCache<FixtureEvent>("fixture_event", () => kstruct("fixture_event", { value: 0 }) as FixtureEvent);

export function counter_alloc_now(): Counter {
  return kstruct("counter", {
    lock: new Spinlock("&counter->lock", "counter.lock"),
    value: 0,
    last: null as FixtureEvent | null,
    cachep: event_cachep,
  }, "counter") as Counter;
}
