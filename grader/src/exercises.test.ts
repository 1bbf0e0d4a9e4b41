/*
 * Every exercise under exercises/ through the real sandbox: the solution
 * scores 1, the starter less, and every mutant less, for the reason its
 * header names (@caughtBy, and @test when given).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMutantHeader } from "rmap-schemas";
import { listExerciseDirs, readExercise, readReference } from "./exercise";
import { createLocalGrader } from "./grader";

const grader = createLocalGrader();
const dirs = listExerciseDirs();

describe.runIf(dirs.length > 0)("exercises", () => {
  for (const dir of dirs) {
    describe(basename(dir), () => {
      const ex = readExercise(dir);
      it("the solution scores 1", async () => {
        const r = await grader.grade(dir, readReference(ex, "solution"));
        const failed = r.tests.filter((t) => !t.passed).map((t) => `${t.name}: ${t.message}`);
        expect(failed).toEqual([]);
        expect(r.gradable).toBe(true);
        expect(r.score).toBe(1);
      });

      it("the starter compiles and scores below 1", async () => {
        const r = await grader.grade(dir, readReference(ex, "starter"));
        expect(r.compileErrors ?? []).toEqual([]);
        expect(r.gradable).toBe(true);
        expect(r.score).toBeLessThan(1);
      });

      const mutantsDir = join(dir, "mutants");
      const mutants = existsSync(mutantsDir) ? readdirSync(mutantsDir).filter((f) => f.endsWith(".ts")).sort() : [];
      for (const m of mutants) {
        it(`mutant ${m} is caught`, async () => {
          const source = readFileSync(join(mutantsDir, m), "utf8");
          const header = parseMutantHeader(source);
          const files = { ...readReference(ex, "solution"), [ex.meta.files[0]!]: source };
          const r = await grader.grade(dir, files);
          expect(r.compileErrors ?? []).toEqual([]);
          expect(r.gradable).toBe(true);
          expect(r.score).toBeLessThan(1);
          const failed = r.tests.filter((t) => !t.passed);
          expect(failed.map((t) => t.report?.kind)).toContain(header.caughtBy);
          if (header.test) expect(failed.map((t) => t.name)).toContain(header.test);
        });
      }
    });
  }
});

describe("exercise discovery", () => {
  it("lists only folders with an exercise.json", () => {
    for (const d of dirs) expect(existsSync(join(d, "exercise.json"))).toBe(true);
  });
});
