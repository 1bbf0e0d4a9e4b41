import { defineSuite } from "rmap-sim/testing";
import type * as Impl from "../../starter/counter";
import { counter_alloc_now } from "../fixture";

export default defineSuite<typeof Impl>((impl) => [
  {
    name: "racing records leave nothing behind",
    description: "Two threads record at once, then the counter is torn down: every event must be freed exactly once.",
    scenarios: [
      {
        name: "record vs record, then release",
        models: "two CPUs logging events, then teardown",
        setup: () => ({ c: counter_alloc_now() }),
        threads: [
          { name: "cpu0", run: (s) => impl.counter_record(s.c) },
          { name: "cpu1", run: (s) => impl.counter_record(s.c) },
        ],
        teardown: (s) => impl.counter_release(s.c),
        leakCheck: ["fixture_event"],
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 500 },
  },
]);
