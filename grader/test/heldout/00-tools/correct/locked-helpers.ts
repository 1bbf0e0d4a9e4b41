/*
 * Held-out correct submission: locked-helpers
 * Correct: the list and count updates live in two helpers that assert
 * log->lock is held (lockdep_assert_held); log_trim returns early from inside
 * the locked section through a single unlock, and frees after it.
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
  list_empty,
  list_for_each_entry,
  ListHead,
  lockdep_assert_held,
  type Sim,
  spin_lock,
  spin_unlock,
  Spinlock,
} from "rmap-sim";

export type LogEvent = { seq: number; node: ListHead<LogEvent> } & KObject;
export type EventLog = { lock: Spinlock; nr_events: number; events: ListHead<LogEvent> } & KObject;

export const log_event_cachep = new KmemCache<LogEvent>("log_event", () => {
  const ev = kstruct("log_event", { seq: 0, node: null as unknown as ListHead<LogEvent> }) as LogEvent;
  ev.node = ev.embed(new ListHead<LogEvent>(ev), "node");
  return ev;
});

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

export function list_first_entry_or_null(head: ListHead<LogEvent>): LogEvent | null {
  for (const ev of list_for_each_entry(head)) return ev;
  return null;
}

/** __log_push - link ev at the tail and number it. Requires log->lock. */
function* __log_push(log: EventLog, ev: LogEvent): Sim {
  lockdep_assert_held(log.lock);
  ev.seq = log.nr_events;
  yield* list_add_tail(ev.node, log.events);
  log.nr_events = ev.seq + 1;
}

/** __log_pop - unlink the oldest event, or null if none. Requires log->lock. */
function* __log_pop(log: EventLog): Sim<LogEvent | null> {
  lockdep_assert_held(log.lock);
  if (list_empty(log.events)) return null;
  const ev = list_first_entry_or_null(log.events)!;
  const nr = log.nr_events;
  yield* list_del(ev.node);
  log.nr_events = nr - 1;
  return ev;
}

export function* log_event(log: EventLog): Sim<LogEvent | null> {
  const ev = yield* kmem_cache_alloc(log_event_cachep, GFP_KERNEL);
  if (!ev) return null;
  yield* spin_lock(log.lock);
  yield* __log_push(log, ev);
  yield* spin_unlock(log.lock);
  return ev;
}

export function* log_trim(log: EventLog): Sim<boolean> {
  yield* spin_lock(log.lock);
  const ev = yield* __log_pop(log);
  yield* spin_unlock(log.lock);
  if (!ev) return false;
  yield* kmem_cache_free(log_event_cachep, ev);
  return true;
}
