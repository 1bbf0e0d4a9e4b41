/*
 * Test-side helpers for lesson 0 (tools of the trade): build a log with
 * events before the threads race, check it against its count, and free
 * whatever is left so kmemleak can judge the functions under test.
 */

import {
  kmem_cache_free,
  KmemCache,
  KObject,
  kstruct,
  list_del,
  list_for_each_entry,
  list_for_each_entry_safe,
  ListHead,
  type Sim,
  type ThreadSpec,
} from "rmap-sim/testing";

/** The shape of the lesson's log, as the tests see it. */
export interface LogLike extends KObject {
  nr_events: number;
  events: ListHead<KObject & { seq: number }>;
}

/** A flag the init thread raises when the scenario's initial state is built. */
export type InitFlag = { done: number } & KObject;
export function initFlag(): InitFlag {
  return kstruct("init_done", { done: 0 });
}

/**
 * Run `init` to completion before the other threads start, as the
 * scenario's prelude: initial events are allocated there, alone, and its
 * steps are not part of the explored schedules.
 */
export function withInit<S extends { init: InitFlag }>(
  init: (s: S) => Sim<unknown>,
  threads: ReadonlyArray<ThreadSpec<S>>,
): { prelude: (s: S) => Sim<unknown>; threads: ReadonlyArray<ThreadSpec<S>> } {
  return {
    prelude: function* (s: S) {
      yield* init(s);
      s.init.done = 1;
    },
    threads,
  };
}

/** The events on the log, oldest first (their seq numbers). Plain reads. */
export function seqs(log: LogLike): number[] {
  return [...list_for_each_entry(log.events)].map((e) => e.seq);
}

/** Free every event still on the log (the scenario's teardown), without the code under test. */
export function* drain<E extends KObject & { node: ListHead }>(log: { events: ListHead<E> }, cachep: KmemCache<E>): Sim {
  for (const ev of list_for_each_entry_safe(log.events)) {
    yield* list_del(ev.node);
    yield* kmem_cache_free(cachep, ev);
  }
}
