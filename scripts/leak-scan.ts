/*
 * The production client-asset leak scan: every file a browser can fetch from
 * a production build (.next/static, and the workbench's workers under
 * public/workbench) is searched for what must stay on the server:
 *
 *  - hidden-test:  names of hidden tests and their scenarios (names public
 *                  tests also use are left out: the page shows those);
 *  - solution:     identifiers and string literals that only a reference
 *                  solution contains (not its starter, the public suites, the
 *                  shared drivers or the simulator);
 *  - mutant:       the bug a mutant plants (its Subject) and string literals
 *                  only its patch adds;
 *  - server-path:  the repository's absolute path, and the paths of hidden
 *                  suites, solutions, mutants, the grader and server-only code.
 *
 *   npx tsx scripts/leak-scan.ts [dir...]     (default: the two folders above)
 *
 * Exits 1 and names file and needle for every leak; 2 when there is nothing
 * to scan (build first: npm run build).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { listExerciseDirs, listMutants, readExercise, readMutant, readReference, type LoadedExercise } from "rmap-grader";
import { isSuite } from "rmap-sim/testing";

export const CLIENT_ASSET_DIRS = [".next/static", "public/workbench"];

export type NeedleKind = "hidden-test" | "solution" | "mutant" | "server-path";
export interface Needle {
  kind: NeedleKind;
  text: string;
  /** Where the needle comes from (exercise folder and what). */
  source: string;
}
export interface Leak {
  file: string;
  needle: Needle;
}

