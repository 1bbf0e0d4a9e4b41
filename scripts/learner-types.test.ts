/*
 * The learner API's declaration file (simulator/rmap-sim.d.ts): up to date
 * with the simulator's source, loadable alone (as Monaco loads an extra
 * lib), with the kernel-doc comments, and enough to type-check every
 * reference solution with no file of the simulator in the program.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listExerciseDirs, readExercise } from "rmap-grader";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { buildTypes, TYPES_FILE } from "./build-types";

const committed = readFileSync(TYPES_FILE, "utf8");

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  allowImportingTsExtensions: true,
  noEmit: true,
  types: [],
  skipLibCheck: false,
};

/** A program of `files` plus the declaration file, where "rmap-sim" is only what the declaration file declares. */
function checkAgainstTypes(files: string[]): { diagnostics: string[]; sources: string[] } {
  const host = ts.createCompilerHost(OPTIONS, true);
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, options) =>
    literals.map((lit) =>
      lit.text === "rmap-sim" ? { resolvedModule: undefined } : ts.resolveModuleName(lit.text, containingFile, options, host),
    );
  const program = ts.createProgram({ rootNames: [TYPES_FILE, ...files], options: OPTIONS, host });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ""}:${d.start ?? 0}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  return { diagnostics, sources: program.getSourceFiles().map((s) => s.fileName) };
}

describe("simulator/rmap-sim.d.ts", () => {
  it("is what npm run build:types generates from the simulator's source (a stale file fails)", () => {
    expect(committed === buildTypes(), "simulator/rmap-sim.d.ts is stale: run npm run build:types and commit it").toBe(true);
  }, 120_000);

  it("is one ambient module declaration, loadable alone as an extra lib, and keeps the kernel-doc comments", () => {
    const sf = ts.createSourceFile("rmap-sim.d.ts", committed, ts.ScriptTarget.ES2022, true);
    expect(ts.isExternalModule(sf)).toBe(false);
    expect(sf.statements).toHaveLength(1);
    const decl = sf.statements[0]!;
    expect(ts.isModuleDeclaration(decl) && decl.name.text).toBe("rmap-sim");
    expect(committed).toMatch(/\/\*\* Acquire a spinlock\. The holder must not sleep until spin_unlock\(\)\. \*\/\n\s*export function spin_lock\(/);
    // The test side is not part of it.
    for (const internal of ["explore", "runTest", "defineSuite", "allocateNow", "trackFields", "runAtomically", "mm_alloc_now"]) {
      expect(committed).not.toMatch(new RegExp(`export (function|const|class) ${internal}\\b`));
    }
    expect(committed.length).toBeLessThan(64 * 1024);
  });

  it("type-checks every reference solution with no simulator source in the program", () => {
    const dirs = [...listExerciseDirs(), join(import.meta.dirname, "..", "grader", "test", "fixture-exercise")];
    const files = dirs.flatMap((d) => {
      const ex = readExercise(d);
      return ex.meta.files.map((f) => join(ex.dir, "solution", f));
    });
    expect(files.length).toBeGreaterThanOrEqual(8);
    const { diagnostics, sources } = checkAgainstTypes(files);
    expect(diagnostics).toEqual([]);
    expect(sources.filter((s) => s.includes("/simulator/src/"))).toEqual([]);
    for (const f of files) expect(sources).toContain(f);
  }, 120_000);

  it("refuses what the learner's API does not offer (the check is not vacuous)", () => {
    const bad = join(import.meta.dirname, "..", "grader", "test", "types", "uses-testing-api.ts");
    const { diagnostics } = checkAgainstTypes([bad]);
    expect(diagnostics.join("\n")).toMatch(/TS2305 Module '"rmap-sim"' has no exported member 'explore'/);
    expect(diagnostics.join("\n")).toMatch(/TS1362 'Op' cannot be used as a value/);
  });
});
