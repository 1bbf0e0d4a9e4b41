/*
 * The hostile corpus: grader/test/hostile/NAME.patch, each a patch mail
 * against the fixture exercise's solution whose subject says what the
 * attack does and whose diff is the trick. Read with the same loader as
 * mutants and held-out submissions (readSolutionPatch).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readExercise, readSolutionPatch, type LoadedExercise, type PatchedSubmission } from "./exercise";

/** The fixture exercise every hostile case patches. */
export const FIXTURE_DIR = join(import.meta.dirname, "..", "test", "fixture-exercise");
export const HOSTILE_DIR = join(import.meta.dirname, "..", "test", "hostile");

let fixture: LoadedExercise | null = null;

/** The names of the corpus's cases, sorted. */
export function listHostileCases(): string[] {
  return readdirSync(HOSTILE_DIR)
    .filter((f) => f.endsWith(".patch"))
    .map((f) => f.slice(0, -".patch".length))
    .sort();
}

/** One case applied to the fixture's solution: every file of the fixture, patched. */
export function readHostileCase(name: string): PatchedSubmission {
  fixture ??= readExercise(FIXTURE_DIR);
  return readSolutionPatch(fixture, join(HOSTILE_DIR, `${name}.patch`));
}
