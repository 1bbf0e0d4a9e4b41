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
    for (const f of files) expect(f).toMatch(/^\/__submission__\/|^\/__api__\/(rmap-sim|globals)\.d\.ts$|\/typescript\/lib\/lib\.[a-z0-9.]+\.d\.ts$/);
  });

  it("knows the sandbox's console, and no other host global", () => {
    const logs = checker.check({ "counter.ts": `${solution}
console.log("value", 1);
console.error(new Error("x"));
` }, ["counter.ts"]);
    expect(logs.ok).toBe(true);
    for (const host of ["process.exit(0);", "require(\"fs\");", "window.alert(1);", "setTimeout(() => {}, 1);"]) {
      const r = checker.check({ "counter.ts": `${solution}
${host}
` }, ["counter.ts"]);
      expect(r.ok, host).toBe(false);
    }
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

describe("module-level state", () => {
  const checker = new SubmissionChecker();
  const importEnd = solution.split("\n").findIndex((l) => l.startsWith("import ") && l.includes(";")) + 1;
  /** The solution with `decl` inserted after its import; returns the errors and the line `decl` starts on. */
  function withDecl(decl: string): { errors: Array<{ line: number; message: string }>; line: number } {
    const lines = solution.split("\n");
    const src = [...lines.slice(0, importEnd), decl, ...lines.slice(importEnd)].join("\n");
    const r = checker.check({ "counter.ts": src }, ["counter.ts"]);
    return { errors: r.ok ? [] : r.errors, line: importEnd + 1 };
  }

  it.each([
    "const ESC = String.fromCharCode(27);",
    "const N = 1 << 4;",
    "const MASK = (1 << 4) - 1;",
    "const PAGE_RE = /^page#(\\d+)$/;",
    "const TABLE = Object.freeze({ a: 1, b: \"two\" });",
    "const NAMES = Object.freeze([\"a\", \"b\"]);",
    "const NESTED = Object.freeze({ limits: Object.freeze([1, 2]), name: \"x\" });",
    "const DEEP = { a: [1, 2], b: { c: 3 } } as const;",
    "const RO: Readonly<{ a: number }> = { a: 1 };",
    "const HALF = Math.floor(7 / 2);",
    "const LABEL = `v${1 + 1}`;",
    "const twice = (x: number): number => 2 * x;",
    "const SQUARES = Object.freeze([1, 2, 3].map((x) => x * x));",
    "class Limits { static readonly MAX = 4; static readonly NAME = \"limits\"; }",
    "enum Kind { A, B }",
  ])("accepts the immutable %s", (decl) => {
    expect(withDecl(decl).errors).toEqual([]);
  });

  // A table of primitives the file only reads is accepted; written, called on, passed, aliased or exported, it is not.
  const span = "const SPAN: Record<string, number> = { pgd: 39, pte: 12 };\n";
  it("accepts a table of primitives that the file only reads", () => {
    const reads = "export function span_of(l: string): number { return l in SPAN ? SPAN[l]! + SPAN.pte! : 0; }\n";
    expect(withDecl(span + reads).errors).toEqual([]);
  });
  it.each([
    ["a write", "export function f(): void { SPAN.pgd = 1; }"],
    ["an increment", "export function f(): void { SPAN[\"pgd\"]!++; }"],
    ["a delete", "export function f(): void { delete SPAN.pgd; }"],
    ["a call with it", "export function f(): string[] { return Object.keys(SPAN); }"],
    ["an alias", "export function f(): Record<string, number> { const t = SPAN; return t; }"],
    ["a shorthand property", "export function f(): object { return { SPAN }; }"],
    ["an export", "export { SPAN };"],
  ])("refuses that table once it has %s", (_what, use) => {
    const { errors, line } = withDecl(span + use);
    expect(errors).toContainEqual(expect.objectContaining({ line, message: expect.stringMatching(/module-level mutable object `SPAN`/) }));
  });
  it("refuses an exported table even if this file only reads it", () => {
    const { errors, line } = withDecl("export const SPAN = { pgd: 39 };\nexport function f(): number { return SPAN.pgd; }");
    expect(errors).toContainEqual(expect.objectContaining({ line, message: expect.stringMatching(/module-level mutable object `SPAN`/) }));
  });

  it.each([
    ["let hits = 0;", /module-level variable `hits`/],
    ["var hits = 0;", /module-level variable `hits`/],
    ["{ var inBlock = 0; }", /module-level variable `inBlock`/],
    ["const seen = new Map<number, number>();", /module-level mutable object `seen`.*an object made with new/],
    ["const totals = [0, 0];\nexport function bump(): void { totals[0] = 1; }", /module-level mutable object `totals`.*not frozen/],
    ["const state = { n: 0 };\nexport function bump(): void { state.n++; }", /module-level mutable object `state`/],
    ["const FROZEN_MAP = Object.freeze(new Map<number, number>());", /`FROZEN_MAP`.*Object\.freeze\(\) freezes only/],
    ["const SHALLOW = Object.freeze({ list: [1, 2] });", /`SHALLOW`.*frozen table holding/],
    ["const GLOBAL_RE = /page/g;", /`GLOBAL_RE`.*lastIndex/],
    ["const STICKY_RE = /page/y;", /`STICKY_RE`.*lastIndex/],
    ["const counter = (() => { let n = 0; return () => ++n; })();", /module-level mutable object `counter`/],
    ['const big_lock = new Spinlock("big_lock");', /module-level lock `big_lock`/],
    ["class Stats { static count = 0; }", /module-level class `Stats`.*static field `count` that is not readonly/],
    ["class Cache { static readonly byId = new Map<number, number>(); }", /module-level class `Cache`.*static field `byId`/],
  ])("refuses the mutable %s, with its line and why", (decl, why) => {
    const { errors, line } = withDecl(decl);
    expect(errors).toContainEqual(expect.objectContaining({ line, message: expect.stringMatching(why) }));
    expect(errors.some((e) => /every simulated execution/.test(e.message))).toBe(true);
  });
});
