/*
 * The runner shared by every search strategy: it runs executions of one
 * scenario, counts them against the budget, keeps lockdep's graph across
 * them, and stops at the first bug.
 */

import type { Choice } from "../choice";
import type { ExecutionHooks } from "../execution";
import { canonicalTrace } from "./brute";
import { SharedState } from "../detectors/lockdep";
import { type RunResult, runOnce, type Scenario } from "../scenario";
import type { LocationProvider } from "../locations";

export interface Budget {
  /** Executions (complete or abandoned) before the search stops. */
  maxExecutions: number;
}

export interface Strategy {
  readonly name: string;
  /** Run executions through `runner` until the search is exhausted or `runner.stopped`. Returns true if exhausted. */
  explore(runner: Runner): boolean;
}

export class Runner {
  readonly shared: SharedState;
  executions = 0;
  abandoned = 0;
  steps = 0;
  found: RunResult | null = null;
  readonly finalStates = new Set<string>();
  /** Canonical Mazurkiewicz traces of the complete (not sleep-blocked) executions, when collected. */
  readonly traces = new Set<string>();
  /** Complete executions: run to the end (or to a bug), not cut short by sleep sets. */
  complete = 0;
  budgetHit = false;

  constructor(
    readonly scenario: Scenario<unknown>,
    readonly budget: Budget,
    readonly opts: {
      faults?: boolean;
      collectFinalStates?: boolean;
      collectTraces?: boolean;
      locations?: LocationProvider;
      /** lockdep's graph, when it is kept across scenarios (default: a fresh one). */
      shared?: SharedState;
    } = {},
  ) {
    this.shared = opts.shared ?? new SharedState();
    this.shared.beginRun(scenario.name);
  }

  get stopped(): boolean {
    return this.found !== null || this.budgetHit;
  }

  /** Run one execution. Returns null when the budget is spent. */
  run(hooks: ExecutionHooks): RunResult | null {
    if (this.executions >= this.budget.maxExecutions) {
      this.budgetHit = true;
      return null;
    }
    this.executions++;
    const index = this.shared.nextExecution();
    const r = runOnce(this.scenario, hooks, {
      shared: this.shared,
      executionIndex: index,
      ...(this.opts.faults !== undefined ? { faults: this.opts.faults } : {}),
      ...(this.opts.locations ? { locations: this.opts.locations } : {}),
    });
    this.steps += r.steps;
    // lockdep's graph remembers which executions added edges: keep their schedules for cross-schedule reports.
    if (this.shared.edgeTokens.has(index)) this.shared.edgeTokens.set(index, r.token);
    if (r.outcome === "abandoned") this.abandoned++;
    else {
      this.complete++;
      if (this.opts.collectTraces) this.traces.add(canonicalTrace(r.execution));
    }
    if (r.report !== null && this.found === null) this.found = r;
    if (this.opts.collectFinalStates && r.outcome === "ok" && r.report === null) {
      this.finalStates.add(JSON.stringify(r.finalState ?? null));
    }
    return r;
  }
}

/** Replays a fixed prefix of choices, then asks `then` for the rest. */
export function prefixHooks(prefix: readonly Choice[], then: ExecutionHooks["choose"]): ExecutionHooks {
  return {
    choose(ex, enabled) {
      const k = ex.choices.length;
      if (k < prefix.length) return prefix[k]!;
      return then(ex, enabled);
    },
  };
}
