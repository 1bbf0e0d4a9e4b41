/*
 * Scenarios: a setup, a few threads, and the checks that judge the end state.
 *
 * A scenario is data, not a test: the explorers run it under many schedules,
 * and every run starts from a fresh setup() inside a fresh Execution. The
 * end-of-run checks are, in order: RCU callbacks flushed (rcu_barrier), the
 * serial teardown thread, the scenario's own check(), then kmemleak.
 */

import type { Choice } from "./choice";
import { kmemleak } from "./detectors/kmemleak";
import { SharedState } from "./detectors/lockdep";
import { DEFAULT_LIMITS, Execution, type ExecutionHooks, type ExecutionOutcome, type Limits } from "./execution";
import type { CacheFlags } from "./slab";
import type { TraceObject, TraceStep } from "./trace";
import type { BugReport } from "./report";
import { encodeSchedule } from "./schedule";
import type { LocationProvider } from "./locations";

export interface ThreadSpec<S> {
  name: string;
  run: (state: S) => Iterable<unknown>;
}

export interface CheckContext {
  /** Return values of the threads, by name. */
  results: Record<string, unknown>;
}

export interface FaultConfig {
  /** Caches whose allocations may fail ("page", "pgtable_pmd", "anon_vma", ...), or "all". */
  caches: readonly string[] | "all";
  /** At most this many injected failures per execution (default 1). */
  maxFailures?: number;
}

export interface Scenario<S = unknown> {
  /** Short name shown to learners ("reclaim vs munmap"). */
  name: string;
  /** What the scenario models, one sentence. */
  models: string;
  /** Build the initial state. Runs in every execution, before the threads, untracked. */
  setup: () => S;
  threads: ReadonlyArray<ThreadSpec<S>>;
  /**
   * A first thread that runs alone, to the end, before the others start: it
   * builds the initial state with primitives (faults, forks, allocations).
   * Its steps are not choice points.
   */
  prelude?: (state: S) => Iterable<unknown>;
  /** A last thread that runs alone after the others and after check() (exit_mmap for every mm, say). */
  teardown?: (state: S) => Iterable<unknown>;
  /** Judge the end state after the threads (before teardown); throw (or call check_that) to fail. */
  check?: (state: S, ctx: CheckContext) => void;
  /** A JSON value that summarises the end state without object ids (for explorer tests). */
  finalState?: (state: S, ctx: CheckContext) => unknown;
  /** kmemleak at the end: every cache (true) or the named ones. */
  leakCheck?: boolean | readonly string[];
  faults?: FaultConfig;
  /** Cache flag overrides: { vm_area_struct: { typesafe: true } }. */
  caches?: Record<string, Partial<CacheFlags>>;
  limits?: Partial<Limits>;
  /**
   * KCSAN: report a plain read of a field that another thread writes with
   * nothing ordering the two (see detectors/data-race.ts). The code between two
   * primitives runs as one step; this is what makes a check-then-act, a read
   * after an unlock or an unlocked store visible although the explorer never
   * interleaves inside a step. Lockless reads that are intended are marked
   * with READ_ONCE() or data_race(). Off by default; the tests of an
   * exercise (defineSuite) turn it on unless the scenario sets it false.
   */
  kcsan?: boolean;
}

export interface RunOptions {
  tracing?: boolean;
  shared?: SharedState;
  executionIndex?: number;
  locations?: LocationProvider;
  /** Fault injection on or off for this run (the scenario says which caches). */
  faults?: boolean;
}

export interface RunResult {
  outcome: ExecutionOutcome;
  report: BugReport | null;
  choices: Choice[];
  token: string;
  steps: number;
  finalState?: unknown;
  trace?: TraceStep[];
  objects?: TraceObject[];
  /** The execution, for explorers that read its footprints. */
  execution: Execution;
}

export function limitsOf(s: Scenario<unknown>): Limits {
  return { ...DEFAULT_LIMITS, ...s.limits };
}

/** Run the scenario once, with `hooks` choosing at every step. */
export function runOnce<S>(scenario: Scenario<S>, hooks: ExecutionHooks, opts: RunOptions = {}): RunResult {
  const faults = opts.faults !== false && scenario.faults
    ? {
        caches: scenario.faults.caches === "all" ? ("all" as const) : new Set(scenario.faults.caches),
        maxFailures: scenario.faults.maxFailures ?? 1,
      }
    : null;
  const ex = new Execution(
    {
      limits: limitsOf(scenario as Scenario<unknown>),
      tracing: opts.tracing ?? false,
      shared: opts.shared ?? new SharedState(),
      faults,
      executionIndex: opts.executionIndex ?? 0,
      kcsan: scenario.kcsan === true,
      ...(opts.locations ? { locations: opts.locations } : {}),
    },
    hooks,
  );
  if (scenario.caches) ex.modules.set("cache-flags", scenario.caches);
  const state = ex.within(() => scenario.setup());
  for (const th of scenario.threads) ex.addThread(th.name, () => th.run(state));
  const results: Record<string, unknown> = {};
  let finalState: unknown;
  ex.run(
    scenario.prelude ? () => scenario.prelude!(state) : null,
    () => {
      for (const t of ex.threads) results[t.name] = t.result;
      const ctx: CheckContext = { results };
      scenario.check?.(state, ctx);
      if (scenario.finalState) finalState = scenario.finalState(state, ctx);
    },
    scenario.teardown ? () => scenario.teardown!(state) : null,
    () => {
      if (scenario.leakCheck) kmemleak(ex, scenario.leakCheck);
    },
  );
  const token = encodeSchedule(ex.choices);
  const r: RunResult = {
    outcome: ex.outcome,
    report: ex.report,
    choices: ex.choices,
    token,
    steps: ex.choices.length,
    execution: ex,
  };
  if (finalState !== undefined) r.finalState = finalState;
  if (ex.tracing) {
    r.trace = ex.trace;
    r.objects = ex.objectTable();
  }
  return r;
}

/** Fail the scenario's check with a message (an "assertion" report). */
export function check_that(condition: unknown, message: string): void {
  if (condition) return;
  const err = new Error(message);
  err.name = "AssertionError";
  throw err;
}
