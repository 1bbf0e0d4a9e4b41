/*
 * Cross-check of the explorer on real exercise scenarios, the known bugs and
 * the reference scenarios: for every scenario of every suite, run against the
 * reference solution and every mutant, DPOR must find a bug exactly when
 * brute-force enumeration of all interleavings does, and where neither finds
 * one, DPOR's complete executions must cover every Mazurkiewicz trace that
 * brute force reaches (where brute force finishes within its budget).
 *
 *   npx tsx scripts/dpor-vs-brute.ts [EXERCISE...] [--no-builtin] [--slowest N]
 *
 * EXERCISE: only these exercises (a folder name or its number, "05");
 * --no-builtin: skip the known bugs, reference and SV-COMP scenarios;
 * --slowest N: list the N scenario runs that took the most CPU time.
 *
 * Exits non-zero on a mismatch.
 */
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { listExerciseDirs, listMutants, readExercise, readMutant } from "rmap-grader";
import { explore, isSuite, KNOWN_BUGS, REFERENCE_SCENARIOS, type Scenario, SVCOMP_PORTS } from "rmap-sim/testing";
import { importSubmission } from "./mutant-module";

/** Brute force past this many executions is skipped: the bigger scenarios cost minutes each. */
const BRUTE_BUDGET = 30_000;

const args = process.argv.slice(2);
const slowestArg = args.indexOf("--slowest");
const SLOWEST = slowestArg >= 0 ? Number(args[slowestArg + 1]) : 0;
const ONLY = args.filter((a, i) => !a.startsWith("--") && !(slowestArg >= 0 && i === slowestArg + 1));
const BUILTIN = !args.includes("--no-builtin");
if (slowestArg >= 0 && !(SLOWEST > 0)) throw new Error("--slowest takes a positive number");

/** CPU milliseconds per scenario run, for --slowest. */
const costs: Array<{ label: string; ms: number; dpor: number; brute: number }> = [];

let checked = 0;
let mismatches = 0;
let skipped = 0;
let tracesCompared = 0;
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
  const b = explore(sc, { strategy: "brute", trace: false, shrink: false, maxExecutions: BRUTE_BUDGET, collectTraces: true });
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

async function main() {
  for (const kb of BUILTIN ? KNOWN_BUGS : []) {
    compare(`known bug ${kb.id} (buggy)`, kb.buggy as Scenario<unknown>);
    compare(`known bug ${kb.id} (fixed)`, kb.fixed as Scenario<unknown>);
  }
  // The small reference scenarios brute force enumerates within its budget (the 3-thread reclaim one
  // needs 218,790 interleavings: the explorer benchmark compares it).
  for (const r of BUILTIN ? REFERENCE_SCENARIOS : []) if (r.small && r.id !== "reclaim+fault+fault (3 threads, small)") compare("reference", r.scenario as Scenario<unknown>);
  for (const p of BUILTIN ? SVCOMP_PORTS : []) {
    if (!p.small) continue;
    compare(`sv-comp (expected ${p.expected ? "safe" : "unsafe"})`, p.scenario);
    const d = explore(p.scenario, { trace: false, shrink: false });
    if (d.ok !== p.expected) {
      mismatches++;
      console.log(`VERDICT ${p.benchmark}: expected ${p.expected ? "safe" : "unsafe"}, the explorer says ${d.ok ? "safe" : d.bug?.report.title}`);
    }
  }
  console.log(`known bugs, reference and SV-COMP scenarios: ${checked} compared, ${mismatches} mismatches (${cpuSeconds()} s CPU)`);
  for (const loaded of listExerciseDirs().map(readExercise)) {
    const { dir, meta } = loaded;
    const ex = basename(dir);
    if (ONLY.length > 0 && !ONLY.some((o) => ex === o || ex.startsWith(`${o}-`))) continue;
    const before = checked;
    const impls: Array<{ label: string; load: () => Promise<unknown> }> = [
      { label: "solution", load: () => import(pathToFileURL(join(dir, "solution", meta.files[0]!)).href) },
      ...listMutants(loaded).map((m) => ({
        label: `mutants/${m}`,
        load: () => importSubmission(loaded, "mutants", m, readMutant(loaded, m).files),
      })),
    ];
    for (const { label, load } of impls) {
      const impl = await load();
      for (const g of meta.groups) {
        const suite = (await import(pathToFileURL(join(dir, g.file)).href)).default;
        if (!isSuite(suite)) continue;
        for (const t of suite.factory(impl)) {
          // A generated test is compared on the scenario it reports (a failing shape, shrunk, or its smallest shape).
          const scenarios = t.kind === "generated" ? [t.select({ ...t.explore, trace: false })] : t.scenarios;
          for (const sc of scenarios) compare(`${ex} ${label} ${t.name}`, sc, t.explore);
        }
      }
    }
    console.log(`${ex}: ${checked - before} compared, ${mismatches} mismatches so far (${cpuSeconds()} s CPU)`);
  }
  console.log(
    `${checked} scenario runs compared, ${tracesCompared} brute-force traces checked for coverage, ${mismatches} mismatches, ` +
      `${skipped} skipped (brute force or DPOR over budget)`,
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
  console.log(`interrupted after ${checked} scenario runs compared, ${mismatches} mismatches (${cpuSeconds()} s CPU)`);
  printSlowest();
  process.exit(130);
});

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
