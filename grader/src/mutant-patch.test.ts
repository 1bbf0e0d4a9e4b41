/*
 * Mutant patches (mutants/NAME.patch): the mail format is parsed strictly,
 * and a patch is applied only where its context matches the solution exactly.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GraderError, type LoadedExercise, listMutants, readMutant, readSolutionPatch } from "./exercise";
import { parseMutantPatch, parsePatchMail } from "rmap-schemas";

const SOLUTION = ["export function* f(): Generator<unknown, number> {", "  const a = 1;", "  const b = 2;", "  return a + b;", "}", ""].join("\n");

function patch(opts: { subject?: string; trailers?: string[]; body?: string; context?: string } = {}): string {
  const ctx = opts.context ?? "  const a = 1;";
  return [
    "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001",
    `Subject: [PATCH] ${opts.subject ?? "Returns the first operand only, dropping"}`,
    " the second.",
    "",
    ...(opts.body ? [opts.body, ""] : []),
    ...(opts.trailers ?? ["Caught-by: assertion", "Test: sums both"]),
    "---",
    " rmap.ts | 2 +-",
    " 1 file changed, 1 insertion(+), 1 deletion(-)",
    "",
    "diff --git a/rmap.ts b/rmap.ts",
    "--- a/rmap.ts",
    "+++ b/rmap.ts",
    "@@ -2,4 +2,4 @@",
    ctx.replace(/^/, " "),
    "   const b = 2;",
    "-  return a + b;",
    "+  return a;",
    " }",
    "-- ",
    "2.47.0",
    "",
  ].join("\n");
}

function exerciseWith(patches: Record<string, string>): LoadedExercise {
  const dir = mkdtempSync(join(tmpdir(), "mutant-patch-"));
  mkdirSync(join(dir, "solution"));
  mkdirSync(join(dir, "mutants"));
  writeFileSync(join(dir, "solution", "rmap.ts"), SOLUTION);
  for (const [name, text] of Object.entries(patches)) writeFileSync(join(dir, "mutants", `${name}.patch`), text);
  return { dir, folder: "99-test", meta: { files: ["rmap.ts"] } as LoadedExercise["meta"] };
}

describe("mutant patches", () => {
  it("parse the subject (folded), the explanation and the trailers", () => {
    const p = parseMutantPatch(patch({ body: "Why it matters." }), "drop-b");
    expect(p.header).toEqual({ mutant: "drop-b", bug: "Returns the first operand only, dropping the second.", caughtBy: "assertion", test: "sums both" });
    expect(p.body).toBe("Why it matters.");
    expect(p.diff.startsWith("diff --git a/rmap.ts b/rmap.ts\n")).toBe(true);
    expect(p.diff).not.toContain("2.47.0");
  });

  it("apply to the solution", () => {
    const ex = exerciseWith({ "drop-b": patch() });
    expect(listMutants(ex)).toEqual(["drop-b"]);
    const m = readMutant(ex, "drop-b");
    expect(m.files["rmap.ts"]).toBe(SOLUTION.replace("return a + b;", "return a;"));
  });

  it("that no longer apply are an error naming the patch", () => {
    const ex = exerciseWith({ stale: patch({ context: "  const a = 10;" }) });
    expect(() => readMutant(ex, "stale")).toThrow(GraderError);
    expect(() => readMutant(ex, "stale")).toThrow(/stale\.patch no longer applies to solution\/rmap\.ts/);
  });

  it("without a Caught-by trailer are rejected", () => {
    expect(() => parseMutantPatch(patch({ trailers: ["Test: sums both"] }), "x")).toThrow(/Caught-by/);
  });

  it("with an unknown trailer are rejected", () => {
    expect(() => parseMutantPatch(patch({ trailers: ["Caught-by: leak", "Signed-off-by: someone"] }), "x")).toThrow(/trailers/);
  });

  it("without a subject are rejected", () => {
    expect(() => parseMutantPatch(patch().replace(/^Subject:.*\n.*\n/m, ""), "x")).toThrow(/Subject/);
  });

  it("naming a file the exercise does not have are rejected", () => {
    const ex = exerciseWith({ other: patch().replaceAll("rmap.ts", "mm.ts") });
    expect(() => readMutant(ex, "other")).toThrow(/mm\.ts, which is not one of the exercise's files/);
  });

  it("given twice a trailer are rejected", () => {
    expect(() => parseMutantPatch(patch({ trailers: ["Caught-by: leak", "Caught-by: assertion"] }), "x")).toThrow(/trailer Caught-by given twice/);
  });
});

describe("solution patches without trailers (held-out submissions)", () => {
  it("keep the whole message as their body", () => {
    const mail = parsePatchMail(patch({ body: "Why wrong: it drops b.", trailers: ["Rule: add both."] }), "drop-b");
    expect(mail.subject).toBe("Returns the first operand only, dropping the second.");
    expect(mail.body).toBe("Why wrong: it drops b.\n\nRule: add both.");
    expect(mail.trailers).toEqual({});
  });

  it("apply through the mutants' loader, with its errors", () => {
    const ex = exerciseWith({ "drop-b": patch({ trailers: ["Rule: add both."] }), stale: patch({ trailers: ["Rule: x y z."], context: "  const a = 10;" }) });
    const sub = readSolutionPatch(ex, join(ex.dir, "mutants", "drop-b.patch"));
    expect(sub).toMatchObject({ name: "drop-b", subject: "Returns the first operand only, dropping the second.", body: "Rule: add both." });
    expect(sub.files["rmap.ts"]).toBe(SOLUTION.replace("return a + b;", "return a;"));
    expect(() => readSolutionPatch(ex, join(ex.dir, "mutants", "stale.patch"))).toThrow(/stale\.patch no longer applies to solution\/rmap\.ts/);
    expect(() => readSolutionPatch(ex, join(ex.dir, "mutants", "none.patch"))).toThrow(/cannot read .*none\.patch/);
  });
});
