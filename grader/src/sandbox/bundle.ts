/*
 * The trusted code of the sandbox, built once per exercise and cached:
 *
 * - the runtime: a no-op console for SES's own warnings, a
 *   Function.prototype.toString that shows only the learner's own functions
 *   (so values the learner receives do not reveal test source), SES, and
 *   lockdown();
 * - the bundle: the simulator ("rmap-sim" and "rmap-sim/testing", found
 *   through package resolution), the exercise's suites and entry.ts, as one
 *   strict-mode script.
 *
 * The bundle cache is keyed by a hash of every input file's contents, so an
 * edited suite or simulator file is picked up at the next grading.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { GraderError, type LoadedExercise } from "../exercise";
import { readOrEmpty } from "../compile";

export interface TrustedBundle {
  /** The bundle's script. */
  code: string;
  /** Content hash of every input. */
  hash: string;
  /** Absolute paths of the inputs, for revalidating the cache. */
  inputs: string[];
}

const LOCKDOWN_OPTIONS = {
  // Stacks must carry file:line for reports; compartments still get a powerless Error.prepareStackTrace.
  errorTaming: "unsafe",
  stackFiltering: "verbose",
  overrideTaming: "moderate",
  consoleTaming: "unsafe",
  evalTaming: "safe-eval",
};

const PRELUDE = `
"use strict";
(() => {
  const sink = () => {};
  globalThis.console = { log: sink, info: sink, warn: sink, error: sink, debug: sink, trace: sink,
    group: sink, groupCollapsed: sink, groupEnd: sink, time: sink, timeEnd: sink, timeLog: sink, assert: sink,
    count: sink, countReset: sink, dir: sink, dirxml: sink, table: sink };
  const realToString = Function.prototype.toString;
  const call = Function.prototype.call.bind(realToString);
  const learnerTexts = [];
  const toString = {
    toString() {
      const text = call(this);
      for (const t of learnerTexts) if (t.includes(text)) return text;
      const name = typeof this === "function" && typeof Object.getOwnPropertyDescriptor(this, "name")?.value === "string"
        ? Object.getOwnPropertyDescriptor(this, "name").value : "";
      return "function " + name + "() { [native code] }";
    },
  }.toString;
  Object.defineProperty(Function.prototype, "toString", { value: toString, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(globalThis, "__addLearnerSource", { value: (t) => { learnerTexts.push(String(t)); }, enumerable: false });
})();
`;

/** The grader's own folder: "rmap-sim" resolves from here, as for the grader's own imports. */
const GRADER_DIR = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Every "rmap-sim" import of the bundle (the entry's and the suites') resolves
 * from the grader's folder through the package's exports, so the bundle holds
 * one copy of the simulator (suites and entry share its classes and its
 * running execution) even for an exercise folder outside the repository.
 */
const oneSimulator: Plugin = {
  name: "one-simulator",
  setup(b) {
    b.onResolve({ filter: /^rmap-sim(\/.*)?$/ }, async (args) => {
      if (args.pluginData === "one-simulator") return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: GRADER_DIR, pluginData: "one-simulator" });
      return r.errors.length ? { errors: r.errors } : { path: r.path };
    });
  },
};

let runtimeCode: string | null = null;

/** The SES runtime script: prelude, SES, lockdown(). Same for every exercise. */
export function sandboxRuntime(): string {
  if (runtimeCode !== null) return runtimeCode;
  const require = createRequire(import.meta.url);
  const sesPath = join(resolve(require.resolve("ses"), "..", ".."), "dist", "ses.umd.js");
  let ses = readFileSync(sesPath, "utf8");
  // isolated-vm's V8 snapshot on Node 20 names Math.E "'" (non-configurable): permit it, or lockdown() fails.
  const permit = "...CommonMath,";
  if (!ses.includes(permit)) throw new GraderError(`${sesPath}: cannot find the Math permits to extend (SES changed?)`);
  ses = ses.replaceAll(permit, `${permit} "'": 'number',`);
  runtimeCode = `${PRELUDE}\n${ses}\n;lockdown(${JSON.stringify(LOCKDOWN_OPTIONS)});\n`;
  return runtimeCode;
}

function hashFiles(paths: readonly string[], extra: string): string {
  const h = createHash("sha256");
  h.update(extra);
  for (const p of paths) {
    h.update(`\0${p}\0`);
    h.update(readOrEmpty(p));
  }
  return h.digest("hex");
}

export class BundleCache {
  private readonly cache = new Map<string, TrustedBundle>();
  builds = 0;

  /** repoRoot: the folder that paths in error messages are shown relative to. */
  constructor(readonly repoRoot: string) {}

  /** The trusted bundle of an exercise: from the cache if no input changed. */
  async get(ex: LoadedExercise): Promise<{ bundle: TrustedBundle; built: boolean }> {
    const source = this.entrySource(ex);
    const hit = this.cache.get(ex.dir);
    if (hit && hashFiles(hit.inputs, source) === hit.hash) return { bundle: hit, built: false };
    const bundle = await this.build(ex, source);
    this.cache.set(ex.dir, bundle);
    return { bundle, built: true };
  }

  private entrySource(ex: LoadedExercise): string {
    const entry = fileURLToPath(new URL("./entry.ts", import.meta.url));
    const lines = [`import { install } from ${JSON.stringify(entry)};`];
    ex.meta.groups.forEach((g, i) => lines.push(`import s${i} from ${JSON.stringify(join(ex.dir, g.file))};`));
    lines.push(`install([${ex.meta.groups.map((_, i) => `s${i}`).join(", ")}]);`);
    return lines.join("\n");
  }

  private async build(ex: LoadedExercise, source: string): Promise<TrustedBundle> {
    let result;
    try {
      result = await build({
        stdin: { contents: source, resolveDir: ex.dir, loader: "ts", sourcefile: "sandbox-entry.ts" },
        bundle: true,
        absWorkingDir: this.repoRoot,
        write: false,
        format: "iife",
        platform: "neutral",
        target: "es2022",
        mainFields: ["module", "main"],
        plugins: [oneSimulator],
        banner: { js: '"use strict";' },
        metafile: true,
        logLevel: "silent",
        legalComments: "none",
      });
    } catch (e) {
      const errs = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
      const lines = errs.map((x) => `  ${x.location ? `${x.location.file}:${x.location.line}: ` : ""}${x.text}`);
      throw new GraderError(`cannot bundle the suites of ${ex.folder}:\n${lines.join("\n") || String((e as Error).message)}`);
    }
    const inputs = Object.keys(result.metafile.inputs)
      .filter((p) => !p.startsWith("<"))
      .map((p) => resolve(this.repoRoot, p))
      .sort();
    // Hidden suites may use the starter's types, never the learner-side code itself.
    const leaked = inputs.filter((p) => /[/\\]exercises[/\\][^/\\]+[/\\](starter|solution|mutants)[/\\]/.test(p));
    if (leaked.length) {
      throw new GraderError(
        `the suites of ${ex.folder} import learner-side code at run time (${leaked.map((p) => relative(this.repoRoot, p)).join(", ")}): ` +
          'use "import type" for the module under test; the suite receives it as the factory argument',
      );
    }
    const code = result.outputFiles[0]!.text;
    this.builds++;
    return { code, inputs, hash: hashFiles(inputs, source) };
  }
}
