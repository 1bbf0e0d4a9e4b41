/*
 * Cross-check of the explorer on real exercise scenarios, the known bugs and
 * the reference scenarios: for every scenario of every suite, run against the
 * reference solution and every mutant, DPOR must find a bug exactly when
 * brute-force enumeration of all interleavings does, and where neither finds
 * one, DPOR's complete executions must cover every Mazurkiewicz trace that
 * brute force reaches (where brute force finishes within its budget).
 *
 *   npx tsx scripts/dpor-vs-brute.ts [EXERCISE...] [--no-builtin] [--slowest N] [--jobs N]
 *
 * EXERCISE: only these exercises (a folder name or its number, "05");
 * --no-builtin: skip the known bugs, reference and SV-COMP scenarios;
 * --slowest N: list the N scenario runs that took the most CPU time;
 * --jobs N: worker processes (default: the machine's available parallelism).
 *   The unit of work is one implementation (solution or mutant) of one
 *   exercise, handed out one at a time, so the slow exercises spread over
 *   every worker; the figures printed are the same as with --jobs 1.
 *
 * Exits non-zero on a mismatch.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { listExerciseDirs, listMutants, readExercise, readMutant } from "rmap-grader";
import { explore, isSuite, runOnce, KNOWN_BUGS, REFERENCE_SCENARIOS, type Scenario, SVCOMP_PORTS } from "rmap-sim/testing";
import { importSubmission } from "./mutant-module";

/** Brute force past this many executions is skipped: the bigger scenarios cost minutes each. */
const BRUTE_BUDGET = 30_000;
/**
 * Brute force first runs with this smaller budget; most scenarios finish within it. Those that do not get
 * their interleaving tree's size estimated (Knuth's estimator: random root-to-leaf probes, the product of
 * the branching factors along each, averaged), and brute force is skipped when the estimate exceeds
 * BRUTE_BUDGET, instead of spending the whole budget to learn the same. The estimator is unbiased but
 * skewed low on unbalanced trees (measured on the exercises: 6,492 for a tree of 6,658; 31,631 and 43,909
 * for trees over 30,000), so it rarely skips a tree that would have fit; the probes use a fixed seed per
 * scenario, so the same scenario is skipped or compared on every run. XC_DEBUG=1 prints each estimate.
 */
const FIRST_BUDGET = 2_000;
const PROBES = 100;

