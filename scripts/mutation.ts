/*
 * Automatic mutation testing of the reference solutions: every mutant of a
 * solution must fail some test of its exercise (public or hidden), or be
 * recorded as equivalent, with the reason, in the exercise's
 * equivalent-mutants.json.
 *
 *   npm run mutation [-- [exercise...] [--jobs N] [--json] [--no-cache] [--coverage]]
 *
 * Operators (scripts/mutation-operators.ts): kernel-aware ones (drop a
 * primitive call, drop a release on one path, swap adjacent primitives, move
 * a statement across an unlock, atomic_inc_not_zero to atomic_inc, lock the
 * anon_vma instead of its root) and the usual ones of mutation tools
 * (negate a condition, flip a comparison or logical operator, flip a boolean,
 * drop a statement, change a returned constant).
 *
 * Each mutant runs in a child process (a mutant may loop outside the
 * simulator's step budget: past --timeout ms it counts as killed, as mutation
 * tools count timeouts). Results are cached in tmp/mutation-cache.json by the
 * hash of the mutant and of every file its verdict depends on, so a second run
 * only runs what changed. --coverage also measures branch coverage of each
 * solution by its tests (V8, through vitest's provider).
 *
 * The last line of --json output is one JSON object with minMutationScore
 * (the lowest per-exercise score, in %) and minBranchCoverage (in %, when
 * --coverage was given).
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type LoadedExercise, listExerciseDirs, readExercise } from "rmap-grader";
import { z } from "zod";
import { type Mutation, mutate } from "./mutation-operators";
import { SCRATCH_DIR, importSubmission } from "./mutant-module";

const ROOT = resolve(import.meta.dirname, "..");
const SELF = fileURLToPath(import.meta.url);
const CACHE = join(SCRATCH_DIR, "mutation-cache.json");

const EquivalentsSchema = z.array(
  z.object({ id: z.string().min(1), reason: z.string().min(10).describe("Why no test can tell this mutant from the solution.") }).strict(),
);

interface Verdict {
  killed: boolean;
  /** The first failing test and its detector, or "timeout", or why the mutant did not load. */
  by: string;
}

/* ---------------------------------------------------------------------- */
/* Child: run one exercise's suites against mutants sent by the parent     */
/* ---------------------------------------------------------------------- */

async function child(): Promise<void> {
  const { isSuite, LockdepGraph, runTest } = await import("rmap-sim/testing");
  process.on("message", async (msg: { ex: string; id: string; name: string; files: Record<string, string> }) => {
    const ex = readExercise(msg.ex);
    let verdict: Verdict = { killed: false, by: "" };
    // As in a grading: one lock-order graph across every test of the mutant.
    const lockdep = new LockdepGraph();
    try {
      const impl = await importSubmission(ex, "mutation", msg.name, msg.files);
      outer: for (const g of ex.meta.groups) {
        const suite = (await import(pathToFileURL(join(ex.dir, g.file)).href)).default;
        if (!isSuite(suite)) throw new Error(`${g.file} is not a suite`);
        let tests;
        try {
          tests = suite.factory(impl);
        } catch (e) {
          verdict = { killed: true, by: `${g.id}: the tests could not use the module (${(e as Error).message})` };
          break;
        }
        for (const t of tests) {
          const r = runTest(t, { trace: false, lockdep });
          if (!r.passed) {
            verdict = { killed: true, by: `${t.name} (${r.report?.kind ?? r.message})` };
            break outer;
          }
        }
      }
    } catch (e) {
      verdict = { killed: true, by: `does not load: ${(e as Error).message.split("\n")[0]}` };
    }
    process.send!({ id: msg.id, verdict });
  });
  process.send!({ ready: true });
}

/* ---------------------------------------------------------------------- */
/* Parent                                                                 */
/* ---------------------------------------------------------------------- */

function sha(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 20);
}

