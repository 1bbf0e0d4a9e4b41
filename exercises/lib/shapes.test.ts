/*
 * Generated shapes: the same seed draws the same shapes, a failing shape is
 * shrunk before it is shown, and a passing test explores one shape again
 * for its verdict.
 */
import { describe, expect, it } from "vitest";
import { type Scenario, type Sim, check_that, runTest, sched_point } from "rmap-sim/testing";
import { Draw, shapeTest } from "./shapes";

type Shape = number[];

function scenario(limit: number) {
  return (xs: Shape): Scenario<Shape> => ({
    name: `[${xs.join(", ")}]`,
    models: "a list whose sum must stay below the limit",
    setup: () => xs,
    threads: [
      {
        name: "sum",
        run: function* (s: Shape): Sim {
          yield* sched_point();
          check_that(s.reduce((a, b) => a + b, 0) < limit, `the sum of [${s.join(", ")}] reached ${limit}`);
        },
      },
    ],
  });
}

const generate = (d: Draw): Shape => d.array(0, 30, 90, (e) => e.int(0, 20));

describe("shape tests", () => {
  it("draw the same shapes from the same seed", () => {
    const a = new Draw([], null);
    expect(generate(a)).toEqual([]);
    const t = () => shapeTest({ name: "t", description: "d", generate, runs: 5, seed: 7, scenario: scenario(1e9) });
    const names = [0, 1].map(() => t().select({ maxExecutions: 1 }).name);
    expect(names[0]).toEqual(names[1]);
    expect(runTest(t()).passed).toBe(true);
  });

  it("are generated tests: they say what they draw and list no scenarios", () => {
    const t = shapeTest({ name: "t", description: "d", generates: "lists of up to 30 numbers", generate, runs: 5, seed: 7, scenario: scenario(1e9) });
    expect(t.kind).toBe("generated");
    expect(t.generates).toBe("lists of up to 30 numbers; 5 shapes drawn from a fixed seed, a failing one shrunk");
    expect("scenarios" in t).toBe(false);
  });

  it("shrink a failing shape to a small one that fails the same way", () => {
    const t = shapeTest({ name: "t", description: "d", generate, runs: 20, seed: 3, scenario: scenario(15) });
    const r = runTest(t);
    expect(r.passed).toBe(false);
    expect(r.report?.kind).toBe("assertion");
    const shown = JSON.parse(r.scenario!.replace(/ \(.*$/, "")) as number[];
    expect(shown.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(15);
    // Minimal up to the shrinker's moves: one or two numbers, none of them removable.
    expect(shown.length).toBeLessThanOrEqual(2);
    expect(r.scenario).toMatch(/shrunk in \d+ steps/);
  });

  it("refuse a test that draws no shape, with the test's name", () => {
    const t = shapeTest({ name: "empty", description: "d", generate, runs: 0, seed: 1, scenario: scenario(1) });
    const r = runTest(t);
    expect(r.passed).toBe(false);
    expect(r.message).toMatch(/empty: the generated scenarios could not run: empty: runs must be at least 1/);
  });

  it("replay a tape past its end as zeros, the smallest choices", () => {
    const d = new Draw([5, 99], null);
    expect(d.int(0, 9)).toBe(5);
    expect(d.chance(50)).toBe(true);
    expect(d.chance(50)).toBe(false);
    expect(d.consumed).toBe(3);
  });
});
