import { describe, expect, it } from "vitest";
import { defineSuite, explore, type KObject, kstruct, replay, runSuite, type Scenario, sched_point, type TestCase } from "./testing";
import { KNOWN_BUGS } from "./scenarios/known-bugs";

describe("known bugs are caught, their fixed twins pass", () => {
  for (const kb of KNOWN_BUGS) {
    it(`${kb.id}: ${kb.title}`, () => {
      const bad = explore(kb.buggy, { maxExecutions: 5000 });
      expect(bad.ok, `buggy ${kb.id} should fail`).toBe(false);
      expect(bad.bug!.report.kind, bad.bug!.report.title + "\n" + bad.bug!.report.message).toBe(kb.detector);
      const good = explore(kb.fixed, { maxExecutions: 5000 });
      expect(good.bug?.report, `fixed ${kb.id} should pass`).toBeUndefined();
      expect(good.ok).toBe(true);
      expect(good.complete).toBe(true);
    });
  }
});

describe("replay round trip", () => {
  for (const kb of KNOWN_BUGS) {
    it(`${kb.id}: the failing schedule replays to the same report`, () => {
      const bad = explore(kb.buggy, { maxExecutions: 5000 });
      const r = replay(kb.buggy, bad.bug!.token);
      expect(r.report).toEqual(bad.bug!.report);
      expect(r.trace).toEqual(bad.bug!.trace);
    });
  }
});

describe("exercise suites run with the data-race detector on", () => {
  type S = { c: { n: number } & KObject };
  /** Check-then-act on a shared field with no primitive in between: one step, so only the detector sees it. */
  function checkThenAct(kcsan?: boolean): Scenario<S> {
    const bump = function* (s: S) {
      yield* sched_point();
      if (s.c.n === 0) s.c.n = 1;
    };
    return {
      name: "check then act",
      models: "two threads set a flag if it is clear, without a lock",
      setup: () => ({ c: kstruct("c", { n: 0 }) }),
      threads: [
        { name: "a", run: bump },
        { name: "b", run: bump },
      ],
      ...(kcsan === undefined ? {} : { kcsan }),
    };
  }
  const test = (sc: Scenario<S>): TestCase => ({ name: "t", description: "d", scenarios: [sc] });

  it("a plain race fails a suite's test, though the scenario alone explores clean", () => {
    expect(explore(checkThenAct()).ok).toBe(true);
    const [r] = runSuite(defineSuite(() => [test(checkThenAct())]), {});
    expect(r!.passed).toBe(false);
    expect(r!.report?.kind).toBe("data-race");
  });

  it("a scenario that sets kcsan: false keeps it off", () => {
    const [r] = runSuite(defineSuite(() => [test(checkThenAct(false))]), {});
    expect(r!.passed).toBe(true);
  });

  it("a generated test's selected scenario gets the detector too", () => {
    const t: TestCase = { kind: "generated", name: "t", description: "d", generates: "one shape", select: () => checkThenAct() };
    const [r] = runSuite(defineSuite(() => [t]), {});
    expect(r!.report?.kind).toBe("data-race");
  });
});