function filesUnder(dir: string, ext = ".ts"): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (e.name.endsWith(ext) && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

/** What a mutant's verdict depends on besides the mutant: the exercise's tests, the shared drivers, the simulator. */
function contextHash(ex: LoadedExercise): string {
  const files = [
    ...filesUnder(join(ex.dir, "tests")),
    ...filesUnder(join(ROOT, "exercises", "lib")),
    ...filesUnder(join(ROOT, "simulator", "src")),
    join(ex.dir, "exercise.json"),
  ];
  return sha(...files.map((f) => `${relative(ROOT, f)}\n${readFileSync(f, "utf8")}`));
}

interface Job {
  ex: LoadedExercise;
  m: Mutation;
  files: Record<string, string>;
  key: string;
}

/** Run jobs on `jobs` children; a child silent for `timeoutMs` on one mutant is killed and the mutant counts as killed by timeout. */
async function runJobs(all: Job[], jobs: number, timeoutMs: number, onDone: (j: Job, v: Verdict) => void): Promise<void> {
  const queue = all.slice();
  const worker = async (): Promise<void> => {
    let proc: ChildProcess | null = null;
    const start = (): Promise<ChildProcess> =>
      new Promise((res, rej) => {
        const p = fork(SELF, ["--child"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
        p.once("message", () => res(p));
        p.once("error", rej);
      });
    for (;;) {
      const job = queue.shift();
      if (!job) break;
      proc ??= await start();
      const p = proc;
      const v = await new Promise<Verdict>((res) => {
        const timer = setTimeout(() => {
          p.kill("SIGKILL");
          res({ killed: true, by: `timeout (${timeoutMs} ms)` });
        }, timeoutMs);
        const onMsg = (msg: { id?: string; verdict?: Verdict }): void => {
          if (msg.id !== job.key) return;
          clearTimeout(timer);
          p.off("message", onMsg);
          p.off("exit", onExit);
          res(msg.verdict!);
        };
        const onExit = (): void => {
          clearTimeout(timer);
          p.off("message", onMsg);
          res({ killed: true, by: "the test process died" });
        };
        p.on("message", onMsg);
        p.once("exit", onExit);
        p.send({ ex: job.ex.dir, id: job.key, name: job.key, files: job.files });
      });
      if (p.exitCode !== null || p.killed) proc = null;
      onDone(job, v);
    }
    proc?.kill();
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}

/** Branch coverage (%) of each solution file by its exercise's tests, from vitest's V8 provider. */
function branchCoverage(exs: LoadedExercise[]): Map<string, { pct: number; uncovered: string[] }> {
  const out = new Map<string, { pct: number; uncovered: string[] }>();
  const dir = join(SCRATCH_DIR, "coverage");
  const include = exs.flatMap((ex) => ex.meta.files.map((f) => relative(ROOT, join(ex.dir, "solution", f))));
  const r = spawnSync(
    "npx",
    [
      "vitest", "run", "scripts/solution-coverage.cover.ts",
      "--config", "scripts/vitest.coverage.config.mts",
      "--coverage.enabled", "--coverage.provider=v8", "--coverage.reporter=json",
      `--coverage.reportsDirectory=${dir}`,
      ...include.map((f) => `--coverage.include=${f}`),
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, SOLUTION_COVERAGE_EXERCISES: exs.map((e) => e.folder).join(",") } },
  );
  if (r.status !== 0) throw new Error(`the coverage run failed:\n${r.stdout}\n${r.stderr}`);
  const json = JSON.parse(readFileSync(join(dir, "coverage-final.json"), "utf8")) as Record<
    string,
    { branchMap: Record<string, { loc: { start: { line: number } }; type: string }>; b: Record<string, number[]> }
  >;
  for (const [file, fc] of Object.entries(json)) {
    let total = 0;
    let hit = 0;
    const uncovered: string[] = [];
    for (const [id, counts] of Object.entries(fc.b)) {
      counts.forEach((c, i) => {
        total++;
        if (c > 0) hit++;
        else uncovered.push(`line ${fc.branchMap[id]!.loc.start.line} (${fc.branchMap[id]!.type}, path ${i})`);
      });
    }
    out.set(relative(ROOT, file), { pct: total ? (100 * hit) / total : 100, uncovered });
  }
  return out;
}

async function parent(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (f: string): boolean => args.includes(f);
  const opt = (f: string, d: number): number => {
    const i = args.indexOf(f);
    if (i < 0) return d;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${f} takes a positive number`);
    return v;
  };
  const json = flag("--json");
  const jobs = opt("--jobs", Math.max(1, Math.min(2, cpus().length - 1)));
  const timeoutMs = opt("--timeout", 60_000);
  const names = args.filter((a, i) => !a.startsWith("--") && !["--jobs", "--timeout"].includes(args[i - 1] ?? ""));
  const exs = listExerciseDirs()
    .map(readExercise)
    .filter((ex) => names.length === 0 || names.some((n) => ex.folder === n || ex.folder.startsWith(n)));
  if (exs.length === 0) throw new Error(`no exercise matches ${names.join(", ")}`);

  mkdirSync(SCRATCH_DIR, { recursive: true });
  const cache: Record<string, Verdict> = !flag("--no-cache") && existsSync(CACHE) ? JSON.parse(readFileSync(CACHE, "utf8")) : {};
  const log = (s: string): void => {
    if (!json) console.log(s);
    else process.stderr.write(`${s}\n`);
  };

  const perEx = new Map<string, { ex: LoadedExercise; jobs: Job[]; equivalents: Map<string, string>; results: Map<string, Verdict> }>();
  const pending: Job[] = [];
  for (const ex of exs) {
    const file = ex.meta.files[0]!;
    const source = readFileSync(join(ex.dir, "solution", file), "utf8");
    const ctx = contextHash(ex);
    const eqFile = join(ex.dir, "equivalent-mutants.json");
    const equivalents = new Map<string, string>();
    if (existsSync(eqFile)) for (const e of EquivalentsSchema.parse(JSON.parse(readFileSync(eqFile, "utf8")))) equivalents.set(e.id, e.reason);
    const entry = { ex, jobs: [] as Job[], equivalents, results: new Map<string, Verdict>() };
    perEx.set(ex.folder, entry);
    const mutations = mutate(source, file);
    const ids = new Set(mutations.map((m) => m.id));
    for (const id of equivalents.keys()) {
      if (!ids.has(id)) throw new Error(`${relative(ROOT, eqFile)}: ${id} is no mutant of the solution any more: remove it`);
    }
    for (const m of mutations) {
      const key = sha(ex.folder, m.id, m.text, ctx);
      const job = { ex, m, files: { [file]: m.text }, key };
      entry.jobs.push(job);
      if (equivalents.has(m.id)) continue;
      if (cache[key]) entry.results.set(m.id, cache[key]!);
      else pending.push(job);
    }
    log(`${ex.folder}: ${mutations.length} mutants, ${equivalents.size} recorded as equivalent, ${entry.results.size} cached`);
  }

  let done = 0;
  let lastSave = Date.now();
  await runJobs(pending, jobs, timeoutMs, (job, v) => {
    perEx.get(job.ex.folder)!.results.set(job.m.id, v);
    cache[job.key] = v;
    done++;
    if (!json && (done % 10 === 0 || done === pending.length)) process.stdout.write(`  ${done}/${pending.length} mutants run\n`);
    if (Date.now() - lastSave > 10_000) {
      writeFileSync(CACHE, JSON.stringify(cache));
      lastSave = Date.now();
    }
  });
  writeFileSync(CACHE, JSON.stringify(cache));

  const coverage = flag("--coverage") ? branchCoverage(exs) : null;
  const summary: Record<string, unknown> = {};
  let minScore = 100;
  let minBranch = 100;
  for (const { ex, jobs: js, equivalents, results } of perEx.values()) {
    const survivors = js.filter((j) => !equivalents.has(j.m.id) && results.get(j.m.id)?.killed === false);
    const counted = js.length - equivalents.size;
    const killed = counted - survivors.length;
    const score = counted ? (100 * killed) / counted : 100;
    minScore = Math.min(minScore, score);
    const byOperator: Record<string, { total: number; killed: number }> = {};
    for (const j of js) {
      if (equivalents.has(j.m.id)) continue;
      const o = (byOperator[j.m.operator] ??= { total: 0, killed: 0 });
      o.total++;
      if (results.get(j.m.id)?.killed) o.killed++;
    }
    const cov = coverage?.get(relative(ROOT, join(ex.dir, "solution", ex.meta.files[0]!)));
    if (cov) minBranch = Math.min(minBranch, cov.pct);
    log(
      `\n${ex.folder}: mutation score ${score.toFixed(1)}% (${killed}/${counted} killed, ${equivalents.size} equivalent)` +
        (cov ? `, branch coverage ${cov.pct.toFixed(1)}%` : ""),
    );
    for (const [op, n] of Object.entries(byOperator)) log(`  ${op.padEnd(24)} ${n.killed}/${n.total}`);
    for (const s of survivors) log(`  SURVIVED ${s.m.id}\n           line ${s.m.line}: ${s.m.description}`);
    if (cov) for (const u of cov.uncovered) log(`  UNCOVERED branch at ${u}`);
    summary[ex.folder] = {
      mutants: js.length,
      equivalent: equivalents.size,
      killed,
      score: Number(score.toFixed(1)),
      survivors: survivors.map((s) => s.m.id),
      ...(cov ? { branchCoverage: Number(cov.pct.toFixed(1)), uncoveredBranches: cov.uncovered } : {}),
    };
  }
  const result = { minMutationScore: Number(minScore.toFixed(1)), minBranchCoverage: coverage ? Number(minBranch.toFixed(1)) : null, exercises: summary };
  if (json) console.log(JSON.stringify(result));
  else console.log(`\nmin mutation score ${result.minMutationScore}%${coverage ? `, min branch coverage ${result.minBranchCoverage}%` : ""}`);
}

if (process.argv.includes("--child")) void child();
else
  parent().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });

