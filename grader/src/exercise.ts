/*
 * Finding and reading exercises and submissions from disk. Every exercise is
 * read through ExerciseSchema; any problem (no such exercise, unreadable or
 * invalid exercise.json, a missing suite file) is a GraderError whose message
 * says what to fix.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { applyPatch, parsePatch } from "diff";
import { type Exercise, ExerciseSchema, type MutantHeader, parseMutantPatch, parsePatchMail } from "rmap-schemas";

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

export interface Mutant {
  /** File name without .patch. */
  name: string;
  /** Absolute path of the patch. */
  path: string;
  header: MutantHeader;
  /** The solution with the patch applied: a submission of every file of the exercise. */
  files: Record<string, string>;
}

/** Names of the exercise's mutants (mutants/NAME.patch), sorted. */
export function listMutants(ex: LoadedExercise): string[] {
  const dir = join(ex.dir, "mutants");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".patch"))
    .map((f) => f.slice(0, -".patch".length))
    .sort();
}

/**
 * Apply a patch to the exercise's solution and return every file of the
 * exercise, patched. A diff that does not parse, changes nothing, renames a
 * file, names a file the exercise does not have, or whose context no longer
 * matches the solution exactly is a GraderError (`path` names the patch).
 */
export function applySolutionPatch(ex: LoadedExercise, path: string, diff: string): Record<string, string> {
  const files = readReference(ex, "solution");
  let diffs;
  try {
    diffs = parsePatch(diff);
  } catch (e) {
    throw new GraderError(`${path}: the diff does not parse: ${(e as Error).message}`);
  }
  if (diffs.length === 0 || diffs.every((d) => d.hunks.length === 0)) throw new GraderError(`${path}: the diff changes nothing`);
  for (const d of diffs) {
    const target = (d.newFileName ?? "").replace(/^b\//, "");
    const source = (d.oldFileName ?? "").replace(/^a\//, "");
    if (target !== source) throw new GraderError(`${path}: renames ${source} to ${target}; a solution patch edits files in place`);
    const before = files[target];
    if (before === undefined) {
      throw new GraderError(`${path}: patches ${target}, which is not one of the exercise's files (${ex.meta.files.join(", ")})`);
    }
    const after = applyPatch(before, d);
    if (after === false) {
      throw new GraderError(`${path} no longer applies to solution/${target}: rebase it on the solution (git apply --3way, then regenerate)`);
    }
    files[target] = after;
  }
  return files;
}

function readPatchText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new GraderError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Read mutants/NAME.patch and apply it to the solution. A patch that names a
 * file the exercise does not have, or whose context no longer matches the
 * solution exactly, is a GraderError: rebase the patch on the solution.
 */
export function readMutant(ex: LoadedExercise, name: string): Mutant {
  const path = join(ex.dir, "mutants", `${name}.patch`);
  const text = readPatchText(path);
  let parsed;
  try {
    parsed = parseMutantPatch(text, name);
  } catch (e) {
    throw new GraderError((e as Error).message);
  }
  return { name, path, header: parsed.header, files: applySolutionPatch(ex, path, parsed.diff) };
}

export interface PatchedSubmission {
  /** File name without .patch. */
  name: string;
  /** Absolute path of the patch. */
  path: string;
  /** The subject: what the submission does differently from the solution. */
  subject: string;
  /** The rest of the message (why it is wrong or correct). */
  body: string;
  /** The solution with the patch applied: a submission of every file of the exercise. */
  files: Record<string, string>;
}

/**
 * Read a submission stored as a patch mail against the exercise's solution
 * (a held-out submission: subject and body, no trailers) and apply it, with
 * the same loader and the same errors as a mutant.
 */
export function readSolutionPatch(ex: LoadedExercise, path: string): PatchedSubmission {
  const abs = resolve(path);
  const name = basename(abs).replace(/\.patch$/, "");
  let mail;
  try {
    mail = parsePatchMail(readPatchText(abs), name);
  } catch (e) {
    throw new GraderError((e as Error).message);
  }
  return { name, path: abs, subject: mail.subject, body: mail.body, files: applySolutionPatch(ex, abs, mail.diff) };
}
