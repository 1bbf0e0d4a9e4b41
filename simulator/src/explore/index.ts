/*
 * explore(): run a scenario under a search strategy, and when a detector
 * fires, shrink the failing schedule to the fewest preemptions and replay it
 * with tracing on, so the report carries source lines and a step-through
 * trace. replay(): run one schedule token.
 *
 * Budgets are counted in executions and steps, never in wall-clock time, so
 * the same code gets the same verdict on every machine.
 */

import type { BugReport } from "../report";
import { type LockEdge, SharedState } from "../detectors/lockdep";
import type { TraceObject, TraceStep } from "../trace";
import { type RunResult, runOnce, type Scenario } from "../scenario";
import { countPreemptions, decodeSchedule, splitToken } from "../schedule";
import { BoundedStrategy } from "./bounded";
import { BruteForceStrategy } from "./brute";
import { DporStrategy } from "./dpor";
import { PctStrategy } from "./pct";
import { Runner, type Strategy } from "./runner";
import type { LocationProvider } from "../locations";

export type StrategyName = "dpor" | "bounded" | "pct" | "brute";

export interface ExploreOptions {
  strategy?: StrategyName;
  /** Executions before the search gives up (default 20,000). */
  maxExecutions?: number;
  /** Bounded search: the largest number of preemptions (default 2). */
  preemptionBound?: number;
  /** PCT: seed (default 1), number of executions (default min(maxExecutions, 1000)), bug depth (default 3). */
  seed?: number;
  runs?: number;
  depth?: number;
  /** Explore allocation failures where the scenario allows them (default true). */
  faults?: boolean;
  /** Shrink a failing schedule to the fewest preemptions (default true). */
  shrink?: boolean;
  /** Executions the shrinking may spend (default 5,000). */
  shrinkBudget?: number;
  /** Replay the failing schedule with tracing (default true). */
  trace?: boolean;
  collectFinalStates?: boolean;
  /** Collect the canonical Mazurkiewicz trace of every complete execution (cross-checks of the explorer). */
  collectTraces?: boolean;
  locations?: LocationProvider;
  /**
   * lockdep's graph to keep across scenarios (runSuite passes one per suite
   * run, as lockdep keeps one per boot). Default: a fresh graph per scenario.
   */
  lockdep?: SharedState;
}

export interface FoundBug {
  report: BugReport;
  /** Replays the failing execution: replay(scenario, token). */
  token: string;
  preemptions: number;
  /** Preemptions of the schedule first found, before shrinking. */
  foundWithPreemptions: number;
  trace?: TraceStep[];
  objects?: TraceObject[];
  /**
   * The lock-order edges of earlier scenarios that the report depends on (an
   * inversion whose other half an earlier test took): replay(scenario, token,
   * { lockdepSeed }) sees them again.
   */
  lockdepSeed?: LockEdge[];
}

export interface Exploration {
  scenario: string;
  models: string;
  strategy: StrategyName;
  /** No detector fired in the executions run. */
  ok: boolean;
  /** The strategy covered its whole search space (for DPOR: every schedule, up to equivalence). */
  complete: boolean;
  executions: number;
  /** Executions cut short because their remaining schedules were already covered (sleep sets). */
  abandoned: number;
  steps: number;
  /** Why the search stopped early, when it did: names the limit and what to do. */
  limitHit?: string;
  bug?: FoundBug;
  finalStates?: string[];
  /** Executions that ran to the end or to a bug (not cut short by sleep sets). */
  completeExecutions: number;
  /** Distinct Mazurkiewicz traces (brute force only). */
  traces?: number;
  /** With collectTraces: the canonical traces of the complete executions. */
  traceSet?: Set<string>;
}

export const DEFAULT_MAX_EXECUTIONS = 20_000;

function makeStrategy(name: StrategyName, o: ExploreOptions, maxExecutions: number): Strategy {
  switch (name) {
    case "dpor":
      return new DporStrategy();
    case "bounded":
      return new BoundedStrategy(o.preemptionBound ?? 2);
    case "pct":
      return new PctStrategy(o.seed ?? 1, o.runs ?? Math.min(maxExecutions, 1000), o.depth ?? 3);
    case "brute":
      return new BruteForceStrategy();
  }
}

export function explore<S>(scenario: Scenario<S>, o: ExploreOptions = {}): Exploration {
  const sc = scenario as Scenario<unknown>;
  const strategyName = o.strategy ?? "dpor";
  const maxExecutions = o.maxExecutions ?? DEFAULT_MAX_EXECUTIONS;
  const runner = new Runner(sc, { maxExecutions }, {
    ...(o.faults !== undefined ? { faults: o.faults } : {}),
    ...(o.collectFinalStates ? { collectFinalStates: true } : {}),
    ...(o.collectTraces ? { collectTraces: true } : {}),
    ...(o.locations ? { locations: o.locations } : {}),
    ...(o.lockdep ? { shared: o.lockdep } : {}),
  });
  const strategy = makeStrategy(strategyName, o, maxExecutions);
  const complete = strategy.explore(runner) && runner.found === null;
  const out: Exploration = {
    scenario: sc.name,
    models: sc.models,
    strategy: strategyName,
    ok: runner.found === null,
    complete,
    executions: runner.executions,
    abandoned: runner.abandoned,
    completeExecutions: runner.complete,
    steps: runner.steps,
  };
  if (o.collectTraces) out.traceSet = runner.traces;
  if (strategy instanceof BruteForceStrategy) out.traces = strategy.traces.size;
  if (o.collectFinalStates) out.finalStates = [...runner.finalStates].sort();
  if (runner.budgetHit && runner.found === null) {
    out.limitHit =
      `stopped after ${maxExecutions} executions (maxExecutions) without covering every schedule. ` +
      "No bug was found in those. The scenario may be too large for exhaustive search: try the bounded or PCT " +
      "strategy, fewer threads or steps, or raise maxExecutions.";
  }
  if (runner.found !== null) out.bug = finish(sc, runner, runner.found, o);
  return out;
}

