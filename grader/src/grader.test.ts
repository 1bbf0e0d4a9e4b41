/*
 * The grader's contract on the fixture exercise: not-gradable submissions,
 * bad exercises, points by weight, line mapping, determinism, the bundle
 * cache and the results schema.
 */
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findExercise, GraderError, readExercise, readSubmission } from "./exercise";
import { createLocalGrader } from "./grader";
import { formatResults } from "./report";
import { ResultsSchema } from "rmap-schemas";

const FIXTURE = join(import.meta.dirname, "..", "test", "fixture-exercise");
const grader = createLocalGrader();
const solution = readFileSync(join(FIXTURE, "solution", "counter.ts"), "utf8");
const starter = readFileSync(join(FIXTURE, "starter", "counter.ts"), "utf8");
const strip = (r: object): string => JSON.stringify({ ...r, timings: undefined });

describe("not gradable", () => {
  it("a type error names file, line and message and costs no attempt", async () => {
    const src = solution.replace("const v = c.value + 1;", 'const v: string = c.value + 1;');
    const r = await grader.grade(FIXTURE, { "counter.ts": src });
    expect(r.gradable).toBe(false);
    expect(r.score).toBe(0);
    expect(r.tests).toEqual([]);
    const line = src.split("\n").findIndex((l) => l.includes("const v: string")) + 1;
    expect(r.compileErrors).toContainEqual(expect.objectContaining({ file: "counter.ts", line, message: expect.stringMatching(/TS2322/) }));
  });

  it("calling a simulated function without yield* is refused before grading", async () => {
    const src = solution.replace(/(export function\* counter_record\([^)]*\)[^{]*\{)/, "$1\n  counter_inc(c);");
    expect(src).not.toBe(solution);
    const r = await grader.grade(FIXTURE, { "counter.ts": src });
    expect(r.gradable).toBe(false);
    const line = src.split("\n").findIndex((l) => l.trim() === "counter_inc(c);") + 1;
    expect(r.compileErrors).toContainEqual(
      expect.objectContaining({ file: "counter.ts", line, message: expect.stringMatching(/counter_inc\(\) is called without yield\*/) }),
    );
    // The same call driven with yield* is fine.
    const ok = await grader.grade(FIXTURE, { "counter.ts": src.replace("  counter_inc(c);", "  yield* counter_inc(c);") });
    expect(ok.gradable).toBe(true);
  });

  it("learner code may not import rmap-sim/testing (or anything but rmap-sim): refused with its line", async () => {
    const lines = solution.split("\n");
    const at = lines.findIndex((l) => l.startsWith("import ")) + 1;
    for (const [imp, why] of [
      ['import { explore } from "rmap-sim/testing";', /cannot import "rmap-sim\/testing": that is the simulator's test and grading side .*Import the kernel API from "rmap-sim"/],
      ['import type { Scenario } from "rmap-sim/testing";', /cannot import "rmap-sim\/testing"/],
      ['export { runTest } from "rmap-sim/testing";', /cannot import "rmap-sim\/testing"/],
      ['import { cur } from "rmap-sim/src/runtime";', /cannot import "rmap-sim\/src\/runtime": a learner file may import only "rmap-sim"/],
    ] as const) {
      const src = [...lines.slice(0, at - 1), imp, ...lines.slice(at - 1)].join("\n");
      const r = await grader.grade(FIXTURE, { "counter.ts": src });
      expect(r.gradable, imp).toBe(false);
      expect(r.compileErrors, imp).toContainEqual(expect.objectContaining({ file: "counter.ts", line: at, message: expect.stringMatching(why) }));
    }
    // The learner's entry point does not offer the test side's names either.
    const r = await grader.grade(FIXTURE, { "counter.ts": `import { explore } from "rmap-sim";\n${solution}` });
    expect(r.compileErrors).toContainEqual(expect.objectContaining({ line: 1, message: expect.stringMatching(/TS2305.*explore/) }));
  });

  it("a syntax error is reported with its line", async () => {
    const r = await grader.grade(FIXTURE, { "counter.ts": `${solution}\nexport function* broken( {\n` });
    expect(r.gradable).toBe(false);
    expect(r.compileErrors![0]!.line).toBeGreaterThan(solution.split("\n").length - 1);
  });

  it("a missing file is reported", async () => {
    const r = await grader.grade(FIXTURE, { "other.ts": solution });
    expect(r.gradable).toBe(false);
    expect(r.message).toMatch(/lacks counter\.ts/);
  });

  it("module-level state is refused with its line and why (never a silent zero, never an unexplored race)", async () => {
    const lines = solution.split("\n");
    const at = lines.findIndex((l) => l.startsWith("import ") && l.includes(";")) + 2;
    for (const [decl, why] of [
      ["let hits = 0;", /module-level variable `hits`.*every simulated execution/],
      ["const seen = new Map<number, number>();", /module-level mutable object `seen`/],
      ["const totals = [0, 0];\nexport function bump(): void { totals[0] = 1; }", /module-level mutable object `totals`/],
      ['const big_lock = new Spinlock("big_lock");', /module-level lock `big_lock` \(a DEFINE_SPINLOCK-style global lock\)/],
    ] as const) {
      const src = [...lines.slice(0, at - 1), decl, ...lines.slice(at - 1)].join("\n");
      const r = await grader.grade(FIXTURE, { "counter.ts": src });
      expect(r.gradable, decl).toBe(false);
      expect(r.compileErrors, decl).toContainEqual(expect.objectContaining({ file: "counter.ts", line: at, message: expect.stringMatching(why) }));
    }
    // Constants stay allowed.
    for (const decl of ["const LIMIT = 4;", "const TABLE = Object.freeze({ a: 1 });", "const NAMES = [\"a\", \"b\"] as const;"]) {
      const src = [...lines.slice(0, at - 1), decl, ...lines.slice(at - 1)].join("\n");
      const r = await grader.grade(FIXTURE, { "counter.ts": src });
      expect(r.compileErrors ?? [], decl).toEqual([]);
    }
  });

  it("the simulator's types are enforced", async () => {
    const r = await grader.grade(FIXTURE, { "counter.ts": solution.replace("yield* spin_lock(c.lock);", "yield* spin_lock(c);") });
    expect(r.gradable).toBe(false);
    expect(r.compileErrors![0]!.message).toMatch(/Spinlock/);
  });
});

describe("grading", () => {
  it("shares a group's points among its tests by weight", async () => {
    const r = await grader.grade(FIXTURE, { "counter.ts": starter });
    const pub = r.tests.filter((t) => t.group === "public");
    expect(pub.map((t) => t.max_points)).toEqual([0.666667, 1.333333]);
    expect(r.max_points).toBe(6);
    expect(r.score).toBeCloseTo(0.666667 / 6, 5);
    expect(ResultsSchema.parse(r)).toEqual(r);
  });

  it("reports a failure with its scenario, the detector's report, the learner's trace, its lines and a replay token", async () => {
    const r = await grader.grade(FIXTURE, { "counter.ts": starter });
    const leak = r.tests.find((t) => t.name === "racing records leave nothing behind")!;
    expect(leak.hidden).toBe(true);
    expect(leak.passed).toBe(false);
    expect(leak.scenario).toBe("record vs record, then release");
    expect(leak.models).toBe("two CPUs logging events, then teardown");
    expect(leak.report?.kind).toBe("leak");
    expect(leak.replay).toMatch(/^s1:/);
    expect(leak.trace?.length).toBeGreaterThan(0);
    // Locations are the TypeScript lines of the learner's file.
    const allocLine = starter.split("\n").findIndex((l) => l.includes("kmem_cache_alloc(c.cachep")) + 1;
    expect(leak.report!.message).toContain(`counter.ts:${allocLine}`);
    const alloc = leak.trace!.find((s) => s.op === "kmem_cache_alloc")!;
    expect(alloc.loc).toEqual({ file: "counter.ts", line: allocLine, column: expect.any(Number) });
    expect(formatResults(r)).toMatch(/FAIL \[leaks\/leak\] racing records leave nothing behind[\s\S]*kmemleak[\s\S]*replay: s1:/);
  });

  it("is deterministic apart from timings", async () => {
    const a = await grader.grade(FIXTURE, { "counter.ts": starter });
    const b = await grader.grade(FIXTURE, { "counter.ts": starter });
    expect(strip(a)).toBe(strip(b));
  });

  it("keeps a failing trace to the configured size", async () => {
    const small = createLocalGrader({ maxTraceSteps: 3 });
    const r = await small.grade(FIXTURE, { "counter.ts": starter });
    const t = r.tests.find((x) => x.name === "racing records leave nothing behind")!;
    expect(t.trace!.length).toBe(3);
    expect(t.traceOmitted).toBeGreaterThan(0);
  });

  it("reuses the trusted bundle until an input changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grader-fixture-"));
    cpSync(FIXTURE, dir, { recursive: true });
    const g = createLocalGrader();
    await g.grade(dir, { "counter.ts": solution });
    await g.grade(dir, { "counter.ts": solution });
    expect(g.bundles.builds).toBe(1);
    const races = join(dir, "tests", "hidden", "races.ts");
    // The scenario's name starts the failing test's message whichever check catches the race first.
    writeFileSync(races, readFileSync(races, "utf8").replace('"inc vs inc"', '"inc against inc"'));
    const r = await g.grade(dir, { "counter.ts": starter });
    expect(g.bundles.builds).toBe(2);
    expect(r.tests.find((t) => t.name === "two increments race")!.message).toMatch(/^inc against inc: /);
  });
});

