/*
 * Running the public suites against the learner's transpiled module, in any
 * JavaScript engine (a Web Worker, a WebContainer's Node, a test): the
 * module is evaluated with a `require` that provides "rmap-sim" only, stack
 * frames of the learner's files are mapped back to their TypeScript lines
 * through the emitted source maps, and the outcomes are reported in the
 * grader's results schema, so a browser run reads like a verdict.
 *
 * Precondition: `files` are CommonJS, each evaluated under the name
 * `submission/<file>` (that is how the location provider recognises them).
 */
import { originalPositionFor, TraceMap, LEAST_UPPER_BOUND } from "@jridgewell/trace-mapping";
import * as sim from "rmap-sim/testing";
import type { Results, TestResult } from "rmap-schemas";
import type { CompiledFile } from "./protocol";

const PREFIX = "submission/";
/** Lines `new Function` puts before the body ("function anonymous(exports,require,module,console\n) {\n"). */
const FUNCTION_HEADER_LINES = 2;

export interface RunContext {
  exercise: string;
  title: string;
  files: CompiledFile[];
  suites: sim.Suite[];
  output: (text: string) => void;
}

class Mapper {
  private readonly maps = new Map<string, TraceMap>();
  constructor(files: CompiledFile[]) {
    for (const f of files) if (f.map) this.maps.set(f.file, new TraceMap(f.map));
  }
  location(file: string, line: number, column: number): { file: string; line: number; column: number } | undefined {
    const i = file.indexOf(PREFIX);
    if (i < 0) return undefined;
    const name = file.slice(i + PREFIX.length).replace(/\.js$/, ".ts");
    const jsLine = line - FUNCTION_HEADER_LINES;
    const map = this.maps.get(name);
    if (!map) return { file: name, line: jsLine, column };
    const p = originalPositionFor(map, { line: jsLine, column: Math.max(0, column - 1) });
    if (p.line !== null) return { file: name, line: p.line, column: (p.column ?? 0) + 1 };
    const q = originalPositionFor(map, { line: jsLine, column: 0, bias: LEAST_UPPER_BOUND });
    return q.line !== null ? { file: name, line: q.line, column: (q.column ?? 0) + 1 } : undefined;
  }
  provider(): sim.LocationProvider {
    const inner = sim.stackLocations((f) => f.includes(PREFIX));
    const map = (l: sim.SourceLocation | undefined) => (l ? this.location(l.file, l.line, l.column) : undefined);
    return { current: () => map(inner.current()), thrownAt: (e) => map(inner.thrownAt(e)), currentFunction: () => inner.currentFunction() };
  }
  /** "submission/rmap.js:12:5" in a message, as the TypeScript line. */
  text(s: string): string {
    return s.replace(/submission\/([A-Za-z0-9_-]+)\.js:(\d+)(?::(\d+))?/g, (all, f: string, l: string, c?: string) => {
      const loc = this.location(`${PREFIX}${f}.js`, Number(l), Number(c ?? 1));
      return loc ? `${loc.file}:${loc.line}` : all;
    });
  }
}

