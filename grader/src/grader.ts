/*
 * The Grader: files in, one results object out.
 *
 * One interface, `Grader`, with the local sandboxed implementation here; the
 * site creates one at start-up and calls it through its queue. A grader keeps
 * a warm TypeScript checker and a cache of trusted bundles (per exercise,
 * keyed by content hash), so only the first grading of an exercise pays for
 * them.
 *
 * Scoring: each exercise.json group's points are shared among its tests by
 * weight; a test earns its share when it passes. score = points / max_points.
 * The result is deterministic: the same submission gives the same JSON apart
 * from `timings`.
 */
import { originalPositionFor, TraceMap, LEAST_UPPER_BOUND } from "@jridgewell/trace-mapping";
import { type CompiledFile, SubmissionChecker } from "./compile";
import { type LoadedExercise, readExercise, REPO_ROOT } from "./exercise";
import { type CompileError, type Results, ResultsSchema, type TestResult } from "rmap-schemas";
import { checkInputLimits, type InputLimits } from "./limits";
import { boundResults } from "./sanitize";
import { BundleCache, sandboxRuntime } from "./sandbox/bundle";
import { USER_PREFIX } from "./sandbox/protocol";
import { runInSandbox } from "./sandbox/run";
import type { WireOutcome } from "./sandbox/wire-schema";

export interface Grader {
  /** Grade the learner's files (name -> TypeScript source) against the exercise in `exerciseDir`. */
  grade(exerciseDir: string, files: Record<string, string>): Promise<Results>;
}

export interface GradeStats {
  /** Peak used heap of the sandbox's isolate, in bytes. */
  peakHeapBytes: number;
  bundleBuilt: boolean;
}

/** The site's cap on the sandbox's CPU budget of one submission, whatever the exercise asks (WorkerGrader applies it). */
export const DEFAULT_MAX_SANDBOX_MS = 6_000;

export interface LocalGraderOptions {
  repoRoot?: string;
  /** Limits on the submission's files, checked before any work; default DEFAULT_INPUT_LIMITS. */
  inputLimits?: InputLimits;
  /** Cap on the exercise's `budgets.cpuMs` (CPU ms of the whole sandbox run); none by default, DEFAULT_MAX_SANDBOX_MS in WorkerGrader. */
  maxSandboxMs?: number;
  /** Bytes of results JSON at most; default 1,000,000 (traces are shortened first). */
  maxResultsBytes?: number;
  /** Steps of a failing trace kept (its end); default 200. */
  maxTraceSteps?: number;
  /** Characters of console output kept; default 16,000. */
  maxOutput?: number;
}

export class LocalGrader implements Grader {
  private readonly checker: SubmissionChecker;
  readonly bundles: BundleCache;

  constructor(private readonly options: LocalGraderOptions = {}) {
    const root = options.repoRoot ?? REPO_ROOT;
    this.checker = new SubmissionChecker();
    this.bundles = new BundleCache(root);
  }

  async grade(exerciseDir: string, files: Record<string, string>): Promise<Results> {
    return (await this.gradeWithStats(exerciseDir, files)).results;
  }

  /** Parse the compiler's library and the simulator's types once, so the first grading does not pay for them. */
  warm(): void {
    this.checker.check({ "warm.ts": 'import { spin_lock } from "rmap-sim";\nexport const f = spin_lock;\n' }, ["warm.ts"]);
  }

