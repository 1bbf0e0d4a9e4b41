/*
 * Finding and reading exercises and submissions from disk. Every exercise is
 * read through ExerciseSchema; any problem (no such exercise, unreadable or
 * invalid exercise.json, a missing suite file) is a GraderError whose message
 * says what to fix.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type Exercise, ExerciseSchema } from "rmap-schemas";

/** A problem with the grader's input (not with the learner's code): missing exercise, bad exercise.json, unreadable file. */
export class GraderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraderError";
  }
}

export interface LoadedExercise {
  /** Absolute path of the exercise folder. */
  dir: string;
  /** Folder name (01-anon-vma). */
  folder: string;
  meta: Exercise;
}

/** The repository root: the folder that holds simulator/ and grader/. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const EXERCISES_DIR = join(REPO_ROOT, "exercises");

export function readExercise(dir: string): LoadedExercise {
  const abs = resolve(dir);
  const file = join(abs, "exercise.json");
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new GraderError(`no exercise folder at ${abs}`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new GraderError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GraderError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ExerciseSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  - ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new GraderError(`${file} does not match the exercise schema:\n${issues.join("\n")}`);
  }
  for (const g of parsed.data.groups) {
    if (!existsSync(join(abs, g.file))) throw new GraderError(`${file}: group ${g.id} names ${g.file}, which does not exist`);
  }
  return { dir: abs, folder: basename(abs), meta: parsed.data };
}

/** Exercise folders (with an exercise.json) under exercises/, in order. */
export function listExerciseDirs(root = EXERCISES_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "exercise.json")))
    .map((d) => join(root, d.name))
    .sort();
}

/** Resolve an exercise given as a folder name (01-anon-vma), its exercise.json id, or a path. */
export function findExercise(nameOrId: string, root = EXERCISES_DIR): LoadedExercise {
  const direct = join(root, nameOrId);
  if (existsSync(join(direct, "exercise.json"))) return readExercise(direct);
  if (existsSync(join(resolve(nameOrId), "exercise.json"))) return readExercise(resolve(nameOrId));
  const known: string[] = [];
  for (const d of listExerciseDirs(root)) {
    let id: unknown;
    try {
      id = (JSON.parse(readFileSync(join(d, "exercise.json"), "utf8")) as { id?: unknown }).id;
    } catch {
      continue;
    }
    if (id === nameOrId) return readExercise(d);
    known.push(`${basename(d)} (${String(id)})`);
  }
  throw new GraderError(
    `no exercise named ${nameOrId}: give a folder under exercises/ or an exercise id` +
      (known.length ? `. Known: ${known.join(", ")}` : " (there are no exercises yet)"),
  );
}

/**
 * Read a submission: a folder holding the exercise's files, or a single file
 * that stands for the first of them. Files the exercise does not name are
 * ignored; missing ones are left out (the grader reports them).
 */
export function readSubmission(ex: LoadedExercise, path: string): Record<string, string> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new GraderError(`no submission at ${abs}`);
  const read = (p: string): string => {
    try {
      return readFileSync(p, "utf8");
    } catch (e) {
      throw new GraderError(`cannot read ${p}: ${(e as Error).message}`);
    }
  };
  if (statSync(abs).isDirectory()) {
    const files: Record<string, string> = {};
    for (const f of ex.meta.files) if (existsSync(join(abs, f))) files[f] = read(join(abs, f));
    if (Object.keys(files).length === 0) {
      throw new GraderError(`${abs} holds none of the exercise's files (${ex.meta.files.join(", ")})`);
    }
    return files;
  }
  return { [ex.meta.files[0]!]: read(abs) };
}

/** The reference solution (or the starter) of an exercise, as a submission. */
export function readReference(ex: LoadedExercise, which: "solution" | "starter"): Record<string, string> {
  return readSubmission(ex, join(ex.dir, which));
}