describe("bad input", () => {
  it("rejects a missing exercise clearly", () => {
    expect(() => findExercise("99-nothing")).toThrow(GraderError);
    expect(() => findExercise("99-nothing")).toThrow(/no exercise named 99-nothing/);
  });

  it("reports every schema error of a bad exercise.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grader-bad-"));
    cpSync(FIXTURE, dir, { recursive: true });
    const meta = JSON.parse(readFileSync(join(dir, "exercise.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "exercise.json"), JSON.stringify({ ...meta, files: [], extra: 1 }));
    expect(() => readExercise(dir)).toThrow(/does not match the exercise schema[\s\S]*files[\s\S]*extra/);
    await expect(grader.grade(dir, { "counter.ts": solution })).rejects.toThrow(GraderError);
    writeFileSync(join(dir, "exercise.json"), "{ not json");
    expect(() => readExercise(dir)).toThrow(/not valid JSON/);
  });

  it("reads a single file as the first of the exercise's files, and refuses a missing one", () => {
    const ex = readExercise(FIXTURE);
    expect(Object.keys(readSubmission(ex, join(FIXTURE, "solution", "counter.ts")))).toEqual(["counter.ts"]);
    expect(() => readSubmission(ex, join(FIXTURE, "nope.ts"))).toThrow(/no submission at/);
  });
});
