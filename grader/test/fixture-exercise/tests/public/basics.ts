import { check_that, defineSuite } from "rmap-sim/testing";
import type * as Impl from "../../starter/counter";
import { counter_alloc_now } from "../fixture";

export default defineSuite<typeof Impl>((impl) => [
  {
    name: "counts one by one",
    description: "One thread increments twice: the counter reads 2 and each call returns the new value.",
    scenarios: [
      {
        name: "two increments",
        models: "one thread incrementing twice",
        setup: () => ({ c: counter_alloc_now() }),
        threads: [
          {
            name: "inc",
            run: function* (s) {
              const a = yield* impl.counter_inc(s.c);
              const b = yield* impl.counter_inc(s.c);
              return [a, b];
            },
          },
        ],
        check: (s, ctx) => {
          check_that(s.c.value === 2, `the counter reads ${s.c.value} after two increments`);
          check_that(JSON.stringify(ctx.results.inc) === "[1,2]", `counter_inc returned ${JSON.stringify(ctx.results.inc)}, not [1,2]`);
        },
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "record then release",
    description: "One thread records twice and releases: every event must be freed.",
    weight: 2,
    scenarios: [
      {
        name: "record, record, release",
        models: "one thread keeping the last value, then tearing down",
        setup: () => ({ c: counter_alloc_now() }),
        threads: [
          {
            name: "rec",
            run: function* (s) {
              yield* impl.counter_record(s.c);
              yield* impl.counter_record(s.c);
              yield* impl.counter_release(s.c);
            },
          },
        ],
        leakCheck: ["fixture_event"],
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
]);
