/*
 * Held-out correct submission: trylock-cpu-relax
 * Correct: both sides take log->lock with a spin_trylock() loop that lets the
 * other thread run between attempts (cpu_relax),
 * instead of spin_lock(). The critical sections are those of the reference.
 */
/*
 * eventlog.c - a shared event log: a counter and a list under one spinlock
 *
 * The smallest piece of kernel-style shared state: a log that any thread may
 * append an event to and that any thread may trim from the front. Two fields
 * change together, the count of events (log->nr_events) and the list of
 * events (log->events), and both are protected by log->lock.
 *
 * What the lock prevents:
 *  - a lost update: two threads read the same nr_events and both store
 *    their own nr + 1, so one increment disappears;
 *  - list corruption: list_add and list_del read the neighbours of the entry
 *    and then write the links; two unlocked updates of the same list
 *    interleave between the two halves (CONFIG_DEBUG_LIST catches it).
 *
 * What the lock forbids: sleeping while holding it. kmem_cache_alloc() with
 * GFP_KERNEL may sleep, so events are allocated before taking the lock, and
 * freed after dropping it.
 *
 * Lock ordering: log->lock is a leaf lock; nothing else is taken under it.
 */

import {
  GFP_KERNEL,
  type KObject,
  KmemCache,
  kmem_cache_alloc,
  kmem_cache_free,
  kstruct,
  list_add_tail,
  list_del,
  list_for_each_entry,
  ListHead,
  type Sim,
  cpu_relax,
  spin_trylock,
  spin_unlock,
  Spinlock,
} from "rmap-sim";

/** One event: its position in the log when it was added, and its list entry. */
export type LogEvent = { seq: number; node: ListHead<LogEvent> } & KObject;

/** The log: a spinlock, the number of events, and the events oldest first. */
export type EventLog = { lock: Spinlock; nr_events: number; events: ListHead<LogEvent> } & KObject;

/** The slab cache events are allocated from (kmemleak watches it). */
export const log_event_cachep = new KmemCache<LogEvent>("log_event", () => {
  const ev = kstruct("log_event", { seq: 0, node: null as unknown as ListHead<LogEvent> }) as LogEvent;
  ev.node = ev.embed(new ListHead<LogEvent>(ev), "node");
  return ev;
});

/** event_log_init - a new, empty log (for a scenario's setup). */
export function event_log_init(label = "log"): EventLog {
  const log = kstruct("event_log", {
    lock: null as unknown as Spinlock,
    nr_events: 0,
    events: null as unknown as ListHead<LogEvent>,
  }, label) as EventLog;
  log.lock = log.embed(new Spinlock("&log->lock"), "lock");
  log.events = log.embed(new ListHead<LogEvent>(null), "events");
  return log;
}

/** list_first_entry_or_null - the oldest event, or null. A plain read. */
export function list_first_entry_or_null(head: ListHead<LogEvent>): LogEvent | null {
  for (const ev of list_for_each_entry(head)) return ev;
  return null;
}

/** log_lock - spin on spin_trylock() until log->lock is ours, relaxing between tries. */
function* log_lock(log: EventLog): Sim {
  while (!(yield* spin_trylock(log.lock))) yield* cpu_relax();
}

/**
 * log_event - append a new event to the log
 * @log: the log
 *
 * The event is allocated first, with GFP_KERNEL, which may sleep: no
 * spinlock may be held. Then, under log->lock, it takes the next position,
 * is linked at the tail, and the count is stored back.
 *
 * Returns the new event, or null if the allocation failed.
 *
 * Must be called without log->lock held.
 */
export function* log_event(log: EventLog): Sim<LogEvent | null> {
  const ev = yield* kmem_cache_alloc(log_event_cachep, GFP_KERNEL);
  if (ev === null) return null;

  yield* log_lock(log);
  /* a read-modify-write of the count that spans the list update */
  const nr = log.nr_events;
  ev.seq = nr;
  yield* list_add_tail(ev.node, log.events);
  log.nr_events = nr + 1;
  yield* spin_unlock(log.lock);

  return ev;
}

/**
 * log_trim - remove the oldest event from the log and free it
 * @log: the log
 *
 * The event is unlinked and counted out under log->lock, and freed after the
 * unlock: once it is off the list no other thread can reach it.
 *
 * Returns true if an event was removed, false if the log was empty.
 *
 * Must be called without log->lock held.
 */
export function* log_trim(log: EventLog): Sim<boolean> {
  yield* log_lock(log);
  const ev = list_first_entry_or_null(log.events);
  if (ev === null) {
    yield* spin_unlock(log.lock);
    return false;
  }
  const nr = log.nr_events;
  yield* list_del(ev.node);
  log.nr_events = nr - 1;
  yield* spin_unlock(log.lock);

  yield* kmem_cache_free(log_event_cachep, ev);
  return true;
}