function finish(sc: Scenario<unknown>, runner: Runner, found: RunResult, o: ExploreOptions): FoundBug {
  const report = found.report!;
  let token = found.token;
  const ex = found.execution;
  const foundWith = countPreemptions(ex.choices, ex.enabledAt);
  let preemptions = foundWith;
  const crossSchedule = (report.details?.executions as number[] | undefined) ?? [];
  const crossScenario = ((report.details?.scenarios as string[] | undefined) ?? []).length > 0;
  const lockdepSeed = crossScenario ? runner.shared.edgesBefore() : undefined;
  if (crossSchedule.length > 0) {
    // lockdep saw the other half of the cycle in earlier schedules: replay those first.
    token = [...crossSchedule.map((e) => runner.shared.edgeTokens.get(e) ?? ""), token].filter(Boolean).join("|");
  } else if (o.shrink !== false && foundWith > 0 && !crossScenario) {
    const shrinker = new Runner(sc, { maxExecutions: o.shrinkBudget ?? 5_000 }, {
      ...(o.faults !== undefined ? { faults: o.faults } : {}),
    });
    new BoundedStrategy(foundWith - 1).explore(shrinker);
    const s = shrinker.found;
    if (s !== null && s.report!.kind === report.kind) {
      token = s.token;
      preemptions = countPreemptions(s.execution.choices, s.execution.enabledAt);
    }
  }
  const bug: FoundBug = { report, token, preemptions, foundWithPreemptions: foundWith };
  if (lockdepSeed) bug.lockdepSeed = lockdepSeed;
  if (o.trace !== false) {
    const traced = replay(sc, token, {
      ...(lockdepSeed ? { lockdepSeed } : {}),
      ...(o.faults !== undefined ? { faults: o.faults } : {}),
      ...(o.locations ? { locations: o.locations } : {}),
    });
    bug.trace = traced.trace ?? [];
    bug.objects = traced.objects ?? [];
    if (traced.report !== null && traced.report.kind === report.kind) bug.report = traced.report;
    else if (traced.report === null || traced.report.kind !== report.kind) {
      bug.report = {
        kind: "nondeterminism",
        title: "nondeterminism: the failing schedule does not fail again",
        message:
          `The schedule ${token} first ended with "${report.title}", but replaying it ` +
          (traced.report ? `ended with "${traced.report.title}"` : "passed") +
          ". The code behaves differently on the same schedule: it depends on something outside the simulation " +
          "(module-level variables kept between runs, Math.random, Date.now).",
        thread: report.thread,
        step: report.step,
        details: { first: report, replayed: traced.report },
      };
    }
  }
  return bug;
}

export interface ReplayOptions {
  /** Lock-order edges taken by earlier scenarios (FoundBug.lockdepSeed): the replay starts with them in the graph. */
  lockdepSeed?: readonly LockEdge[];
  faults?: boolean;
  tracing?: boolean;
  locations?: LocationProvider;
}

/**
 * Replay a schedule token. A multi-part token ("s1:..|s1:..") runs each part
 * in order with one lockdep graph and returns the last run. A schedule that
 * no longer fits the code (a choice that is not runnable) ends with a
 * nondeterminism report.
 */
export function replay<S>(scenario: Scenario<S>, token: string, o: ReplayOptions = {}): RunResult {
  const sc = scenario as Scenario<unknown>;
  const parts = splitToken(token);
  if (parts.length === 0) throw new Error("empty schedule token");
  const shared = o.lockdepSeed ? SharedState.seeded(o.lockdepSeed, sc.name) : new SharedState();
  let last: RunResult | null = null;
  parts.forEach((part, index) => {
    const choices = decodeSchedule(part);
    const tracing = o.tracing !== false && index === parts.length - 1;
    last = runOnce(
      sc,
      {
        choose(ex) {
          const k = ex.choices.length;
          // Past the token's end the code still wants to run: the replay diverged.
          return k < choices.length ? choices[k]! : -2;
        },
      },
      {
        tracing,
        shared,
        executionIndex: index,
        ...(o.faults !== undefined ? { faults: o.faults } : {}),
        ...(o.locations ? { locations: o.locations } : {}),
      },
    );
    const r = last;
    const diverged = r.outcome === "abandoned" || (r.report === null && r.choices.length < choices.length);
    if (diverged) {
      r.report = {
        kind: "nondeterminism",
        title: "nondeterminism: the replayed schedule diverged",
        message:
          r.outcome === "abandoned"
            ? `The schedule ends after ${choices.length} steps, but the code is still running: it took a different path than when the schedule was recorded.`
            : `The code finished after ${r.choices.length} steps, but the schedule has ${choices.length}: it took a different path than when the schedule was recorded.`,
        thread: "",
        step: r.choices.length,
      };
      r.outcome = "bug";
    }
  });
  return last!;
}

export { Runner } from "./runner";
export type { Strategy } from "./runner";
export { DporStrategy } from "./dpor";
export { BoundedStrategy } from "./bounded";
export { PctStrategy } from "./pct";
export { BruteForceStrategy, canonicalTrace } from "./brute";
