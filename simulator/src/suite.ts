/*
 * Test suites: how exercises describe their tests to the browser runner and
 * the grader.
 *
 * A suite file default-exports defineSuite(impl => [...tests]). The factory
 * receives the learner's module (its exported functions), so the same test
 * runs the starter, the solution, a mutant or a learner's submission. A test
 * is one or more scenarios explored with a strategy; it passes when no
 * detector fires in any of them.
 */

import { SharedState } from "./detectors/lockdep";
import { explore, type ExploreOptions, type FoundBug } from "./explore/index";
import type { BugReport } from "./report";
import type { Scenario } from "./scenario";
import type { TraceObject, TraceStep } from "./trace";
import type { LocationProvider } from "./locations";

/**
 * The kinds of test: "fixed" runs a fixed list of scenarios; "generated"
 * draws the scenarios it runs from a seeded generator while it runs (so they
 * cannot be listed without exploring them) and reports one of them.
 */
export const TEST_CASE_KINDS = ["fixed", "generated"] as const;
export type TestCaseKind = (typeof TEST_CASE_KINDS)[number];

interface TestCaseBase {
  /** Shown to learners: the scenario's name ("reclaim vs munmap"). */
  name: string;
  /** Shown to learners: what the test models and why it matters. Never the test's source. */
  description: string;
  /** Relative weight inside its group (default 1). */
  weight?: number;
  /** How to explore each scenario (default: DPOR with the default budget). */
  explore?: ExploreOptions;
  /**
   * Demand that the search covers every schedule. Default: true for the
   * exhaustive strategies (DPOR, brute force, bounded), whose budget is sized
   * for the reference solution, so a search cut short was cut short by the
   * code under test (its own extra schedules) and proves nothing; false for
   * PCT, which samples and never covers everything. Set false to let a clean
   * partial search pass.
   */
  requireComplete?: boolean;
}

/** A test of fixed scenarios; all must pass. */
export interface FixedTestCase extends TestCaseBase {
  kind?: "fixed";
  /** The scenarios; all must pass. */
  scenarios: ReadonlyArray<Scenario<any>>;
}

/** A test of generated scenarios (shapes drawn from a fixed seed). */
export interface GeneratedTestCase extends TestCaseBase {
  kind: "generated";
  /** Shown to learners: what the generator draws ("fork trees of depth 1 to 4, exits in any order"). */
  generates: string;
  /**
   * Draws and explores the shapes with `opts` (without traces) and returns
   * the one scenario to explore again and report: a failing shape, shrunk,
   * or, when every shape passed, the smallest shape drawn. Deterministic:
   * the same submission gets the same scenario at every call.
   */
  select: (opts: ExploreOptions) => Scenario<any>;
}

export type TestCase = FixedTestCase | GeneratedTestCase;

export type SuiteFactory<M> = (impl: M) => TestCase[];

export interface Suite<M = any> {
  readonly __suite: true;
  readonly factory: SuiteFactory<M>;
}

/**
 * An exercise's tests run with the data-race detector on (KCSAN, see
 * runtime.ts) unless a scenario sets `kcsan: false`: a race the explorer
 * cannot interleave (inside the code between two primitives) still fails.
 */
export function defineSuite<M>(factory: SuiteFactory<M>): Suite<M> {
  return { __suite: true, factory: (impl) => factory(impl).map(withDataRaces) };
}

function dataRacesOn(sc: Scenario<any>): Scenario<any> {
  return sc.kcsan === undefined ? { ...sc, kcsan: true } : sc;
}

function withDataRaces(t: TestCase): TestCase {
  // A generated test explores its drawn shapes with the detector on (exercises/lib/shapes.ts) and
  // reports the scenario it selects: that one gets the same default here.
  if (t.kind === "generated") return { ...t, select: (opts: ExploreOptions) => dataRacesOn(t.select(opts)) };
  return { ...t, scenarios: t.scenarios.map(dataRacesOn) };
}

export function isSuite(x: unknown): x is Suite {
  return typeof x === "object" && x !== null && (x as { __suite?: unknown }).__suite === true;
}

export interface TestOutcome {
  name: string;
  description: string;
  weight: number;
  passed: boolean;
  /** One line for the learner. */
  message: string;
  /** The scenario that failed, and what it models. */
  scenario?: string;
  models?: string;
  report?: BugReport;
  token?: string;
  /** Lock-order edges of earlier tests the report depends on: replay(scenario, token, { lockdepSeed }). */
  lockdepSeed?: FoundBug["lockdepSeed"];
  preemptions?: number;
  trace?: TraceStep[];
  objects?: TraceObject[];
  executions: number;
  steps: number;
  /** The search stopped at its budget without covering every schedule. */
  limitHit?: string;
}

