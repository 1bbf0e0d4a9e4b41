/*
 * npm run heldout [-- <exercise>...] [--json]
 *
 * Grades the held-out corpus (grader/test/heldout/<exercise>/{wrong,correct}/*.patch,
 * each a patch mail against the exercise's solution, applied by the grader's
 * own loader as mutants are)
 * and prints, per exercise, the wrong submissions given full marks (false
 * passes) and the correct ones given less than full marks (false fails, with
 * each failing test and its message), then the totals. With --json the output
 * ends with one JSON line {falsePasses, falseFails, wrong, correct, ...}.
 *
 * A patch that no longer applies to its solution stops the run with the
 * loader's message (rebase it). A submission the grader finds not gradable
 * was refused by the grader's own check (a type error, an import,
 * module-level state, a forgotten yield*): for a correct submission that is
 * a false fail, for a wrong one a catch (counted as refused).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { createLocalGrader, findExercise, readSolutionPatch } from "rmap-grader";
import type { Results } from "rmap-schemas";

export const CORPUS_DIR = join(import.meta.dirname, "..", "grader", "test", "heldout");

export interface HeldoutArgs {
  json: boolean;
  exercises: string[];
}

/** Parses the command line; throws with the usage for an unknown option. */
export function parseArgs(argv: string[]): HeldoutArgs {
  const out: HeldoutArgs = { json: false, exercises: [] };
  for (const a of argv) {
    if (a === "--json") out.json = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\nusage: npm run heldout [-- <exercise>...] [--json]`);
    else out.exercises.push(a);
  }
  return out;
}

export interface CorpusEntry {
  exercise: string;
  expect: "wrong" | "correct";
  name: string;
  path: string;
}

/** Every corpus patch under root, in a stable order (exercise, wrong before correct, name). */
export function listCorpus(root = CORPUS_DIR, only: string[] = []): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  if (!existsSync(root)) return entries;
  for (const exercise of readdirSync(root).sort()) {
    if (!statSync(join(root, exercise)).isDirectory()) continue;
    if (only.length > 0 && !only.includes(exercise)) continue;
    for (const expect of ["wrong", "correct"] as const) {
      const dir = join(root, exercise, expect);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) {
        if (f.endsWith(".patch")) entries.push({ exercise, expect, name: basename(f, ".patch"), path: join(dir, f) });
      }
    }
  }
  return entries;
}

export type Verdict =
  | { kind: "ok"; score: number }
  | { kind: "false-pass"; score: number }
  | { kind: "false-fail"; score: number; failures: Array<{ test: string; message: string }> }
  | { kind: "not-gradable"; errors: string[] };

/** What a result means for a corpus entry: a wrong one must lose points, a correct one must not. */
export function classify(expect: "wrong" | "correct", r: Results): Verdict {
  if (!r.gradable) {
    return { kind: "not-gradable", errors: (r.compileErrors ?? []).map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`) };
  }
  const full = r.score >= 1;
  if (expect === "wrong") return full ? { kind: "false-pass", score: r.score } : { kind: "ok", score: r.score };
  if (full) return { kind: "ok", score: r.score };
  const failures = r.tests.filter((t) => !t.passed).map((t) => ({ test: t.name, message: t.message }));
  return { kind: "false-fail", score: r.score, failures };
}

export interface Summary {
  falsePasses: number;
  falseFails: number;
  wrong: number;
  correct: number;
  /** Wrong submissions caught by being refused at the check (not gradable). */
  refusedWrong: number;
  perExercise: Record<string, { wrong: number; correct: number; falsePasses: string[]; falseFails: string[] }>;
}

export function summarize(rows: Array<{ entry: CorpusEntry; verdict: Verdict }>): Summary {
  const s: Summary = { falsePasses: 0, falseFails: 0, wrong: 0, correct: 0, refusedWrong: 0, perExercise: {} };
  for (const { entry, verdict } of rows) {
    const ex = (s.perExercise[entry.exercise] ??= { wrong: 0, correct: 0, falsePasses: [], falseFails: [] });
    ex[entry.expect] += 1;
    s[entry.expect] += 1;
    if (verdict.kind === "false-pass") {
      s.falsePasses += 1;
      ex.falsePasses.push(entry.name);
    } else if (entry.expect === "correct" && (verdict.kind === "false-fail" || verdict.kind === "not-gradable")) {
      s.falseFails += 1;
      ex.falseFails.push(entry.name);
    } else if (entry.expect === "wrong" && verdict.kind === "not-gradable") {
      s.refusedWrong += 1;
    }
  }
  return s;
}

async function main(argv: string[]): Promise<number> {
  let args: HeldoutArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const entries = listCorpus(CORPUS_DIR, args.exercises);
  if (entries.length === 0) {
    console.error(`no corpus files under ${CORPUS_DIR}${args.exercises.length ? ` for ${args.exercises.join(", ")}` : ""}`);
    return 2;
  }
  const grader = createLocalGrader();
  const rows: Array<{ entry: CorpusEntry; verdict: Verdict }> = [];
  let current = "";
  for (const entry of entries) {
    if (entry.exercise !== current) {
      current = entry.exercise;
      console.log(`\n== ${current}`);
    }
    const ex = findExercise(entry.exercise);
    const results = await grader.grade(ex.dir, readSolutionPatch(ex, entry.path).files);
    const verdict = classify(entry.expect, results);
    rows.push({ entry, verdict });
    const tag = `${entry.expect}/${entry.name}`;
    switch (verdict.kind) {
      case "ok":
        console.log(`  ok          ${tag} (score ${verdict.score.toFixed(2)})`);
        break;
      case "false-pass":
        console.log(`  FALSE PASS  ${tag} (score 1)`);
        break;
      case "false-fail":
        console.log(`  FALSE FAIL  ${tag} (score ${verdict.score.toFixed(2)})`);
        for (const f of verdict.failures) console.log(`      ${f.test}: ${f.message}`);
        break;
      case "not-gradable":
        console.log(entry.expect === "wrong" ? `  ok (refused) ${tag}` : `  FALSE FAIL  ${tag} (not gradable)`);
        for (const e of verdict.errors) console.log(`      ${e}`);
        break;
    }
  }
  const s = summarize(rows);
  console.log("\nper exercise (wrong, correct, false passes, false fails):");
  for (const [name, ex] of Object.entries(s.perExercise)) {
    console.log(`  ${name}: ${ex.wrong} wrong, ${ex.correct} correct, ` +
      `false passes ${ex.falsePasses.length}${ex.falsePasses.length ? ` [${ex.falsePasses.join(", ")}]` : ""}, ` +
      `false fails ${ex.falseFails.length}${ex.falseFails.length ? ` [${ex.falseFails.join(", ")}]` : ""}`);
  }
  console.log(`\ntotal: ${s.wrong} wrong (${s.falsePasses} false passes), ${s.correct} correct (${s.falseFails} false fails)` +
    (s.refusedWrong ? `; ${s.refusedWrong} of the wrong ones refused at the check` : ""));
  if (args.json) {
    console.log(JSON.stringify({ falsePasses: s.falsePasses, falseFails: s.falseFails, wrong: s.wrong, correct: s.correct, refusedWrong: s.refusedWrong, perExercise: s.perExercise }));
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 3;
    },
  );
}
