/*
 * npm run bench -- explore [--json]   explorer throughput and reduction
 * npm run bench -- grade [--json]     grading time per exercise
 * npm run bench -- load [--json]      submission bursts drained and HTTP load (scripts/bench-load.ts)
 * npm run bench -- site [--json]      JavaScript, TTFB and LCP of a lesson page (scripts/bench-site.ts)
 * npm run bench                       explore and grade
 *
 * Figures are medians over several runs on this machine; --json ends the
 * output with one JSON line.
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { explore, REFERENCE_SCENARIOS } from "rmap-sim/testing";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface ExploreFigures {
  schedulesPerSecond: number;
  exploredOverOptimal: number;
  /** Smallest share of brute-force traces covered by DPOR's complete executions (must be 1). */
  coverage: number;
  scenarios: Array<Record<string, unknown>>;
}

function benchExplore(runs: number): ExploreFigures {
  const scenarios: Array<Record<string, unknown>> = [];
  let worstRatio = 0;
  let minCoverage = 1;
  let throughput = 0;
  for (const ref of REFERENCE_SCENARIOS) {
    if (ref.small) {
      const brute = explore(ref.scenario, { strategy: "brute", maxExecutions: 2_000_000, trace: false, collectTraces: true });
      const dpor = explore(ref.scenario, { strategy: "dpor", trace: false, collectTraces: true });
      // Only complete executions count: one cut short by sleep sets explores no trace.
      const ratio = dpor.completeExecutions / brute.traces!;
      worstRatio = Math.max(worstRatio, ratio);
      // Coverage: brute-force traces that some complete DPOR execution reaches.
      let covered = 0;
      for (const t of brute.traceSet!) if (dpor.traceSet!.has(t)) covered++;
      minCoverage = Math.min(minCoverage, covered / brute.traces!);
      scenarios.push({
        scenario: ref.id,
        threads: ref.threads,
        opsPerThread: ref.opsPerThread,
        interleavings: brute.executions,
        mazurkiewiczTraces: brute.traces,
        dporExecutions: dpor.executions,
        dporSleepBlocked: dpor.abandoned,
        dporComplete: dpor.completeExecutions,
        tracesCovered: covered,
        coverage: Number((covered / brute.traces!).toFixed(3)),
        exploredOverOptimal: Number(ratio.toFixed(3)),
        complete: dpor.complete && brute.complete,
      });
    } else {
      const cap = 20_000;
      const times: number[] = [];
      let execs = 0;
      let steps = 0;
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const res = explore(ref.scenario, { strategy: "dpor", maxExecutions: cap, trace: false });
        times.push(performance.now() - t0);
        execs = res.executions;
        steps = res.steps;
        if (res.bug) throw new Error(`reference scenario ${ref.id} reported ${res.bug.report.title}`);
      }
      const ms = median(times);
      const sps = execs / (ms / 1000);
      if (ref.threads === 3) throughput = sps;
      scenarios.push({
        scenario: ref.id,
        threads: ref.threads,
        opsPerThread: ref.opsPerThread,
        executions: execs,
        stepsPerExecution: Math.round(steps / execs),
        medianMs: Number(ms.toFixed(1)),
        schedulesPerSecond: Math.round(sps),
        stepsPerSecond: Math.round((steps / ms) * 1000),
      });
    }
  }
  return {
    schedulesPerSecond: Math.round(throughput),
    exploredOverOptimal: Number(worstRatio.toFixed(3)),
    coverage: Number(minCoverage.toFixed(3)),
    scenarios,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const which = args.filter((a) => !a.startsWith("--"));
  const runsArg = args.find((a) => a.startsWith("--runs="));
  const runs = runsArg ? Number(runsArg.slice(7)) : 5;
  const what = which.length ? which : ["explore", "grade"];
  const out: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? "?"}, node ${process.version}`,
  };
  for (const w of what) {
    if (w === "explore") {
      const f = benchExplore(runs);
      console.log(`explore (${runs} runs each, median)`);
      for (const s of f.scenarios) console.log("  " + JSON.stringify(s));
      console.log(
        `  schedules/s (3 threads x ~30 ops): ${f.schedulesPerSecond}   worst explored/optimal: ${f.exploredOverOptimal}` +
          `   traces covered (worst): ${(f.coverage * 100).toFixed(1)} %`,
      );
      Object.assign(out, f);
    } else if (w === "grade") {
      let mod: { benchGrade?: (o: { runs?: number; json?: boolean }) => Promise<Record<string, unknown>> };
      try {
        mod = await import("rmap-grader");
      } catch (e) {
        throw new Error(`the grader benchmark is not available: ${(e as Error).message}`);
      }
      if (!mod.benchGrade) throw new Error("rmap-grader does not export benchGrade");
      Object.assign(out, await mod.benchGrade({ runs: Math.max(runs, 10), json: false }));
    } else if (w === "load") {
      const { benchLoad } = await import("./bench-load");
      Object.assign(out, await benchLoad(args));
    } else if (w === "site") {
      const { benchSite, formatSite } = await import("./bench-site");
      const f = await benchSite({ runs: Math.max(runs, 10) });
      console.log(formatSite(f));
      out.site = f;
    } else {
      throw new Error(`unknown benchmark "${w}": use explore, grade, site or load`);
    }
  }
  if (json) console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