  /** grade(), plus what the benchmark measures. Throws GraderError for a bad exercise, never for bad learner code. */
  async gradeWithStats(
    exerciseDir: string,
    files: Record<string, string>,
    hooks: { phase?: (phase: "check" | "run") => void } = {},
  ): Promise<{ results: Results; stats: GradeStats }> {
    const t0 = performance.now();
    const ex = readExercise(exerciseDir);
    const exercise = { id: ex.meta.id, folder: ex.folder, title: ex.meta.title };
    const stats: GradeStats = { peakHeapBytes: 0, bundleBuilt: false };

    const over = checkInputLimits(files, ex.meta.files, this.options.inputLimits);
    if (over.length) {
      const results = notGradable(ex, over, ms(performance.now() - t0));
      results.stoppedBy = "input-limit";
      return { results: this.finish(results), stats };
    }
    hooks.phase?.("check");
    const checked = this.checker.check(files, ex.meta.files);
    const checkMs = performance.now() - t0;
    if (!checked.ok) return { results: this.finish(notGradable(ex, checked.errors, ms(checkMs))), stats };

    hooks.phase?.("run");
    const t1 = performance.now();
    const { bundle, built } = await this.bundles.get(ex);
    stats.bundleBuilt = built;
    const bundleMs = performance.now() - t1;

    const t2 = performance.now();
    const run = await runInSandbox({
      runtime: sandboxRuntime(),
      bundle: bundle.code,
      bundleHash: bundle.hash,
      files: checked.files,
      budgets: { ...ex.meta.budgets, cpuMs: Math.min(ex.meta.budgets.cpuMs, this.options.maxSandboxMs ?? Infinity) },
      ...(this.options.maxTraceSteps !== undefined ? { maxTraceSteps: this.options.maxTraceSteps } : {}),
      ...(this.options.maxOutput !== undefined ? { maxOutput: this.options.maxOutput } : {}),
    });
    const sandboxMs = performance.now() - t2;
    stats.peakHeapBytes = run.peakHeapBytes;

    const mapper = new LocationMapper(checked.files);
    const tests: TestResult[] = [];
    ex.meta.groups.forEach((g, gi) => {
      const hidden = g.kind !== "public";
      const base = { group: g.id, kind: g.kind, hidden };
      const group = run.fatal !== undefined ? ({ ok: false, error: run.fatal } as const) : run.groups[gi];
      if (!group || !group.ok) {
        const why = group && !group.ok ? group.error : (run.loadError ?? "the group did not run");
        tests.push({
          ...base,
          name: `${g.id}: could not run`,
          passed: false,
          points: 0,
          max_points: g.points,
          message: mapper.text(why),
          description: `The ${g.kind} tests of group ${g.id} could not be built from your module.`,
          executions: 0,
        });
        return;
      }
      const wsum = group.tests.reduce((a, t) => a + t.weight, 0);
      for (const t of group.tests) {
        const max = round(wsum > 0 ? (g.points * t.weight) / wsum : g.points / group.tests.length);
        if (!t.result.ok) {
          tests.push({ ...base, name: t.name, description: t.description, passed: false, points: 0, max_points: max, message: t.result.message, executions: 0 });
          continue;
        }
        tests.push(toTestResult(t.result.outcome, base, max, mapper));
      }
    });

    const max = round(tests.reduce((a, t) => a + t.max_points, 0));
    const got = round(tests.reduce((a, t) => a + t.points, 0));
    const score = max > 0 ? Math.min(1, Math.max(0, round(got / max))) : 0;
    const failed = tests.filter((t) => !t.passed);
    const results: Results = {
      gradable: true,
      score,
      points: got,
      max_points: max,
      message:
        run.fatal !== undefined
          ? `The sandbox could not run the tests: ${run.fatal}`
          : failed.length === 0
            ? `All ${tests.length} tests passed.`
            : `${tests.length - failed.length} of ${tests.length} tests passed; failing: ${failed.map((t) => t.name).join("; ")}.` +
              (run.loadError ? `\nYour module could not be loaded: ${mapper.text(run.loadError)}` : ""),
      exercise,
      tests,
      timings: { checkMs: ms(checkMs), bundleMs: ms(bundleMs), sandboxMs: ms(sandboxMs), totalMs: ms(performance.now() - t0) },
    };
    if (run.output) results.output = mapper.text(run.output);
    return { results: this.finish(results), stats };
  }

  /** Clean, bound and validate results on their way out. */
  private finish(results: Results): Results {
    return ResultsSchema.parse(boundResults(results, this.options.maxResultsBytes));
  }
}

/** Results of a submission that could not be graded, with the reasons. */
export function notGradable(ex: LoadedExercise, errors: CompileError[], totalMs: number, lead = "Your code could not be graded (this costs no attempt)"): Results {
  return {
    gradable: false,
    score: 0,
    points: 0,
    max_points: maxPoints(ex),
    message: `${lead}:\n${errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join("\n")}`,
    exercise: { id: ex.meta.id, folder: ex.folder, title: ex.meta.title },
    tests: [],
    compileErrors: errors,
    timings: { checkMs: totalMs, bundleMs: 0, sandboxMs: 0, totalMs },
  };
}

