/*
 * Hidden, lesson 0: generated mixes of appends and trims. Each shape is a
 * log prefilled with 0 to 3 events and 2 or 3 threads, each running 1 or 2
 * operations (log_event or log_trim), with event allocations that may fail;
 * every interleaving is explored (DPOR, within the budget). A failing shape
 * is shrunk to a small one before it is shown.
 *
 * Oracles, valid for every interleaving: the count matches the list; every
 * event is on the list, or was trimmed and freed, or was never allocated;
 * the number left is the prefill plus the appends that succeeded minus the
 * trims that succeeded; a trim fails only if the log could have been empty
 * (more trims than events that were ever there); when no trim runs, the
 * events' positions (seq) are exactly 0, 1, 2, ... in list order, so two
 * appends never take the same position.
 */
import { check_that, defineSuite, type Scenario, type Sim } from "rmap-sim/testing";
import type * as Log from "../../starter/eventlog";
import { drain, type InitFlag, initFlag, seqs, withInit } from "../../../lib/tools";
import { type Draw, shapeTest } from "../../../lib/shapes";

type OpKind = "log" | "trim";

interface Shape {
  prefill: number;
  threads: OpKind[][];
  /** Event allocations that may fail in one run (0: none). */
  failures: number;
}

interface S {
  log: Log.EventLog;
  init: InitFlag;
  /** Per thread, per operation: what it returned. */
  out: Array<Array<Log.LogEvent | null | boolean>>;
}

function generate(d: Draw): Shape {
  // About a third of the shapes only append: there the positions (seq) must come out 0, 1, 2, ...
  const appendsOnly = d.chance(35);
  const op = (e: Draw): OpKind => (!appendsOnly && e.chance(50) ? "trim" : "log");
  return {
    prefill: d.int(0, 3),
    threads: d.array(2, 3, 40, (e) => e.array(1, 2, 35, op)),
    // One failure, or two in one run (a retry or another thread's append failing too).
    failures: d.chance(25) ? d.int(1, 2) : 0,
  };
}

function describe(sh: Shape): string {
  const t = sh.threads.map((ops, i) => `thread ${i + 1}: ${ops.join(", ")}`).join("; ");
  return `a log of ${sh.prefill} event${sh.prefill === 1 ? "" : "s"}; ${t}${sh.failures ? `; up to ${sh.failures} event allocation${sh.failures === 1 ? "" : "s"} may fail` : ""}`;
}

export default defineSuite<typeof Log>((impl) => {
  const scenario = (sh: Shape): Scenario<S> => ({
    name: describe(sh),
    models: `appends and trims of one log by ${sh.threads.length} threads at once, from ${sh.prefill} events`,
    setup: () => ({ log: impl.event_log_init(), init: initFlag(), out: sh.threads.map(() => []) }),
    ...withInit<S>(
      function* (s) {
        for (let i = 0; i < sh.prefill; i++) yield* impl.log_event(s.log);
      },
      sh.threads.map((ops, i) => ({
        name: `thread${i + 1}`,
        run: function* (s: S): Sim {
          for (const op of ops) s.out[i]!.push(op === "log" ? yield* impl.log_event(s.log) : yield* impl.log_trim(s.log));
        },
      })),
    ),
    check: (s: S) => {
      const left = seqs(s.log);
      check_that(s.log.nr_events === left.length, `nr_events is ${s.log.nr_events} but ${left.length} events are on the list`);
      let appended = 0;
      let trimmed = 0;
      let failedTrims = 0;
      sh.threads.forEach((ops, i) =>
        ops.forEach((op, j) => {
          const r = s.out[i]![j];
          if (op === "log") {
            check_that(r === null || (typeof r === "object" && r.seq >= 0), `log_event() in thread${i + 1} returned ${String(r)}, the test expected an event or null`);
            if (r !== null && typeof r === "object") appended++;
          } else {
            check_that(typeof r === "boolean", `log_trim() in thread${i + 1} returned ${String(r)}, the test expected true or false`);
            if (r === true) trimmed++;
            else failedTrims++;
          }
        }),
      );
      if (sh.failures === 0) {
        const appends = sh.threads.flat().filter((o) => o === "log").length;
        check_that(appended === appends, `${appends - appended} log_event() call(s) returned null although no allocation failed`);
      }
      const expected = sh.prefill + appended - trimmed;
      check_that(
        left.length === expected,
        `${left.length} events left on the log; the test expected ${expected} (${sh.prefill} before, ${appended} appended, ${trimmed} trimmed)`,
      );
      // A trim may fail only when the log was empty at some point: not while more events were there than trims took.
      if (failedTrims > 0) {
        check_that(
          trimmed >= sh.prefill,
          `a log_trim() returned false, but ${sh.prefill} events were on the log from the start and only ${trimmed} were trimmed: the log was never empty`,
        );
      }
      if (!sh.threads.flat().includes("trim")) {
        const want = left.map((_, k) => k);
        check_that(
          left.join(",") === want.join(","),
          `the events' positions (seq) in list order are [${left.join(", ")}]; the test expected [${want.join(", ")}]: two appends took the same position or the count lost an update`,
        );
      }
    },
    teardown: (s: S) => drain(s.log, impl.log_event_cachep),
    leakCheck: ["log_event"],
    ...(sh.failures ? { faults: { caches: ["log_event"], maxFailures: sh.failures } } : {}),
  });
  return [
    shapeTest({
      name: "generated mixes of appends and trims",
      description:
        "Logs of 0 to 3 events, with 2 or 3 threads each appending or trimming once or twice, some with one or two " +
        "event allocations that fail in the same run; every interleaving. The count must match the list, the events left must be those " +
        "appended and not trimmed, a trim may fail only on an empty log, appends take distinct positions, and nothing leaks.",
      generates: "logs of 0 to 3 events, 2 or 3 threads of 1 or 2 appends or trims, up to two failed allocations in one run",
      weight: 2,
      generate,
      seed: 0x5eed00,
      runs: 8,
      scenario,
      explore: { strategy: "dpor", maxExecutions: 400 },
    }),
  ];
});