/** Evaluate the learner's module; its only import is "rmap-sim". */
export function loadModule(files: CompiledFile[], output: (text: string) => void): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  const fmt = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ") + "\n";
  const learnerConsole = {
    log: (...a: unknown[]) => output(fmt(a)),
    info: (...a: unknown[]) => output(fmt(a)),
    warn: (...a: unknown[]) => output(fmt(a)),
    error: (...a: unknown[]) => output(fmt(a)),
  };
  const require = (name: string): unknown => {
    if (name === "rmap-sim") return sim;
    throw new Error(`cannot import "${name}" here: your module may import only "rmap-sim"`);
  };
  for (const f of files) {
    const body = `${f.js}\n//# sourceURL=${PREFIX}${f.file.replace(/\.ts$/, ".js")}`;
    const fn = new Function("exports", "require", "module", "console", body) as (...a: unknown[]) => void;
    const module = { exports };
    fn(exports, require, module, learnerConsole);
  }
  return exports;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function toResult(o: sim.TestOutcome, max: number, mapper: Mapper): TestResult {
  const r: TestResult = {
    name: o.name,
    group: "public",
    kind: "public",
    hidden: false,
    passed: o.passed,
    points: o.passed ? max : 0,
    max_points: max,
    message: mapper.text(o.message),
    description: o.description,
    executions: o.executions,
  };
  if (o.limitHit !== undefined) r.limitHit = o.limitHit;
  if (o.passed) return r;
  if (o.scenario !== undefined) r.scenario = o.scenario;
  if (o.models !== undefined) r.models = o.models;
  if (o.report) {
    const { details: _details, ...rep } = o.report;
    r.report = { ...rep, title: mapper.text(rep.title), message: mapper.text(rep.message) };
  }
  if (o.trace) r.trace = o.trace.map((s) => ({ ...s, ...(s.notes ? { notes: s.notes.map((n) => mapper.text(n)) } : {}) }));
  if (o.token !== undefined) r.replay = o.token;
  if (o.preemptions !== undefined) r.preemptions = o.preemptions;
  return r;
}

function results(ctx: RunContext, tests: TestResult[], t0: number, message?: string): Results {
  const max = tests.reduce((a, t) => a + t.max_points, 0);
  const got = tests.reduce((a, t) => a + t.points, 0);
  const failed = tests.filter((t) => !t.passed);
  const total = Math.round((performance.now() - t0) * 10) / 10;
  return {
    gradable: true,
    score: max > 0 ? got / max : 0,
    points: got,
    max_points: max,
    message: message ?? (failed.length === 0 ? `All ${tests.length} public tests passed.` : `${tests.length - failed.length} of ${tests.length} public tests passed.`),
    exercise: { id: ctx.exercise, folder: ctx.exercise, title: ctx.title },
    tests,
    timings: { checkMs: 0, bundleMs: 0, sandboxMs: total, totalMs: total },
  };
}

function loadFailure(ctx: RunContext, e: unknown, mapper: Mapper, t0: number): Results {
  const msg = mapper.text(e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e));
  const test: TestResult = {
    name: "load your module",
    group: "public",
    kind: "public",
    hidden: false,
    passed: false,
    points: 0,
    max_points: 1,
    message: msg.split("\n")[0]!,
    description: "Your module threw while it was loaded, before any test ran.",
    executions: 0,
  };
  return results(ctx, [test], t0, `Your module could not be loaded: ${msg.split("\n")[0]}`);
}

/** Run every public test; each test has one point. */
export function runPublic(ctx: RunContext): Results {
  const t0 = performance.now();
  const mapper = new Mapper(ctx.files);
  let impl: Record<string, unknown>;
  try {
    impl = loadModule(ctx.files, ctx.output);
  } catch (e) {
    return loadFailure(ctx, e, mapper, t0);
  }
  const tests: TestResult[] = [];
  // One lock-order graph for every public test, as in a grading.
  const lockdep = new sim.LockdepGraph();
  for (const suite of ctx.suites) {
    for (const o of sim.runSuite(suite, impl, { locations: mapper.provider(), lockdep })) {
      const r = toResult(o, 1, mapper);
      ctx.output(`${r.passed ? "PASS" : "FAIL"} ${r.name}${r.passed ? "" : `: ${r.message}`}\n`);
      tests.push(r);
    }
  }
  return results(ctx, tests, t0);
}

/** Re-run one failing schedule (a public test's scenario and its replay token) against the current code. */
/**
 * The code changed so that a schedule no longer fits it (it stops at other
 * points): that interleaving cannot happen the same way, so the scenario is
 * explored again, with the orders earlier public tests took in lockdep's
 * graph. A clean exploration says the code now runs clean; a failure comes
 * back with its own trace and replay token.
 */
