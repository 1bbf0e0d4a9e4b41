/*
 * The bundle a browser runner builds (the simulator and the public suites of
 * every exercise) holds no hidden test name, no body of a reference
 * solution's or a mutant's function, and no file of tests/hidden/,
 * solution/ or mutants/. Positive controls prove each check would notice.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, transformSync } from "esbuild";
import { listExerciseDirs, listMutants, readExercise, readMutant, type LoadedExercise } from "rmap-grader";
import { isSuite } from "rmap-sim/testing";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const exercises: LoadedExercise[] = listExerciseDirs().map(readExercise);
const HIDDEN_INPUT = /(^|\/)exercises\/[^/]+\/(tests\/hidden|solution|mutants)\//;

async function bundle(entries: string[]): Promise<{ text: string; inputs: string[] }> {
  const r = await build({
    stdin: {
      contents: entries.map((e, i) => `export { default as s${i} } from ${JSON.stringify(e)};`).join("\n") + '\nexport * from "rmap-sim/testing";\n',
      resolveDir: process.cwd(),
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    metafile: true,
    logLevel: "silent",
  });
  return { text: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) };
}

const squash = (s: string): string => s.replace(/\s+/g, "");

/** The bodies of every function in a file, as esbuild prints them, without whitespace; short ones left out. */
function functionBodies({ file, text }: { file: string; text: string }): string[] {
  const js = transformSync(text, { loader: "ts", format: "esm", target: "es2022" }).code;
  const sf = ts.createSourceFile(file, js, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && n.body && ts.isBlock(n.body)) {
      const body = squash(n.body.getText(sf));
      if (body.length >= 60) out.push(body);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Test names of the hidden suites, built from the reference solution; names that public tests or scenarios also use are left out. */
async function hiddenTestNames(): Promise<string[]> {
  const hidden = new Set<string>();
  const visible = new Set<string>();
  for (const ex of exercises) {
    const impl = await import(join(ex.dir, "solution", ex.meta.files[0]!));
    for (const g of ex.meta.groups) {
      const suite = (await import(join(ex.dir, g.file))).default;
      if (!isSuite(suite)) throw new Error(`${g.file} is not a suite`);
      for (const t of suite.factory(impl)) {
        if (g.kind !== "public") hidden.add(t.name);
        else for (const n of [t.name, ...(t.kind === "generated" ? [] : t.scenarios.map((s) => s.name))]) visible.add(n);
      }
    }
  }
  return [...hidden].filter((n) => !visible.has(n));
}

const publicSuites = exercises.flatMap((ex) => ex.meta.groups.filter((g) => g.kind === "public").map((g) => join(ex.dir, g.file)));
/** The reference solutions, and every mutant (its patch applied to the solution). */
const privateFiles = exercises.flatMap((ex) => {
  const sol = ex.meta.files.map((f) => ({ file: join(ex.dir, "solution", f), text: readFileSync(join(ex.dir, "solution", f), "utf8") }));
  const mutants = listMutants(ex).flatMap((m) =>
    Object.entries(readMutant(ex, m).files).map(([f, text]) => ({ file: join(ex.dir, "mutants", `${m}.patch:${f}`), text })),
  );
  return [...sol, ...mutants];
});

let browser: { text: string; inputs: string[] };
let names: string[];
let bodies: string[];

beforeAll(async () => {
  browser = await bundle(publicSuites);
  names = await hiddenTestNames();
  bodies = privateFiles.flatMap(functionBodies);
}, 120_000);

describe("the browser runner's bundle", () => {
  it("is built from the public suites and the simulator, no hidden, solution or mutant file", () => {
    expect(publicSuites.length).toBeGreaterThanOrEqual(7);
    expect(browser.inputs.filter((p) => HIDDEN_INPUT.test(p))).toEqual([]);
    expect(browser.inputs.some((p) => p.includes("simulator/src/execution.ts"))).toBe(true);
  });

  it("holds no hidden test name", () => {
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => browser.text.includes(JSON.stringify(n)))).toEqual([]);
  });

  it("holds no function body of a reference solution or a mutant", () => {
    expect(bodies.length).toBeGreaterThan(50);
    const text = squash(browser.text);
    expect(bodies.filter((b) => text.includes(b)).map((b) => b.slice(0, 80))).toEqual([]);
  });

  it("the checks notice a leak (a bundle that also takes one hidden suite and one solution)", async () => {
    const ex = exercises.find((e) => e.meta.groups.some((g) => g.kind !== "public"))!;
    const hiddenSuite = join(ex.dir, ex.meta.groups.find((g) => g.kind !== "public")!.file);
    const leaky = await bundle([...publicSuites, hiddenSuite]);
    expect(leaky.inputs.some((p) => HIDDEN_INPUT.test(p))).toBe(true);
    expect(names.some((n) => leaky.text.includes(JSON.stringify(n)))).toBe(true);
    const withSolution = await build({
      entryPoints: [join(ex.dir, "solution", ex.meta.files[0]!)],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      logLevel: "silent",
    });
    const text = squash(withSolution.outputFiles[0]!.text);
    const file = join(ex.dir, "solution", ex.meta.files[0]!);
    expect(functionBodies({ file, text: readFileSync(file, "utf8") }).some((b) => text.includes(b))).toBe(true);
  }, 120_000);
});
