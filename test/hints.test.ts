/*
 * Every exercise carries hints (exercises/<folder>/hints.json) that validate
 * against the workbench's schema, start general, cover every failure kind
 * its known bugs (the mutants) are caught by, key scenarios only by names a
 * learner can see, and never quote the reference solution.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { listExerciseDirs, listMutants, readExercise, readMutant, readReference } from "rmap-grader";
import { HintsSchema, hintsFor, type Hint } from "../app/_components/workbench/hints";
import { buildManifest } from "../scripts/exercise-manifest";

const ROOT = join(import.meta.dirname, "..");
const dirs = listExerciseDirs(join(ROOT, "exercises"));

function loadHints(dir: string): Hint[] {
  return HintsSchema.parse(JSON.parse(readFileSync(join(dir, "hints.json"), "utf8")));
}

/** Lines of code long enough to be a giveaway if a hint quoted them. */
function telltaleLines(source: string): string[] {
  return source
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length >= 24 && !l.startsWith("//") && !l.startsWith("*") && !l.startsWith("/*"));
}

describe("hints", () => {
  it("exist for the seven exercises", () => {
    expect(dirs.map((d) => basename(d))).toHaveLength(7);
  });

  for (const dir of dirs) {
    const folder = basename(dir);
    describe(folder, () => {
      it("validate against the schema, at least five, the first one general", () => {
        const hints = loadHints(dir);
        expect(hints.length).toBeGreaterThanOrEqual(5);
        expect(hints[0]!.kind).toBeUndefined();
        expect(new Set(hints.map((h) => h.text)).size).toBe(hints.length);
      });

      it("cover every failure kind the exercise's known bugs are caught by", () => {
        const ex = readExercise(dir);
        const kinds = new Set(listMutants(ex).map((m) => readMutant(ex, m).header.caughtBy));
        const hints = loadHints(dir);
        for (const k of kinds) {
          const offered = hintsFor(hints, k, undefined);
          expect(offered.some((h) => h.kind === k), `no hint for ${k}`).toBe(true);
        }
      });

      it("key scenarios only by the names of public scenarios (hints reach the browser)", async () => {
        const manifest = await buildManifest(join(ROOT, "exercises"));
        const ex = manifest.exercises.find((e) => e.folder === folder)!;
        const publicNames = new Set(ex.groups.filter((g) => !g.hidden).flatMap((g) => g.tests.flatMap((t) => (t.kind === "generated" ? [] : t.scenarios.map((s) => s.name)))));
        for (const h of loadHints(dir)) if (h.scenario !== undefined) expect(publicNames, `scenario "${h.scenario}"`).toContain(h.scenario);
      });

      it("quote no line of the reference solution", () => {
        const solution = Object.values(readReference(readExercise(dir), "solution")).join("\n");
        const starter = Object.values(readReference(readExercise(dir), "starter")).join("\n");
        const given = new Set(telltaleLines(starter));
        const text = loadHints(dir).map((h) => h.text).join("\n");
        for (const line of telltaleLines(solution)) if (!given.has(line)) expect(text, line).not.toContain(line);
      });
    });
  }

  it("the schema rejects an unknown kind, an unknown field and an empty text", () => {
    expect(HintsSchema.safeParse([{ kind: "oops", text: "x" }]).success).toBe(false);
    expect(HintsSchema.safeParse([{ text: "x", answer: "y" }]).success).toBe(false);
    expect(HintsSchema.safeParse([{ text: "" }]).success).toBe(false);
    expect(HintsSchema.safeParse([{ kind: "leak", scenario: "s", text: "x" }]).success).toBe(true);
  });
});