function reexplore(ctx: RunContext, impl: Record<string, unknown>, mapper: Mapper, tc: sim.TestCase, sc: sim.Scenario<unknown>, token: string, t0: number): Results {
  const lockdep = new sim.LockdepGraph();
  for (const t of ctx.suites.flatMap((s) => s.factory(impl))) {
    if (t.name === tc.name) break;
    sim.runTest(t, { lockdep, trace: false });
  }
  const ex = sim.explore(sc, { ...(tc.kind === "generated" ? {} : tc.explore), locations: mapper.provider(), lockdep });
  const bug = ex.bug;
  const outcome: sim.TestOutcome = {
    name: tc.name,
    description: tc.description,
    weight: 1,
    passed: bug === undefined,
    message: bug
      ? `${sc.name}: ${bug.report.title}`
      : `your code changed, so the schedule ${token} no longer applies; all ${ex.executions} interleavings of this scenario now run clean`,
    scenario: sc.name,
    models: sc.models,
    executions: ex.executions,
    steps: ex.steps,
    ...(bug ? { token: bug.token, report: bug.report, preemptions: bug.preemptions } : {}),
    ...(bug?.trace ? { trace: bug.trace } : {}),
  };
  const r = toResult(outcome, 1, mapper);
  ctx.output(`${r.passed ? "CLEAN" : "FAIL"} exploration after the schedule ${token} no longer fit: ${r.message}\n`);
  return results(ctx, [r], t0, r.message);
}

export function replayPublic(ctx: RunContext, test: string, scenario: string, token: string): Results {
  const t0 = performance.now();
  const mapper = new Mapper(ctx.files);
  let impl: Record<string, unknown>;
  try {
    impl = loadModule(ctx.files, ctx.output);
  } catch (e) {
    return loadFailure(ctx, e, mapper, t0);
  }
  const tc = ctx.suites.flatMap((s) => s.factory(impl)).find((t) => t.name === test);
  // A generated test's scenarios exist only once drawn: draw them again (deterministic) to find the reported one.
  const scenarios = tc === undefined ? [] : tc.kind === "generated" ? [tc.select({ ...tc.explore, trace: false })] : tc.scenarios;
  const sc = scenarios.find((s) => s.name === scenario);
  if (!tc || !sc) throw new Error(`no public test "${test}" with a scenario "${scenario}" to replay`);
  let run = sim.replay(sc, token, { locations: mapper.provider() });
  if (run.report?.kind === "nondeterminism") {
    // The run may have failed on a lock order an earlier public test took (one lockdep graph per run of the
    // tests): take those orders again, in the same order, and replay with them.
    const lockdep = new sim.LockdepGraph();
    for (const t of ctx.suites.flatMap((s) => s.factory(impl))) {
      if (t.name === test) break;
      sim.runTest(t, { lockdep, trace: false });
    }
    const seeded = sim.replay(sc, token, { locations: mapper.provider(), lockdepSeed: lockdep.edges() });
    if (seeded.report?.kind !== "nondeterminism") run = seeded;
  }
  if (run.report?.kind === "nondeterminism") return reexplore(ctx, impl, mapper, tc, sc, token, t0);
  const outcome: sim.TestOutcome = {
    name: tc.name,
    description: tc.description,
    weight: 1,
    passed: run.report === null,
    message: run.report ? `${sc.name}: ${run.report.title}` : `the schedule ${token} now runs clean`,
    scenario: sc.name,
    models: sc.models,
    token,
    executions: 1,
    steps: run.steps,
    ...(run.report ? { report: run.report } : {}),
    ...(run.trace ? { trace: run.trace } : {}),
  };
  const r = toResult(outcome, 1, mapper);
  if (run.trace) r.trace = run.trace;
  r.replay = token;
  ctx.output(`${r.passed ? "CLEAN" : "FAIL"} replay of ${token}: ${r.message}\n`);
  return results(ctx, [r], t0, r.message);
}
