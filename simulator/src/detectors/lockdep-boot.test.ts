/*
 * lockdep keeps its lock-order graph across the scenarios of one suite run,
 * as the kernel keeps it across a boot: an inversion whose two orders are
 * taken by different tests is reported, a failed test's orders are dropped
 * (a later test still fails on its own), and the report replays.
 */
import { describe, expect, it } from "vitest";
import {
  defineSuite,
  LockdepGraph,
  replay,
  runSuite,
  runTest,
  type Scenario,
  type Sim,
  spin_lock,
  spin_unlock,
  Spinlock,
  type TestCase,
} from "../testing";

interface Locks {
  a: Spinlock;
  b: Spinlock;
}

/** One thread nesting the second lock inside the first. */
function nested(name: string, order: "ab" | "ba", threads = 1): Scenario<Locks> {
  const run = function* (s: Locks): Sim {
    const [x, y] = order === "ab" ? [s.a, s.b] : [s.b, s.a];
    yield* spin_lock(x);
    yield* spin_lock(y);
    yield* spin_unlock(y);
    yield* spin_unlock(x);
  };
  return {
    name,
    models: `${threads} thread(s) taking ${order === "ab" ? "A then B" : "B then A"}`,
    setup: () => ({ a: new Spinlock("&A"), b: new Spinlock("&B") }),
    threads: Array.from({ length: threads }, (_, i) => ({ name: `t${i}`, run })),
  };
}

const test = (name: string, ...scenarios: Scenario<Locks>[]): TestCase => ({ name, description: name, scenarios });

describe("lockdep across the tests of one run", () => {
  it("finds an inversion whose two orders are taken by different tests", () => {
    const suite = defineSuite(() => [test("A then B", nested("ab", "ab")), test("B then A", nested("ba", "ba"))]);
    const [first, second] = runSuite(suite, {});
    expect(first!.passed).toBe(true);
    expect(second!.passed).toBe(false);
    expect(second!.report?.kind).toBe("lock-inversion");
    expect(second!.report?.message).toContain('in an earlier test\'s scenario "ab"');
    expect(second!.report?.message).toContain("taken by an earlier test of this run");
    // Each test alone is clean: the inversion is only seen across them.
    for (const t of suite.factory({})) expect(runTest(t).passed).toBe(true);
  });

  it("finds it across two runTest() calls given the same graph, not across fresh ones", () => {
    const tests = defineSuite(() => [test("A then B", nested("ab", "ab")), test("B then A", nested("ba", "ba"))]).factory({});
    const lockdep = new LockdepGraph();
    expect(runTest(tests[0]!, { lockdep }).passed).toBe(true);
    expect(runTest(tests[1]!, { lockdep }).report?.kind).toBe("lock-inversion");
    expect(runTest(tests[0]!).passed && runTest(tests[1]!).passed).toBe(true);
  });

  it("replays the cross-test report with the earlier tests' orders (lockdepSeed)", () => {
    const ba = nested("ba", "ba");
    const suite = defineSuite(() => [test("A then B", nested("ab", "ab")), test("B then A", ba)]);
    const second = runSuite(suite, {})[1]!;
    expect(second.lockdepSeed?.length).toBeGreaterThan(0);
    expect(second.trace?.length).toBeGreaterThan(0);
    const r = replay(ba, second.token!, { lockdepSeed: second.lockdepSeed! });
    expect(r.report?.kind).toBe("lock-inversion");
    // Without them the schedule is not the failing one: the order it inverts is missing.
    expect(replay(ba, second.token!).report?.kind).not.toBe("lock-inversion");
  });

  it("drops a failed test's orders, so a later test with the same inversion still fails", () => {
    const suite = defineSuite(() => [
      test("both orders", nested("ab", "ab"), nested("ba", "ba")),
      test("both orders again", nested("ab again", "ab"), nested("ba again", "ba")),
    ]);
    const [first, second] = runSuite(suite, {});
    expect(first!.report?.kind).toBe("lock-inversion");
    expect(second!.report?.kind).toBe("lock-inversion");
    // Within one test the two scenarios' orders meet too.
    expect(first!.scenario).toBe("ba");
  });

  it("a generated test judges every shape against the same earlier orders", () => {
    const shapes = ["ab", "ba"] as const;
    const generated: TestCase = {
      kind: "generated",
      name: "generated",
      description: "generated",
      generates: "one order",
      // The shape drawn is "ba": judged against the first test's "ab", it fails.
      select: (opts) => {
        const lockdep = opts.lockdep?.copy();
        for (const order of shapes) {
          const sc = nested(order, order);
          const r = runTest(test(order, sc), lockdep ? { lockdep: lockdep.copy() } : {});
          if (!r.passed) return sc;
        }
        return nested("ab", "ab");
      },
    };
    const [, second] = runSuite(
      defineSuite(() => [test("A then B", nested("ab", "ab")), generated]),
      {},
    );
    expect(second!.report?.kind).toBe("lock-inversion");
  });
});
