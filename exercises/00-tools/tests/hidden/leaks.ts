/*
 * Hidden tests, lesson 0: what is trimmed is freed (kmemleak).
 */
import { check_that, defineSuite } from "rmap-sim/testing";
import type * as Log from "../../starter/eventlog";
import { drain, type InitFlag, initFlag, withInit } from "../../../lib/tools";

interface S {
  log: Log.EventLog;
  init: InitFlag;
}

export default defineSuite<typeof Log>((impl) => {
  const setup = (): S => ({ log: impl.event_log_init(), init: initFlag() });
  const teardown = (s: S) => drain(s.log, impl.log_event_cachep);
  return [
    {
      name: "every trimmed event is freed",
      description:
        "One thread logs two events and trims both, while each event allocation may fail (each one, and both in one " +
        "run). A failed log_event() returns null and leaves the log as it was; a trim of what was logged empties it. " +
        "Nothing is left on the log, so nothing may be left allocated: kmemleak reports any event that was unlinked " +
        "but not given back to its cache.",
      scenarios: [
        {
          name: "log, log, trim, trim",
          models: "one thread filling and emptying a log, with event allocations that may fail",
          setup,
          threads: [
            {
              name: "task",
              run: function* (s: S) {
                let logged = 0;
                for (const call of ["first", "second"]) {
                  const before = s.log.nr_events;
                  const ev = yield* impl.log_event(s.log);
                  if (ev === null) {
                    check_that(
                      s.log.nr_events === before,
                      `the ${call} log_event() failed (returned null) but the log's count went from ${before} to ${s.log.nr_events}: the test expected the log as it was`,
                    );
                  } else logged++;
                }
                for (let i = 0; i < logged; i++) {
                  check_that(yield* impl.log_trim(s.log), `log_trim() found the log empty after ${logged} event(s) were logged and ${i} trimmed`);
                }
                check_that(s.log.nr_events === 0, `the log counts ${s.log.nr_events} event(s) after every logged event was trimmed, the test expected 0`);
              },
            },
          ],
          teardown,
          leakCheck: ["log_event"],
          faults: { caches: ["log_event"], maxFailures: 2 },
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 10 },
      requireComplete: true,
    },
    {
      name: "racing trims free each event once",
      description:
        "Two threads trim a log of two events at once. Each event must be freed exactly once: never twice, never " +
        "while the other thread still uses it, and never forgotten.",
      scenarios: [
        {
          name: "trim vs trim, then check kmemleak",
          models: "two threads emptying one log",
          setup,
          ...withInit<S>(
            function* (s) {
              yield* impl.log_event(s.log);
              yield* impl.log_event(s.log);
            },
            [
              { name: "trim1", run: (s: S) => impl.log_trim(s.log) },
              { name: "trim2", run: (s: S) => impl.log_trim(s.log) },
            ],
          ),
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 1000 },
    },
  ];
});