const args = process.argv.slice(2);
/** The value of a numeric flag (`--flag N`), or the default; a malformed value stops the run. */
function numberFlag(flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, got ${args[i + 1] ?? "nothing"}`);
  return n;
}
const VALUE_FLAGS = ["--slowest", "--jobs"];
const SLOWEST = numberFlag("--slowest", 0);
const JOBS = numberFlag("--jobs", availableParallelism());
const CHILD = args.includes("--child");
const ONLY = args.filter((a, i) => !a.startsWith("--") && !VALUE_FLAGS.includes(args[i - 1] ?? ""));
const BUILTIN = !args.includes("--no-builtin");

/** CPU milliseconds per scenario run, for --slowest. */
const costs: Array<{ label: string; ms: number; dpor: number; brute: number }> = [];

let checked = 0;
let mismatches = 0;
let skipped = 0;
let tracesCompared = 0;
/** Scenario runs whose brute force was skipped on the tree-size estimate. */
let estimatedSkips = 0;
const cpuStart = process.cpuUsage();
function cpuSeconds(): number {
  const u = process.cpuUsage(cpuStart);
  return Math.round((u.user + u.system) / 1e6);
}

/** Executions of the scenario run being compared (for --slowest). */
const last = { dpor: 0, brute: 0 };

function compare(label: string, sc: Scenario<unknown>, opts: object = {}): void {
  const t0 = process.cpuUsage();
  last.dpor = 0;
  last.brute = 0;
  try {
    compareRuns(label, sc, opts);
  } finally {
    const u = process.cpuUsage(t0);
    costs.push({ label: `${label} / ${sc.name}`, ms: (u.user + u.system) / 1000, ...last });
  }
}

function compareRuns(label: string, sc: Scenario<unknown>, opts: object): void {
  const d = explore(sc, { ...opts, strategy: "dpor", trace: false, shrink: false, maxExecutions: 20000, collectTraces: true });
  last.dpor = d.executions;
  if (!d.complete && d.ok) { skipped++; return; }
  let b = explore(sc, { strategy: "brute", trace: false, shrink: false, maxExecutions: FIRST_BUDGET, collectTraces: true });
  if (!b.complete && b.ok) {
    const est = estimateTreeSize(sc);
    if (est.bug !== null && d.ok) {
      // A random probe is one brute-force interleaving: a bug in it is a bug DPOR's complete search missed.
      mismatches++;
      console.log(`MISMATCH ${label} / ${sc.name}: dpor ok=true (${d.executions}), a random interleaving finds ${est.bug}`);
      return;
    }
    if (process.env.XC_DEBUG) console.log(`EST ${label} / ${sc.name}: ${Math.round(est.size)}`);
    if (est.bug !== null) { checked++; return; } // both find a bug (DPOR's search was complete and failed)
    if (est.size > BRUTE_BUDGET) { last.brute = b.executions; skipped++; estimatedSkips++; return; }
    b = explore(sc, { strategy: "brute", trace: false, shrink: false, maxExecutions: BRUTE_BUDGET, collectTraces: true });
  }
  last.brute = b.executions;
  if (!b.complete && b.ok) { skipped++; return; }
  checked++;
  if (d.ok !== b.ok) {
    mismatches++;
    console.log(`MISMATCH ${label} / ${sc.name}: dpor ok=${d.ok} (${d.executions}) brute ok=${b.ok} (${b.executions}) ${b.bug?.report.title ?? ""}`);
    return;
  }
  if (!d.ok) return;
  // No bug either way: every trace brute force reached must be covered by a complete DPOR execution.
  let missing = 0;
  for (const t of b.traceSet!) if (!d.traceSet!.has(t)) missing++;
  tracesCompared += b.traceSet!.size;
  if (missing > 0) {
    mismatches++;
    console.log(`MISSED TRACES ${label} / ${sc.name}: DPOR covers ${b.traceSet!.size - missing} of ${b.traceSet!.size} brute-force traces (${d.executions} executions)`);
  }
}

/** A small seeded generator (mulberry32): the same scenario gets the same probes on every run. */
function seeded(text: string): () => number {
  let a = 0;
  for (let i = 0; i < text.length; i++) a = (Math.imul(a, 31) + text.charCodeAt(i)) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Knuth's estimate of the number of complete executions brute force would run (the leaves of the
 * interleaving tree, allocation-failure variants included, as brute force counts them): the mean over
 * random probes of the product of the number of enabled choices at each step. Also returns the title of a
 * bug one of the probes ran into, if any.
 */
function estimateTreeSize(sc: Scenario<unknown>): { size: number; bug: string | null } {
  const random = seeded(sc.name);
  let sum = 0;
  for (let i = 0; i < PROBES; i++) {
    let weight = 1;
    const r = runOnce(sc, {
      choose(_ex, enabled) {
        weight *= enabled.length;
        return enabled[Math.floor(random() * enabled.length)]!;
      },
    });
    if (r.report !== null) return { size: sum / Math.max(i, 1), bug: r.report.title };
    sum += weight;
  }
  return { size: sum / PROBES, bug: null };
}

/** One unit of work: the built-in scenarios, or one implementation (0 = the solution, i = mutant i) of one exercise. */
type Task = { kind: "builtin" } | { kind: "impl"; exercise: string; index: number };

/** What one task found, sent from a worker process to the parent. */
interface TaskResult {
  task: Task;
  checked: number;
  mismatches: number;
  skipped: number;
  tracesCompared: number;
  estimatedSkips: number;
  cpuMs: number;
  costs: typeof costs;
}

function runBuiltin(): void {
  for (const kb of KNOWN_BUGS) {
    compare(`known bug ${kb.id} (buggy)`, kb.buggy as Scenario<unknown>);
    compare(`known bug ${kb.id} (fixed)`, kb.fixed as Scenario<unknown>);
  }
  // The small reference scenarios brute force enumerates within its budget (the 3-thread reclaim one
  // needs 218,790 interleavings: the explorer benchmark compares it).
  for (const r of REFERENCE_SCENARIOS) if (r.small && r.id !== "reclaim+fault+fault (3 threads, small)") compare("reference", r.scenario as Scenario<unknown>);
  for (const p of SVCOMP_PORTS) {
    if (!p.small) continue;
    compare(`sv-comp (expected ${p.expected ? "safe" : "unsafe"})`, p.scenario);
    const d = explore(p.scenario, { trace: false, shrink: false });
    if (d.ok !== p.expected) {
      mismatches++;
      console.log(`VERDICT ${p.benchmark}: expected ${p.expected ? "safe" : "unsafe"}, the explorer says ${d.ok ? "safe" : d.bug?.report.title}`);
    }
  }
}

/** The selected exercises, each with its implementations (the solution first, then every mutant). */
function selectedExercises(): Array<{ folder: string; impls: string[] }> {
  return listExerciseDirs()
    .map(readExercise)
    .filter((loaded) => ONLY.length === 0 || ONLY.some((o) => basename(loaded.dir) === o || basename(loaded.dir).startsWith(`${o}-`)))
    .map((loaded) => ({ folder: basename(loaded.dir), impls: ["solution", ...listMutants(loaded).map((m) => `mutants/${m}`)] }));
}

async function runImpl(exercise: string, index: number): Promise<void> {
  const loaded = listExerciseDirs().map(readExercise).find((l) => basename(l.dir) === exercise);
  if (loaded === undefined) throw new Error(`no exercise ${exercise}`);
  const { dir, meta } = loaded;
  const mutants = listMutants(loaded);
  const label = index === 0 ? "solution" : `mutants/${mutants[index - 1]}`;
  const impl =
    index === 0
      ? await import(pathToFileURL(join(dir, "solution", meta.files[0]!)).href)
      : await importSubmission(loaded, "mutants", mutants[index - 1]!, readMutant(loaded, mutants[index - 1]!).files);
  for (const g of meta.groups) {
    const suite = (await import(pathToFileURL(join(dir, g.file)).href)).default;
    if (!isSuite(suite)) continue;
    for (const t of suite.factory(impl)) {
      // A generated test is compared on the scenario it reports (a failing shape, shrunk, or its smallest shape).
      const scenarios = t.kind === "generated" ? [t.select({ ...t.explore, trace: false })] : t.scenarios;
      for (const sc of scenarios) compare(`${exercise} ${label} ${t.name}`, sc, t.explore);
    }
  }
}

/** Run one task in this process and return what it found (the counters' growth during it). */
async function runTask(task: Task): Promise<TaskResult> {
  const before = { checked, mismatches, skipped, tracesCompared, estimatedSkips, costs: costs.length };
  const t0 = process.cpuUsage();
  if (task.kind === "builtin") runBuiltin();
  else await runImpl(task.exercise, task.index);
  const u = process.cpuUsage(t0);
  return {
    task,
    checked: checked - before.checked,
    mismatches: mismatches - before.mismatches,
    skipped: skipped - before.skipped,
    tracesCompared: tracesCompared - before.tracesCompared,
    estimatedSkips: estimatedSkips - before.estimatedSkips,
    cpuMs: (u.user + u.system) / 1000,
    costs: costs.slice(before.costs),
  };
}

/** Worker process: take tasks from the parent one at a time until it sends none. */
function child(): void {
  process.on("message", (msg: Task | "done") => {
    if (msg === "done") process.exit(0);
    runTask(msg).then(
      (r) => process.send!(r),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
  process.send!("ready");
}

/** Hand the tasks out to `jobs` worker processes, one at a time, and collect what each found. */
function runInWorkers(tasks: Task[], jobs: number, onResult: (r: TaskResult) => void): Promise<void> {
  let next = 0;
  const workers: ChildProcess[] = [];
  return new Promise((resolvePromise, reject) => {
    let live = 0;
    const feed = (w: ChildProcess) => w.send(next < tasks.length ? tasks[next++]! : "done");
    for (let j = 0; j < Math.min(jobs, tasks.length); j++) {
      const w = fork(process.argv[1]!, [...args.filter((a) => a !== "--child"), "--child"], { stdio: "inherit" });
      workers.push(w);
      live++;
      w.on("message", (m: TaskResult | "ready") => {
        if (m !== "ready") onResult(m);
        feed(w);
      });
      w.on("exit", (code) => {
        live--;
        if (code !== 0) {
          for (const o of workers) o.kill();
          reject(new Error(`a worker process exited with code ${code}`));
        } else if (live === 0) resolvePromise();
      });
    }
  });
}

async function main() {
  if (CHILD) return child();
  const tasks: Task[] = BUILTIN ? [{ kind: "builtin" }] : [];
  const exercises = selectedExercises();
  for (const ex of exercises) ex.impls.forEach((_, index) => tasks.push({ kind: "impl", exercise: ex.folder, index }));
  const left = new Map(exercises.map((ex) => [ex.folder, ex.impls.length]));
  const perExercise = new Map<string, number>();
  let cpuMs = 0;
  const collect = (r: TaskResult) => {
    checked += r.checked;
    mismatches += r.mismatches;
    skipped += r.skipped;
    tracesCompared += r.tracesCompared;
    estimatedSkips += r.estimatedSkips;
    cpuMs += r.cpuMs;
    costs.push(...r.costs);
    if (r.task.kind === "builtin") {
      console.log(`known bugs, reference and SV-COMP scenarios: ${r.checked} compared, ${r.mismatches} mismatches (${Math.round(r.cpuMs / 1000)} s CPU)`);
      return;
    }
    const ex = r.task.exercise;
    perExercise.set(ex, (perExercise.get(ex) ?? 0) + r.checked);
    left.set(ex, left.get(ex)! - 1);
    if (left.get(ex) === 0) console.log(`${ex}: ${perExercise.get(ex)} compared, ${mismatches} mismatches so far (${Math.round(cpuMs / 1000)} s CPU)`);
  };
  const wall = Date.now();
  if (JOBS === 1) {
    // In this process: the counters grow as the tasks run; collect() adds each task's share once.
    for (const task of tasks) {
      const r = await runTask(task);
      checked -= r.checked;
      mismatches -= r.mismatches;
      skipped -= r.skipped;
      tracesCompared -= r.tracesCompared;
      estimatedSkips -= r.estimatedSkips;
      costs.length -= r.costs.length;
      collect(r);
    }
  } else {
    await runInWorkers(tasks, JOBS, collect);
  }
  console.log(
    `${checked} scenario runs compared, ${tracesCompared} brute-force traces checked for coverage, ${mismatches} mismatches, ` +
      `${skipped} skipped (brute force or DPOR over budget; ${estimatedSkips} of them on brute force's estimated size); ${Math.round(cpuMs / 1000)} s CPU in ${Math.round((Date.now() - wall) / 1000)} s ` +
      `over ${Math.min(JOBS, tasks.length)} process${JOBS === 1 ? "" : "es"}`,
  );
  printSlowest();
  if (mismatches > 0) process.exit(1);
}

function printSlowest(): void {
  if (SLOWEST <= 0) return;
  console.log(`slowest ${SLOWEST} scenario runs (CPU ms, DPOR executions, brute-force executions):`);
  for (const c of costs.sort((a, b) => b.ms - a.ms).slice(0, SLOWEST)) {
    console.log(`  ${c.ms.toFixed(0).padStart(7)} ms  ${String(c.dpor).padStart(6)}  ${String(c.brute).padStart(6)}  ${c.label}`);
  }
}
// Interrupted (Ctrl-C, or a time limit that sends SIGINT): report what was measured so far.
process.on("SIGINT", () => {
  if (CHILD) process.exit(130);
  console.log(`interrupted after ${checked} scenario runs compared, ${mismatches} mismatches (${cpuSeconds()} s CPU in this process)`);
  printSlowest();
  process.exit(130);
});

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
