/*
 * Public tests, lesson 0: what log_event and log_trim must do, and a first
 * race to read in the timeline.
 */
import { cache_live_count, check_that, defineSuite, type Sim } from "rmap-sim/testing";
import type * as Log from "../../starter/eventlog";
import { drain, seqs } from "../../../lib/tools";

interface S {
  log: Log.EventLog;
}

export default defineSuite<typeof Log>((impl) => {
  const setup = (): S => ({ log: impl.event_log_init() });
  const teardown = (s: S) => drain(s.log, impl.log_event_cachep);
  const one = (name: string, description: string, body: (s: S) => Sim) => ({
    name,
    description,
    scenarios: [
      { name, models: "one thread, no concurrency", setup, threads: [{ name: "task", run: body }], teardown, leakCheck: ["log_event"] },
    ],
    explore: { strategy: "dpor" as const, maxExecutions: 1 },
  });

  return [
    one(
      "log_event counts and links events",
      "Three events logged one after the other: nr_events must be 3 and the list must hold them oldest first, " +
        "with the positions 0, 1, 2 they were given when added.",
      function* (s) {
        for (let i = 0; i < 3; i++) yield* impl.log_event(s.log);
        check_that(s.log.nr_events === 3, `nr_events is ${s.log.nr_events}, expected 3`);
        check_that(seqs(s.log).join() === "0,1,2", `the list holds events [${seqs(s.log).join(", ")}], expected [0, 1, 2]`);
      },
    ),
    one(
      "log_trim removes the oldest event and frees it",
      "log_trim takes the oldest event off the list, counts it out, and gives it back to its slab cache: after " +
        "logging two events and trimming one, one event is left, and only one is still allocated. Trimming an empty " +
        "log returns false.",
      function* (s) {
        yield* impl.log_event(s.log);
        yield* impl.log_event(s.log);
        const r = yield* impl.log_trim(s.log);
        check_that(r === true, "log_trim returned false on a log with two events");
        check_that(s.log.nr_events === 1 && seqs(s.log).join() === "1", `after one trim: nr_events ${s.log.nr_events}, events [${seqs(s.log).join(", ")}]; expected 1 and [1]`);
        check_that(cache_live_count("log_event") === 1, `${cache_live_count("log_event")} events are allocated after the trim, expected 1: free what you trim`);
        yield* impl.log_trim(s.log);
        check_that((yield* impl.log_trim(s.log)) === false, "log_trim must return false on an empty log");
      },
    ),
    {
      name: "two threads log at once",
      description:
        "Two threads call log_event on the same log at the same time, in every interleaving. Without a lock, both can " +
        "read the same nr_events (a lost update: the count ends at 1) or link their entries at the same time (list " +
        "corruption). When this fails, step through the timeline: find where the second thread ran between the " +
        "first thread's read and its write. Taking the spinlock around the allocation fails too: an allocation " +
        "that may sleep must not run under a spinlock.",
      scenarios: [
        {
          name: "log vs log",
          models: "two threads appending to one log",
          setup,
          threads: [
            { name: "thread1", run: (s: S) => impl.log_event(s.log) },
            { name: "thread2", run: (s: S) => impl.log_event(s.log) },
          ],
          check: (s: S) => {
            check_that(s.log.nr_events === 2, `nr_events is ${s.log.nr_events} after two log_event calls: an update was lost`);
            check_that(seqs(s.log).join() === "0,1", `the events have positions [${seqs(s.log).join(", ")}], expected [0, 1]`);
          },
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 500 },
    },
  ];
});