const IDENT = /[A-Za-z_$][\w$]*/g;
const STRING = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.)*)`/g;

function files(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function tokens(text: string): Set<string> {
  return new Set(text.match(IDENT) ?? []);
}

/** String literals of TypeScript source, comments left out (an apostrophe in prose is no quote). */
function strings(text: string): Set<string> {
  const out = new Set<string>();
  const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/[^\n]*/g, "$1");
  for (const m of code.matchAll(STRING)) out.add(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/** An identifier distinctive enough that finding it in a bundle is no coincidence: kernel style, with an underscore. */
const distinctiveIdent = (t: string) => t.length >= 8 && /[a-z]_[a-z]/i.test(t);
/** A string literal distinctive enough: a phrase, not a word or a format. */
const distinctiveString = (s: string) => s.length >= 16 && /\s/.test(s) && !/[${}\\]/.test(s);

/** Names of hidden tests and scenarios of one exercise, minus those its public tests show anyway. */
async function hiddenNames(ex: LoadedExercise): Promise<{ hidden: Set<string>; visible: Set<string> }> {
  const impl = (await import(pathToFileURL(join(ex.dir, "solution", ex.meta.files[0]!)).href)) as Record<string, unknown>;
  const hidden = new Set<string>();
  const visible = new Set<string>();
  for (const g of ex.meta.groups) {
    const suite = ((await import(pathToFileURL(join(ex.dir, g.file)).href)) as { default?: unknown }).default;
    if (!isSuite(suite)) throw new Error(`${join(ex.dir, g.file)} does not default-export defineSuite(...)`);
    for (const t of suite.factory(impl)) {
      // A generated-shape test draws its scenarios while it runs: only its own name is fixed.
      const names = [t.name, ...(t.kind === "generated" ? [] : t.scenarios.map((s) => s.name))];
      for (const n of names) (g.kind === "public" ? visible : hidden).add(n);
    }
  }
  return { hidden, visible };
}

/** Every needle for the repository at `root`. */
export async function leakNeedles(root: string): Promise<Needle[]> {
  const exercises = listExerciseDirs(join(root, "exercises")).map(readExercise);
  const out: Needle[] = [];
  const seen = new Set<string>();
  const add = (n: Needle) => {
    if (seen.has(n.text)) return;
    seen.add(n.text);
    out.push(n);
  };

  // What the browser may legitimately hold: the simulator, the shared drivers, every starter and public suite.
  const publicText = [
    ...files(join(root, "simulator", "src")).filter((f) => f.endsWith(".ts")),
    join(root, "simulator", "rmap-sim.d.ts"),
    ...files(join(root, "exercises", "lib")),
    ...exercises.flatMap((ex) => [...ex.meta.files.map((f) => join(ex.dir, "starter", f)), ...ex.meta.groups.filter((g) => g.kind === "public").map((g) => join(ex.dir, g.file))]),
  ]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  const publicTokens = tokens(publicText);
  const publicStrings = strings(publicText);

  const allVisible = new Set<string>();
  const allHidden: [string, string][] = [];
  for (const ex of exercises) {
    const { hidden, visible } = await hiddenNames(ex);
    for (const v of visible) allVisible.add(v);
    for (const h of hidden) allHidden.push([h, ex.folder]);

    const solution = Object.values(readReference(ex, "solution")).join("\n");
    for (const t of tokens(solution)) if (distinctiveIdent(t) && !publicTokens.has(t)) add({ kind: "solution", text: t, source: `${ex.folder}/solution (identifier)` });
    const solutionStrings = strings(solution);
    for (const s of solutionStrings) if (distinctiveString(s) && !publicStrings.has(s)) add({ kind: "solution", text: s, source: `${ex.folder}/solution (string)` });

    for (const m of listMutants(ex)) {
      const mutant = readMutant(ex, m);
      add({ kind: "mutant", text: mutant.header.bug.slice(0, 60), source: `${ex.folder}/mutants/${m}.patch (Subject)` });
      for (const s of strings(Object.values(mutant.files).join("\n")))
        if (distinctiveString(s) && !publicStrings.has(s) && !solutionStrings.has(s)) add({ kind: "mutant", text: s, source: `${ex.folder}/mutants/${m}.patch (string)` });
    }
    for (const part of ["tests/hidden", "solution/", "mutants/"]) add({ kind: "server-path", text: `${ex.folder}/${part}`, source: `${ex.folder}/${part}` });
  }
  // A name that public code also contains (as a scenario of the simulator's, say) proves nothing when found.
  for (const [name, folder] of allHidden)
    if (!allVisible.has(name) && name.length >= 10 && !publicText.includes(name)) add({ kind: "hidden-test", text: name, source: `${folder} hidden test or scenario` });

  const abs = resolve(root);
  add({ kind: "server-path", text: abs + "/", source: "the repository's absolute path" });
  for (const p of ["grader/src/", "lib/server/", "app/api/", "scripts/grade-worker", "node_modules/isolated-vm"]) add({ kind: "server-path", text: p, source: p });
  return out;
}

/** Every needle found in any file under `dirs`. */
export function scanDirs(dirs: readonly string[], needles: readonly Needle[]): { scanned: number; bytes: number; leaks: Leak[] } {
  const leaks: Leak[] = [];
  let scanned = 0;
  let bytes = 0;
  for (const dir of dirs) {
    for (const file of files(dir)) {
      const text = readFileSync(file, "latin1");
      scanned++;
      bytes += statSync(file).size;
      for (const n of needles) if (text.includes(n.text)) leaks.push({ file, needle: n });
    }
  }
  return { scanned, bytes, leaks };
}

async function main(): Promise<void> {
  const root = join(import.meta.dirname, "..");
  const args = process.argv.slice(2);
  const dirs = (args.length ? args : CLIENT_ASSET_DIRS).map((d) => resolve(root, d));
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length) {
    console.error(`nothing to scan at ${missing.map((d) => relative(root, d)).join(", ")}: build the site first (npm run build)`);
    process.exit(2);
  }
  const needles = await leakNeedles(root);
  const { scanned, bytes, leaks } = scanDirs(dirs, needles);
  for (const l of leaks) console.log(`LEAK ${relative(root, l.file)}: ${l.needle.kind} ${JSON.stringify(l.needle.text)} (from ${l.needle.source})`);
  console.log(`leak scan: ${scanned} files, ${(bytes / 1e6).toFixed(1)} MB, ${needles.length} needles, ${leaks.length} leaks`);
  process.exit(leaks.length ? 1 : 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