/** Create the local grader once at start-up: it keeps its warm checker and bundle cache. */
export function createLocalGrader(options: LocalGraderOptions = {}): LocalGrader {
  return new LocalGrader(options);
}

function toTestResult(
  o: WireOutcome,
  base: { group: string; kind: TestResult["kind"]; hidden: boolean },
  max: number,
  mapper: LocationMapper,
): TestResult {
  const r: TestResult = {
    ...base,
    name: o.name,
    description: o.description,
    passed: o.passed,
    points: o.passed ? max : 0,
    max_points: max,
    message: mapper.text(o.message),
    executions: o.executions,
  };
  if (o.limitHit !== undefined) r.limitHit = o.limitHit;
  if (o.passed) return r;
  if (o.scenario !== undefined) r.scenario = o.scenario;
  if (o.models !== undefined) r.models = o.models;
  if (o.report) {
    const rep = { ...o.report, title: mapper.text(o.report.title), message: mapper.text(o.report.message) };
    const loc = o.report.location ? mapper.location(o.report.location) : undefined;
    if (loc) rep.location = loc;
    else delete rep.location;
    r.report = rep;
  }
  if (o.trace) {
    r.trace = o.trace.map((s) => {
      const step = { ...s };
      const loc = s.loc ? mapper.location(s.loc) : undefined;
      if (loc) step.loc = loc;
      else delete step.loc;
      if (s.notes) step.notes = s.notes.map((n) => mapper.text(n));
      return step;
    });
  }
  if (o.traceOmitted) r.traceOmitted = o.traceOmitted;
  if (o.token !== undefined) r.replay = o.token;
  if (o.preemptions !== undefined) r.preemptions = o.preemptions;
  return r;
}

/** Maps positions in the transpiled learner code (submission/<file>:line:col) back to the TypeScript. */
class LocationMapper {
  private readonly maps = new Map<string, TraceMap>();

  constructor(files: readonly CompiledFile[]) {
    for (const f of files) this.maps.set(f.file, new TraceMap(f.map));
  }

  /** A location in the learner's TypeScript, or undefined if it is not the learner's. */
  location(loc: { file: string; line: number; column: number }): { file: string; line: number; column: number } | undefined {
    if (!loc.file.startsWith(USER_PREFIX)) return undefined;
    const file = loc.file.slice(USER_PREFIX.length);
    const map = this.maps.get(file);
    if (!map) return undefined;
    const p = originalPositionFor(map, { line: loc.line, column: Math.max(0, loc.column - 1) });
    if (p.line !== null) return { file, line: p.line, column: (p.column ?? 0) + 1 };
    const q = originalPositionFor(map, { line: loc.line, column: 0, bias: LEAST_UPPER_BOUND });
    return q.line !== null ? { file, line: q.line, column: (q.column ?? 0) + 1 } : undefined;
  }

  /** Rewrite "submission/rmap.ts:12[:5]" in a message to the TypeScript line ("rmap.ts:9"). */
  text(s: string): string {
    return s.replace(/submission\/([A-Za-z0-9_-]+\.ts):(\d+)(?::(\d+))?/g, (all, file: string, line: string, col?: string) => {
      const map = this.maps.get(file);
      if (!map) return all;
      const p = col
        ? originalPositionFor(map, { line: Number(line), column: Math.max(0, Number(col) - 1) })
        : originalPositionFor(map, { line: Number(line), column: 0, bias: LEAST_UPPER_BOUND });
      if (p.line === null) return `${file}:${line}`;
      return col ? `${file}:${p.line}:${(p.column ?? 0) + 1}` : `${file}:${p.line}`;
    });
  }
}

function maxPoints(ex: LoadedExercise): number {
  return round(ex.meta.groups.reduce((a, g) => a + g.points, 0));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function ms(x: number): number {
  return Math.round(x * 10) / 10;
}
