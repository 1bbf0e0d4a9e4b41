/*
 * The browser runner's core, run in Node: the learner's TypeScript
 * transpiled to CommonJS with a source map (as the editor's TypeScript
 * worker emits it), the public suites, results in the grader's schema, and
 * trace lines mapped back to the learner's TypeScript.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readExercise, readMutant } from "rmap-grader";
import { ResultsSchema } from "rmap-schemas";
import ts from "typescript";
import { defineSuite, Spinlock } from "rmap-sim/testing";
import { describe, expect, it } from "vitest";
import suite from "../../../exercises/00-tools/tests/public/basics";
import { hintsFor } from "./hints";
import type { CompiledFile } from "./protocol";
import { replayPublic, runPublic } from "./run-public";
import { linksOf, objectsAt, reportSteps, threadsOf } from "./timeline-model";

const EX = join(import.meta.dirname, "..", "..", "..", "exercises", "00-tools");

function compile(file: string, source: string): CompiledFile {
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true },
  });
  return { file, js: out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, ""), map: out.sourceMapText ?? null };
}

const ctx = (source: string) => ({
  exercise: "00-tools",
  title: "t",
  files: [compile("eventlog.ts", source)],
  suites: [suite],
  output: () => {},
});

describe("the browser runner's core", () => {
  it("passes the reference solution on every public test", () => {
    const r = runPublic(ctx(readFileSync(join(EX, "solution", "eventlog.ts"), "utf8")));
    expect(ResultsSchema.parse(r).tests.length).toBeGreaterThanOrEqual(3);
    expect(r.tests.filter((t) => !t.passed).map((t) => t.message)).toEqual([]);
    expect(r.score).toBe(1);
  });

  it("fails the unlocked mutant with a trace whose lines are the TypeScript's, and the replay token reproduces it", () => {
    const source = readMutant(readExercise(EX), "no-lock").files["eventlog.ts"]!;
    const r = runPublic(ctx(source));
    const t = r.tests.find((x) => x.name === "two threads log at once")!;
    expect(t.passed).toBe(false);
    expect(t.report?.kind).toBeDefined();
    const lines = source.split("\n");
    const located = t.trace!.filter((s) => s.loc);
    expect(located.length).toBeGreaterThan(0);
    for (const s of located) {
      expect(s.loc!.file).toBe("eventlog.ts");
      // The mapped line calls the primitive the step performed.
      expect(lines[s.loc!.line - 1]).toContain(s.op.split(/[ (]/)[0]!);
    }
    const again = replayPublic(ctx(source), t.name, t.scenario!, t.replay!);
    expect(again.tests[0]!.passed).toBe(false);
    expect(again.tests[0]!.report?.title).toBe(t.report?.title);
    const fixed = replayPublic(ctx(readFileSync(join(EX, "solution", "eventlog.ts"), "utf8")), t.name, t.scenario!, t.replay!);
    // The fixed code takes the lock: the old schedule no longer fits it, so the scenario is explored again and
    // the fixed code is said to run clean in every interleaving.
    const f = fixed.tests[0]!;
    expect(f.passed).toBe(true);
    expect(f.message).toMatch(/no longer applies; all \d+ interleavings of this scenario now run clean/);
    expect(f.replay).toBeUndefined();
    // A change that does not fix it: the exploration finds the failure again, with its own replay token.
    // (An extra scheduling point at the top of log_event() moves every later step of the schedule.)
    const moved = source
      .replace("  list_del,\n", "  list_del,\n  sched_point,\n")
      .replace(/(export function\* log_event\([^)]*\)[^{]*\{\n)/, "$1  yield* sched_point();\n");
    expect(moved).toContain("yield* sched_point();");
    const other = replayPublic(ctx(moved), t.name, t.scenario!, t.replay!).tests[0]!;
    expect(other.passed).toBe(false);
    expect(other.report?.kind, other.report?.message).toBe(t.report?.kind);
    expect(other.replay).toBeDefined();
    expect(other.replay).not.toBe(t.replay);

    // The timeline's model of the same trace.
    const trace = t.trace!;
    expect(threadsOf(trace)).toEqual(expect.arrayContaining(["thread1", "thread2"]));
    const objs = objectsAt(trace, trace.length - 1);
    expect(objs.length).toBeGreaterThan(0);
    expect(linksOf(objs).every((l) => objs.some((o) => o.name === l.to))).toBe(true);
    expect(reportSteps(trace, t.report!.step, t.report!.message).some((j) => j.label.startsWith("the detector fires"))).toBe(true);
  });

  it("reports a module that throws while loading, and an import other than rmap-sim", () => {
    expect(runPublic(ctx('throw new Error("nope");')).message).toMatch(/could not be loaded: nope/);
    expect(runPublic(ctx('import fs from "node:fs"; export const x = fs;')).message).toMatch(/may import only "rmap-sim"/);
  });
});

describe("hints", () => {
  const hints = JSON.parse(readFileSync(join(EX, "hints.json"), "utf8"));
  it("offer the general hint first, then the ones for the failure's kind, and none for other kinds", () => {
    const h = hintsFor(hints, "list-corruption", "log vs log");
    expect(h[0]!.kind).toBeUndefined();
    expect(h.slice(1).every((x) => x.kind === "list-corruption")).toBe(true);
    expect(h.length).toBe(3);
  });

  it("replays a lock inversion whose other order an earlier public test took", () => {
    // Two exported functions nesting two locks in opposite orders, each run by its own test.
    const source = [
      'import { type Sim, type Spinlock, spin_lock, spin_unlock } from "rmap-sim";',
      "export function* nest(x: Spinlock, y: Spinlock): Sim {",
      "  yield* spin_lock(x);",
      "  yield* spin_lock(y);",
      "  yield* spin_unlock(y);",
      "  yield* spin_unlock(x);",
      "}",
    ].join("\n");
    type Impl = { nest: (x: Spinlock, y: Spinlock) => Generator };
    type Locks = { a: Spinlock; b: Spinlock };
    const inverted = defineSuite<Impl>((impl) =>
      (["A then B", "B then A"] as const).map((name) => ({
        name,
        description: name,
        scenarios: [
          {
            name,
            models: name,
            setup: (): Locks => ({ a: new Spinlock("&A"), b: new Spinlock("&B") }),
            threads: [{ name: "t", run: (l: Locks) => (name === "A then B" ? impl.nest(l.a, l.b) : impl.nest(l.b, l.a)) }],
          },
        ],
      })),
    );
    const c = { ...ctx(source), files: [compile("nest.ts", source)], suites: [inverted] };
    const r = runPublic(c);
    expect(r.tests.map((t) => t.passed)).toEqual([true, false]);
    const t = r.tests[1]!;
    expect(t.report?.kind).toBe("lock-inversion");
    const again = replayPublic(c, t.name, t.scenario!, t.replay!);
    expect(again.tests[0]!.report?.kind).toBe("lock-inversion");
  });
});
