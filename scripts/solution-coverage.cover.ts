/*
 * Runs every suite (public and hidden) of the exercises named in
 * SOLUTION_COVERAGE_EXERCISES (all when unset) against their reference
 * solutions, under vitest's V8 coverage: scripts/mutation.ts reads the branch
 * coverage of each solution from the report. Each solution must pass.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { listExerciseDirs, readExercise } from "rmap-grader";
import { isSuite, runSuite } from "rmap-sim/testing";
import { describe, expect, it } from "vitest";

const want = (process.env.SOLUTION_COVERAGE_EXERCISES ?? "").split(",").filter(Boolean);
const exercises = listExerciseDirs()
  .map(readExercise)
  .filter((ex) => want.length === 0 || want.includes(ex.folder));

describe("reference solutions under coverage", () => {
  for (const ex of exercises) {
    it(`${ex.folder}: the solution passes every suite`, async () => {
      const impl = await import(pathToFileURL(join(ex.dir, "solution", ex.meta.files[0]!)).href);
      const failed: string[] = [];
      for (const g of ex.meta.groups) {
        const suite = (await import(pathToFileURL(join(ex.dir, g.file)).href)).default;
        expect(isSuite(suite)).toBe(true);
        for (const r of runSuite(suite, impl, { trace: false })) if (!r.passed) failed.push(`${r.name}: ${r.message}`);
      }
      expect(failed).toEqual([]);
    });
  }
});
