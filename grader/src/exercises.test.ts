/*
 * Every exercise under exercises/ through the real sandbox: the solution
 * scores 1, the starter less, and every mutant less, for the reason its
 * patch names (Caught-by:, and Test: when given). A patch that no longer
 * applies to the solution fails its test.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { listExerciseDirs, listMutants, readExercise, readMutant, readReference } from "./exercise";
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

      it("mutants/ holds only patches", () => {
        const mutantsDir = join(dir, "mutants");
        const others = existsSync(mutantsDir) ? readdirSync(mutantsDir).filter((f) => !f.endsWith(".patch")) : [];
        expect(others).toEqual([]);
      });

      for (const m of listMutants(ex)) {
        it(`mutant ${m} applies and is caught`, async () => {
          const { header, files } = readMutant(ex, m);
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
