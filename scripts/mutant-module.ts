/*
 * Mutants as importable modules, for scripts that run suites in-process
 * (check-exercise, dpor-vs-brute, mutation): the patched solution is written
 * under tmp/ at the repository root (git-ignored), where "rmap-sim" resolves
 * as it does for the solution.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadedExercise } from "rmap-grader";

export const SCRATCH_DIR = resolve(import.meta.dirname, "..", "tmp");

/**
 * Write a submission (every file of the exercise) to tmp/<kind>/<exercise>/<name>/
 * and import its first file. Each distinct name gets its own folder, so module
 * caching never serves one submission for another.
 */
export async function importSubmission(ex: LoadedExercise, kind: string, name: string, files: Record<string, string>): Promise<unknown> {
  const dir = join(SCRATCH_DIR, kind, ex.folder, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return import(pathToFileURL(join(dir, ex.meta.files[0]!)).href);
}
