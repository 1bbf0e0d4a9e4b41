/*
 * The type check runs against a virtual file system: the submission, the
 * learner-API declaration bundle and TypeScript's libraries, nothing else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SubmissionChecker } from "./compile";
import { REPO_ROOT } from "./exercise";

const solution = readFileSync(join(REPO_ROOT, "grader", "test", "fixture-exercise", "solution", "counter.ts"), "utf8");

describe("the submission checker", () => {
  const checker = new SubmissionChecker();

  it("reads only the submission, the API bundle and TypeScript's libraries", () => {
    expect(checker.check({ "counter.ts": solution }, ["counter.ts"]).ok).toBe(true);
    const files = checker.lastProgramFiles();
    expect(files).toContain("/__submission__/counter.ts");
    expect(files).toContain("/__api__/rmap-sim.d.ts");
    for (const f of files) expect(f).toMatch(/^\/__submission__\/|^\/__api__\/rmap-sim\.d\.ts$|\/typescript\/lib\/lib\.[a-z0-9.]+\.d\.ts$/);
  });

  it("resolves the exercise's other files among themselves, and nothing from disk", () => {
    const r = checker.check(
      { "a.ts": 'import { b } from "./b";\nexport const a: number = b;\n', "b.ts": "export const b = 1;\n" },
      ["a.ts", "b.ts"],
    );
    expect(r.ok).toBe(true);
    // A file that exists on the grader's disk, named relative to where a submission would sit in a real folder.
    const leak = checker.check({ "a.ts": 'export type T = import("./b").B;\n', "b.ts": "export {};\n" }, ["a.ts", "b.ts"]);
    expect(leak.ok).toBe(false);
    expect(JSON.stringify(leak)).not.toContain(REPO_ROOT);
  });

  it("gives no diagnostic that names a host path, even for a missing API name", () => {
    const r = checker.check({ "counter.ts": `${solution}\nimport { run_replay_internal } from "rmap-sim";\nexport const x = run_replay_internal;\n` }, ["counter.ts"]);
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).toMatch(/has no exported member|Did you mean/);
    expect(text).not.toContain(REPO_ROOT);
    expect(text).not.toContain("node_modules");
  });
});
