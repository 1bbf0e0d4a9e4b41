/*
 * Cross-check of the explorer on real exercise scenarios, the known bugs and
 * the reference scenarios: for every scenario of every suite, run against the
 * reference solution and every mutant, DPOR must find a bug exactly when
 * brute-force enumeration of all interleavings does, and where neither finds
 * one, DPOR's complete executions must cover every Mazurkiewicz trace that
 * brute force reaches (where brute force finishes within its budget).
 *
 *   npx tsx scripts/dpor-vs-brute.ts        (a few minutes on 2 cores)
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

let checked = 0;
let mismatches = 0;
let skipped = 0;
let tracesCompared = 0;
const cpuStart = process.cpuUsage();
function cpuSeconds(): number {
  const u = process.cpuUsage(cpuStart);
  return Math.round((u.user + u.system) / 1e6);
}

function compare(label: string, sc: Scenario<unknown>, opts: object = {}): void {
  const d = explore(sc, { ...opts, strategy: "dpor", trace: false, shrink: false, maxExecutions: 20000, collectTraces: true });
  if (!d.complete && d.ok) { skipped++; return; }
  const b = explore(sc, { strategy: "brute", trace: false, shrink: false, maxExecutions: BRUTE_BUDGET, collectTraces: true });
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
  console.log(`known bugs, reference and SV-COMP scenarios: ${checked} compared, ${mismatches} mismatches (${cpuSeconds()} s CPU)`);
  for (const loaded of listExerciseDirs().map(readExercise)) {
    const { dir, meta } = loaded;
    const ex = basename(dir);
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
  if (mismatches > 0) process.exit(1);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