export interface SuiteRunOptions {
  /** Scale every test's maxExecutions (the grader's budget). */
  maxExecutions?: number;
  locations?: LocationProvider;
  /** Include traces of failures (default true). */
  trace?: boolean;
  /**
   * lockdep's graph, kept across every test run with it as the kernel keeps
   * it across a boot: an order inversion is found even when its two orders
   * are taken by different tests. runSuite() makes one for the whole suite
   * when none is given; pass the same one to every runTest() of a grading.
   */
  lockdep?: SharedState;
}

/** Run every test of a suite against `impl`. Exceptions in building a test become failures. */
export function runSuite<M>(suite: Suite<M>, impl: M, o: SuiteRunOptions = {}): TestOutcome[] {
  let tests: TestCase[];
  try {
    tests = suite.factory(impl);
  } catch (e) {
    return [
      {
        name: "load",
        description: "building the tests from your module",
        weight: 1,
        passed: false,
        message: `the tests could not use your module: ${(e as Error)?.message ?? String(e)}`,
        executions: 0,
        steps: 0,
      },
    ];
  }
  const lockdep = o.lockdep ?? new SharedState();
  return tests.map((t) => runTest(t, { ...o, lockdep }));
}

export function runTest(t: TestCase, o: SuiteRunOptions = {}): TestOutcome {
  // A failed test's lock orders are dropped from the graph kept across tests: its report is made, and a later
  // test must still fail on its own orders (lockdep would find the same edge already known and stay silent).
  const before = o.lockdep?.copy();
  const out = runTestOnce(t, o);
  if (!out.passed && before !== undefined) o.lockdep!.restore(before);
  return out;
}

function runTestOnce(t: TestCase, o: SuiteRunOptions): TestOutcome {
  let executions = 0;
  let steps = 0;
  const limits: string[] = [];
  const opts: ExploreOptions = { ...t.explore };
  if (o.maxExecutions !== undefined) opts.maxExecutions = Math.min(opts.maxExecutions ?? o.maxExecutions, o.maxExecutions);
  if (o.locations) opts.locations = o.locations;
  if (o.lockdep) opts.lockdep = o.lockdep;
  let scenarios: ReadonlyArray<Scenario<any>>;
  if (t.kind === "generated") {
    try {
      scenarios = [t.select({ ...opts, trace: false })];
    } catch (e) {
      return {
        name: t.name,
        description: t.description,
        weight: t.weight ?? 1,
        passed: false,
        message: `${t.name}: the generated scenarios could not run: ${(e as Error)?.message ?? String(e)}`,
        executions,
        steps,
      };
    }
  } else scenarios = t.scenarios;
  if (o.trace === false) opts.trace = false;
  for (const sc of scenarios) {
    let r;
    try {
      r = explore(sc, opts);
    } catch (e) {
      return {
        name: t.name,
        description: t.description,
        weight: t.weight ?? 1,
        passed: false,
        message: `${sc.name}: the scenario could not run: ${(e as Error)?.message ?? String(e)}`,
        scenario: sc.name,
        models: sc.models,
        executions,
        steps,
      };
    }
    executions += r.executions;
    steps += r.steps;
    if (r.bug) return failed(t, sc, r.bug, executions, steps);
    if (r.limitHit) {
      if (t.requireComplete ?? (opts.strategy ?? "dpor") !== "pct") {
        return {
          name: t.name,
          description: t.description,
          weight: t.weight ?? 1,
          passed: false,
          message:
            `${sc.name}: the search was cut short: it stopped after ${r.executions} schedules without covering every ` +
            "one, so the test could not show the code correct (no bug was found in the schedules it ran). The code " +
            "makes more schedules than the test's budget, which the reference solution stays well within: more " +
            "scheduling points, nondeterministic choices or threads than the operation needs. This is not a pass.",
          scenario: sc.name,
          models: sc.models,
          executions,
          steps,
          limitHit: r.limitHit,
        };
      }
      limits.push(`${sc.name}: ${r.limitHit}`);
    }
  }
  const out: TestOutcome = {
    name: t.name,
    description: t.description,
    weight: t.weight ?? 1,
    passed: true,
    message: `passed (${executions} schedule${executions === 1 ? "" : "s"} explored)`,
    executions,
    steps,
  };
  if (limits.length) out.limitHit = limits.join("\n");
  return out;
}

function failed(t: TestCase, sc: Scenario<any>, bug: FoundBug, executions: number, steps: number): TestOutcome {
  const out: TestOutcome = {
    name: t.name,
    description: t.description,
    weight: t.weight ?? 1,
    passed: false,
    message: `${sc.name}: ${bug.report.title}`,
    scenario: sc.name,
    models: sc.models,
    report: bug.report,
    token: bug.token,
    preemptions: bug.preemptions,
    executions,
    steps,
  };
  if (bug.trace) out.trace = bug.trace;
  if (bug.objects) out.objects = bug.objects;
  if (bug.lockdepSeed) out.lockdepSeed = bug.lockdepSeed;
  return out;
}
