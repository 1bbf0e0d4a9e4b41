/*
 * Hidden tests, lesson 0: both ends of the log under concurrency, every
 * interleaving explored (DPOR).
 */
import { check_that, defineSuite, isFreed, type Sim } from "rmap-sim/testing";
import type * as Log from "../../starter/eventlog";
import { drain, type InitFlag, initFlag, seqs, withInit } from "../../../lib/tools";

interface S {
  log: Log.EventLog;
  init: InitFlag;
}

export default defineSuite<typeof Log>((impl) => {
  const setup = (): S => ({ log: impl.event_log_init(), init: initFlag() });
  const teardown = (s: S) => drain(s.log, impl.log_event_cachep);
  const prefill = (n: number) =>
    function* (s: S): Sim {
      for (let i = 0; i < n; i++) yield* impl.log_event(s.log);
    };
  const consistent = (s: S, what: string) => {
    const n = seqs(s.log).length;
    check_that(s.log.nr_events === n, `${what}: nr_events is ${s.log.nr_events} but ${n} events are on the list`);
  };

  return [
    {
      name: "log and trim at once",
      description:
        "One thread appends to a log that holds one event while another trims it. Both ends of the list and the " +
        "count change: the two sides must take the same lock, or the count goes wrong or the list is corrupted.",
      scenarios: [
        {
          name: "log vs trim",
          models: "an append and a trim of one log at the same time",
          setup,
          ...withInit<S>(prefill(1), [
            { name: "logger", run: (s: S) => impl.log_event(s.log) },
            { name: "trimmer", run: (s: S) => impl.log_trim(s.log) },
          ]),
          check: (s: S, ctx) => {
            check_that(ctx.results.trimmer === true, "the trim found the log empty although it held an event");
            const ev = ctx.results.logger as Log.LogEvent | null;
            check_that(
              ev !== null && !isFreed(ev) && seqs(s.log).includes(ev.seq),
              `log_event() returned ${ev === null ? "null" : `an event (seq ${ev.seq})`}: the test expected the event it appended, which is on the log`,
            );
            consistent(s, "after one append and one trim");
            check_that(seqs(s.log).length === 1, `${seqs(s.log).length} events left, expected 1`);
          },
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 1000 },
    },
    {
      name: "two trims at once",
      description:
        "Two threads trim a log of two events at the same time. Each must remove a different event, the count must " +
        "reach 0, and neither may free an event the other is still unlinking.",
      scenarios: [
        {
          name: "trim vs trim",
          models: "two threads trimming one log",
          setup,
          ...withInit<S>(prefill(2), [
            { name: "trim1", run: (s: S) => impl.log_trim(s.log) },
            { name: "trim2", run: (s: S) => impl.log_trim(s.log) },
          ]),
          check: (s: S, ctx) => {
            check_that(ctx.results.trim1 === true && ctx.results.trim2 === true, "a trim found the log empty although it held two events");
            consistent(s, "after two trims");
          },
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 1000 },
    },
    {
      name: "two loggers and a trimmer",
      description:
        "Three threads on one log holding one event: two append, one trims. At the end the count must match the " +
        "list, and the events left must be the two new ones.",
      scenarios: [
        {
          name: "log vs log vs trim",
          models: "two appends and a trim of one log at the same time",
          setup,
          ...withInit<S>(prefill(1), [
            { name: "logger1", run: (s: S) => impl.log_event(s.log) },
            { name: "logger2", run: (s: S) => impl.log_event(s.log) },
            { name: "trimmer", run: (s: S) => impl.log_trim(s.log) },
          ]),
          check: (s: S) => {
            consistent(s, "after two appends and a trim");
            check_that(seqs(s.log).length === 2, `${seqs(s.log).length} events left, expected 2`);
          },
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 5000 },
    },
  ];
});
