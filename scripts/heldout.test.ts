import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Results } from "rmap-schemas";
import { EXERCISES_DIR, findExercise, readReference, readSolutionPatch } from "rmap-grader";
import { classify, CORPUS_DIR, listCorpus, parseArgs, summarize } from "./heldout";

function results(score: number, failing: Array<[string, string]> = [], gradable = true): Results {
  return {
    gradable,
    score,
    points: score * 10,
    max_points: 10,
    message: "",
    exercise: { id: "x", folder: "00-x", title: "x" },
    tests: failing.map(([name, message]) => ({
      name, group: "g", kind: "interleaving", hidden: true, passed: false, points: 0, max_points: 1, message, description: "", executions: 1,
    })),
    ...(gradable ? {} : { compileErrors: [{ file: "a.ts", line: 3, column: 4, message: "bad" }] }),
  } as Results;
}

describe("heldout script", () => {
  const dir = mkdtempSync(join(tmpdir(), "heldout-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("parses exercises and --json, and refuses unknown options", () => {
    expect(parseArgs(["01-anon-vma", "--json"])).toEqual({ json: true, exercises: ["01-anon-vma"] });
    expect(parseArgs([])).toEqual({ json: false, exercises: [] });
    expect(() => parseArgs(["--jsno"])).toThrow(/unknown option --jsno/);
  });

  it("lists wrong before correct, sorted, .patch only, filtered by exercise", () => {
    for (const [ex, kind, f] of [["01-a", "correct", "z.patch"], ["01-a", "wrong", "b.patch"], ["01-a", "wrong", "a.patch"], ["01-a", "wrong", "notes.md"], ["01-a", "wrong", "old.ts"], ["02-b", "wrong", "c.patch"]] as const) {
      mkdirSync(join(dir, ex, kind), { recursive: true });
      writeFileSync(join(dir, ex, kind, f), "");
    }
    expect(listCorpus(dir).map((e) => `${e.exercise}/${e.expect}/${e.name}`)).toEqual(["01-a/wrong/a", "01-a/wrong/b", "01-a/correct/z", "02-b/wrong/c"]);
    expect(listCorpus(dir, ["02-b"]).map((e) => e.name)).toEqual(["c"]);
    expect(listCorpus(join(dir, "none"))).toEqual([]);
  });

  it("classifies full marks on a wrong submission as a false pass and less on a correct one as a false fail", () => {
    expect(classify("wrong", results(1)).kind).toBe("false-pass");
    expect(classify("wrong", results(0.5)).kind).toBe("ok");
    expect(classify("correct", results(1)).kind).toBe("ok");
    expect(classify("correct", results(0.9, [["t", "lockdep: bad unlock"]]))).toEqual({ kind: "false-fail", score: 0.9, failures: [{ test: "t", message: "lockdep: bad unlock" }] });
    expect(classify("correct", results(0, [], false))).toEqual({ kind: "not-gradable", errors: ["a.ts:3:4 bad"] });
  });

  it("counts false passes and fails per exercise; a non-gradable correct file is a false fail, a wrong one is refused (caught)", () => {
    const e = (exercise: string, expect: "wrong" | "correct", name: string) => ({ exercise, expect, name, path: "" });
    const s = summarize([
      { entry: e("a", "wrong", "w1"), verdict: classify("wrong", results(1)) },
      { entry: e("a", "wrong", "w2"), verdict: classify("wrong", results(0.2)) },
      { entry: e("a", "wrong", "w3"), verdict: classify("wrong", results(0, [], false)) },
      { entry: e("a", "correct", "c1"), verdict: classify("correct", results(0, [], false)) },
      { entry: e("b", "correct", "c2"), verdict: classify("correct", results(1)) },
    ]);
    expect(s).toMatchObject({ falsePasses: 1, falseFails: 1, wrong: 3, correct: 2, refusedWrong: 1 });
    expect(s.perExercise.a).toEqual({ wrong: 3, correct: 1, falsePasses: ["w1"], falseFails: ["c1"] });
    expect(s.perExercise.b).toEqual({ wrong: 0, correct: 1, falsePasses: [], falseFails: [] });
  });

  it("finds the corpus: every exercise has wrong and correct submissions", () => {
    const entries = listCorpus(CORPUS_DIR);
    const exercises = new Set(entries.map((x) => x.exercise));
    for (const ex of exercises) {
      expect(existsSync(join(EXERCISES_DIR, ex, "exercise.json")), ex).toBe(true);
      expect(entries.some((x) => x.exercise === ex && x.expect === "wrong")).toBe(true);
      expect(entries.some((x) => x.exercise === ex && x.expect === "correct")).toBe(true);
    }
    expect(exercises.size).toBeGreaterThanOrEqual(7);
  });

  it("every corpus patch applies to its exercise's solution, changes it, and says what it changes", () => {
    const entries = listCorpus(CORPUS_DIR);
    expect(entries.length).toBeGreaterThanOrEqual(50);
    for (const e of entries) {
      const ex = findExercise(e.exercise);
      const sub = readSolutionPatch(ex, e.path);
      expect(sub.subject.length, e.path).toBeGreaterThan(10);
      if (e.expect === "wrong") expect(sub.body, e.path).toMatch(/^Why wrong: [\s\S]*\n\nRule: /);
      const main = ex.meta.files[0]!;
      expect(sub.files[main], e.path).not.toBe(readReference(ex, "solution")[main]);
    }
  });

  it("refuses a corpus patch that no longer applies, naming it", () => {
    const ex = findExercise("00-tools");
    const stale = join(dir, "stale.patch");
    writeFileSync(
      stale,
      "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] a change\n\n---\n" +
        "diff --git a/eventlog.ts b/eventlog.ts\n--- a/eventlog.ts\n+++ b/eventlog.ts\n@@ -1,1 +1,1 @@\n-no such line\n+other\n",
    );
    expect(() => readSolutionPatch(ex, stale)).toThrow(/stale\.patch no longer applies to solution\/eventlog\.ts/);
  });
});
