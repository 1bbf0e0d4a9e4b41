/*
 * Grading time per exercise: grade each exercise's reference solution with
 * the full suite `runs` times through one warm grader (as the site does) and
 * report the median and p95 wall time and the sandbox's peak heap.
 *
 *   npx tsx grader/src/bench.ts [--json] [--runs=N]
 *
 * Target: p95 at most 2 s per submission.
 */
import { basename } from "node:path";
import { listExerciseDirs, readExercise, readReference } from "./exercise";
import { createLocalGrader } from "./grader";

export type GradeBench = {
  grade: Record<string, { medianMs: number; p95Ms: number; peakHeapMb: number; score: number }>;
  worstP95Ms: number;
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
  if (json) console.log(JSON.stringify(out));
  return out;
}

if (process.argv[1]?.replace(/\\/g, "/").endsWith("grader/src/bench.ts")) {
  const runsArg = process.argv.find((a) => a.startsWith("--runs="));
  benchGrade({ runs: runsArg ? Number(runsArg.slice(7)) : 10, json: process.argv.includes("--json") }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
