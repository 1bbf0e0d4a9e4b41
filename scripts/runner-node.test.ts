/*
 * The WebContainer runner's Node script, bundled as the site bundles it
 * (scripts/workbench-assets.ts) and run as a WebContainer runs it: `node
 * runner.mjs` in a folder holding request.json, results.json written beside
 * it. The reference solution passes every public test, the unlocked mutant
 * fails one, and an unknown exercise exits 1 with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { readExercise, readMutant } from "rmap-grader";
import { ResultsSchema } from "rmap-schemas";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRequest } from "../app/_components/workbench/protocol";

const ROOT = join(import.meta.dirname, "..");
const EX = join(ROOT, "exercises", "00-tools");
const dir = mkdtempSync(join(tmpdir(), "rmap-runner-node-"));

function compile(file: string, source: string) {
  const out = ts.transpileModule(source, { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true } });
  return { file, js: out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, ""), map: out.sourceMapText ?? null };
}

function runIn(req: RunRequest) {
  rmSync(join(dir, "results.json"), { force: true });
  writeFileSync(join(dir, "request.json"), JSON.stringify(req));
  const p = spawnSync(process.execPath, ["runner.mjs"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { code: p.status, stderr: p.stderr, results: existsSync(join(dir, "results.json")) ? ResultsSchema.parse(JSON.parse(readFileSync(join(dir, "results.json"), "utf8"))) : null };
}

beforeAll(async () => {
  await build({
    entryPoints: [join(ROOT, "app", "_components", "workbench", "runner.node.ts")],
    outfile: join(dir, "runner.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node18",
    logLevel: "silent",
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the WebContainer runner's Node script", () => {
  it("passes the reference solution on every public test", () => {
    const r = runIn({ type: "run", exercise: "00-tools", title: "t", files: [compile("eventlog.ts", readFileSync(join(EX, "solution", "eventlog.ts"), "utf8"))] });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.results!.tests.length).toBeGreaterThanOrEqual(3);
    expect(r.results!.score).toBe(1);
  });

  it("fails the unlocked mutant on the racing test, with a trace", () => {
    const source = readMutant(readExercise(EX), "no-lock").files["eventlog.ts"]!;
    const r = runIn({ type: "run", exercise: "00-tools", title: "t", files: [compile("eventlog.ts", source)] });
    expect(r.code).toBe(0);
    const t = r.results!.tests.find((x) => x.name === "two threads log at once")!;
    expect(t.passed).toBe(false);
    expect(t.trace?.length).toBeGreaterThan(0);
  });

  it("exits 1 with the reason for an exercise it has no public tests of", () => {
    const r = runIn({ type: "run", exercise: "no-such", title: "t", files: [] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no public tests for exercise no-such/);
    expect(r.results).toBeNull();
  });
});
