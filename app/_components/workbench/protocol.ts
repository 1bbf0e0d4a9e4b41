/*
 * What the page and a runner say to each other. A run's results have the
 * grader's results schema (rmap-schemas), so the page shows a browser run
 * and a server verdict with the same components.
 */
import type { Results } from "rmap-schemas";

/** The learner's module, transpiled: CommonJS JavaScript and its source map, per file. */
export interface CompiledFile {
  file: string;
  js: string;
  map: string | null;
}

export type RunRequest =
  | { type: "run"; exercise: string; title: string; files: CompiledFile[] }
  | { type: "replay"; exercise: string; title: string; files: CompiledFile[]; test: string; scenario: string; token: string };

export type RunnerMessage =
  | { type: "output"; text: string }
  | { type: "done"; results: Results }
  | { type: "error"; message: string };
