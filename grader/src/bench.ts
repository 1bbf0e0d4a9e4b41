/*
 * Grading time per exercise: grade each exercise's reference solution with
 * the full suite `runs` times through one warm grader (as the site does) and
 * report the median and p95 wall time and the sandbox's peak heap.
 *
 *   npx tsx grader/src/bench.ts [--json] [--runs=N]
 *
 * Target: p95 at most 2 s per submission.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { listExerciseDirs, readExercise, readReference } from "./exercise";
import { createLocalGrader } from "./grader";
import { createWorkerGrader } from "./worker";
import { FIXTURE_DIR, listHostileCases, readHostileCase } from "./hostile-corpus";

export type GradeBench = {
  grade: Record<string, { medianMs: number; p95Ms: number; peakHeapMb: number; score: number }>;
  worstP95Ms: number;
  /** Median extra wall time of grading in a worker process. */
  workerOverheadMs?: number;
  /** The slowest hostile case, the peak resident memory of the grading process, and its memory over many gradings. */
  hostileWorst?: { case: string; wallMs: number; peakRssMb: number; peakCase: string; rssAfter50Mb: number; rssAtEndMb: number; gradings: number };
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export async function benchGrade({ runs = 10, json = false, dirs = listExerciseDirs() }: { runs?: number; json?: boolean; dirs?: string[] } = {}): Promise<GradeBench> {
  const grader = createLocalGrader();
  const out: GradeBench = { grade: {}, worstP95Ms: 0 };
  const rows: string[] = [];
  for (const dir of dirs) {
    const ex = readExercise(dir);
    const files = readReference(ex, "solution");
    await grader.gradeWithStats(dir, files); // warm: the first grading builds the bundle and the checker
    const times: number[] = [];
    let peak = 0;
    let score = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const { results, stats } = await grader.gradeWithStats(dir, files);
      times.push(performance.now() - t0);
      peak = Math.max(peak, stats.peakHeapBytes);
      score = results.score;
    }
    times.sort((a, b) => a - b);
    const row = {
      medianMs: Math.round(percentile(times, 0.5)),
      p95Ms: Math.round(percentile(times, 0.95)),
      peakHeapMb: Math.round((peak / 2 ** 20) * 10) / 10,
      score,
    };
    out.grade[basename(dir)] = row;
    out.worstP95Ms = Math.max(out.worstP95Ms, row.p95Ms);
    rows.push(`${basename(dir).padEnd(24)} ${String(row.medianMs).padStart(8)} ${String(row.p95Ms).padStart(8)} ${row.peakHeapMb.toFixed(1).padStart(10)} ${row.score.toFixed(3).padStart(7)}`);
  }
  console.log(`grade: reference solutions, ${runs} runs each, one warm grader`);
  console.log(`${"exercise".padEnd(24)} ${"median ms".padStart(8)} ${"p95 ms".padStart(8)} ${"heap MB".padStart(10)} ${"score".padStart(7)}`);
  for (const r of rows) console.log(r);
  console.log(`worst p95: ${out.worstP95Ms} ms (target ≤ 2000 ms)`);
  Object.assign(out, await benchIsolation(dirs[0] ?? ""));
  if (json) console.log(JSON.stringify(out));
  return out;
}

/**
 * The cost of grading in a worker process, and the hostile corpus's worst
 * case: every case of grader/test/hostile graded through one WorkerGrader
 * (as the site does), with its wall time and the grading process's peak
 * resident memory. Target: no case over 10 s or 1 GB.
 */
async function benchIsolation(dir: string): Promise<Pick<GradeBench, "workerOverheadMs" | "hostileWorst">> {
  const fixture = FIXTURE_DIR;
  const ex = readExercise(dir);
  const files = readReference(ex, "solution");
  const local = createLocalGrader();
  const worker = createWorkerGrader();
  try {
    await local.gradeWithStats(dir, files);
    await worker.gradeWithStats(dir, files);
    const lt: number[] = [];
    const wt: number[] = [];
    for (let i = 0; i < 10; i++) {
      let t0 = performance.now();
      await local.gradeWithStats(dir, files);
      lt.push(performance.now() - t0);
      t0 = performance.now();
      await worker.gradeWithStats(dir, files);
      wt.push(performance.now() - t0);
    }
    lt.sort((a, b) => a - b);
    wt.sort((a, b) => a - b);
    const workerOverheadMs = Math.round(percentile(wt, 0.5) - percentile(lt, 0.5));
    console.log(`worker process: ${workerOverheadMs} ms per grading over the in-process grader (median, ${basename(dir)})`);

    const worst = { case: "", wallMs: 0, peakRssMb: 0 };
    let peakRssMb = 0;
    let peakCase = "";
    for (const name of listHostileCases()) {
      const submission = readHostileCase(name).files;
      const t0 = performance.now();
      const { stats } = await worker.gradeWithStats(fixture, submission);
      const wall = performance.now() - t0;
      const rss = Math.round(stats.peakRssBytes / 2 ** 20);
      if (wall > worst.wallMs) Object.assign(worst, { case: name, wallMs: Math.round(wall) });
      if (rss > peakRssMb) [peakRssMb, peakCase] = [rss, name];
    }
    worst.peakRssMb = peakRssMb;
    console.log(`hostile corpus: slowest ${worst.case} ${worst.wallMs} ms; peak memory of the grading process ${peakRssMb} MB (${peakCase}); target ≤ 10,000 ms and ≤ 1,024 MB`);

    // Resident memory of the worker after the first 50 gradings (or all, when fewer) and at the end.
    const early = Math.min(50, MEMORY_GRADINGS) - 1;
    let rssAfter50Mb = 0;
    let rssAtEndMb = 0;
    for (let i = 0; i < MEMORY_GRADINGS; i++) {
      await worker.grade(fixture, { "counter.ts": i % 2 ? readFileSync(join(fixture, "solution", "counter.ts"), "utf8") : readHostileCase("memory-bomb").files["counter.ts"]! });
      const mb = Math.round((worker.workerRssBytes() ?? 0) / 2 ** 20);
      if (i === early) rssAfter50Mb = mb;
      if (i === MEMORY_GRADINGS - 1) rssAtEndMb = mb;
    }
    console.log(`worker memory over ${MEMORY_GRADINGS} gradings: ${rssAfter50Mb} MB after ${early + 1}, ${rssAtEndMb} MB at the end (${worker.counters.recycled} recycled)`);
    return { workerOverheadMs, hostileWorst: { ...worst, peakCase, rssAfter50Mb, rssAtEndMb, gradings: MEMORY_GRADINGS } };
  } finally {
    await worker.close();
  }
}

const MEMORY_GRADINGS = Number(process.env.GRADER_BENCH_GRADINGS ?? 1000);

if (process.argv[1]?.replace(/\\/g, "/").endsWith("grader/src/bench.ts")) {
  const runsArg = process.argv.find((a) => a.startsWith("--runs="));
  benchGrade({ runs: runsArg ? Number(runsArg.slice(7)) : 10, json: process.argv.includes("--json") }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
