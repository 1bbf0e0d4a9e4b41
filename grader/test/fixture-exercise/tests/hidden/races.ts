import { check_that, defineSuite } from "rmap-sim/testing";
import type * as Impl from "../../starter/counter";
import { counter_alloc_now } from "../fixture";

export default defineSuite<typeof Impl>((impl) => [
  {
    name: "two increments race",
    description: "Two threads increment at once: no increment may be lost.",
    scenarios: [
      {
        name: "inc vs inc",
        models: "two CPUs bumping one shared counter",
        setup: () => ({ c: counter_alloc_now() }),
        threads: [
          { name: "cpu0", run: (s) => impl.counter_inc(s.c) },
          { name: "cpu1", run: (s) => impl.counter_inc(s.c) },
        ],
        check: (s) => check_that(s.c.value === 2, `the counter reads ${s.c.value} after two increments: an update was lost`),
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 500 },
  },
]);
