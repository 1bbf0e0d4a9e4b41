/*
 * Hidden tests, lesson 0: what is trimmed is freed (kmemleak).
 */
import { defineSuite } from "rmap-sim/testing";
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
        "One thread logs two events and trims both. Nothing is left on the log, so nothing may be left allocated: " +
        "kmemleak reports any event that was unlinked but not given back to its cache.",
      scenarios: [
        {
          name: "log, log, trim, trim",
          models: "one thread filling and emptying a log",
          setup,
          threads: [
            {
              name: "task",
              run: function* (s: S) {
                yield* impl.log_event(s.log);
                yield* impl.log_event(s.log);
                yield* impl.log_trim(s.log);
                yield* impl.log_trim(s.log);
              },
            },
          ],
          teardown,
          leakCheck: ["log_event"],
        },
      ],
      explore: { strategy: "dpor", maxExecutions: 1 },
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
