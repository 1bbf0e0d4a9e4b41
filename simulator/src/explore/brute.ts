/*
 * Brute force: every interleaving, no reduction. Only for small scenarios:
 * the explorer's own tests compare DPOR against it, and the benchmark uses it
 * to count the distinct Mazurkiewicz traces (the optimal number of
 * executions for a partial-order reduction).
 */

import { type Choice, choiceThread, isFaultChoice } from "../choice";
import type { Execution } from "../execution";
import { prefixHooks, type Runner, type Strategy } from "./runner";

export class BruteForceStrategy implements Strategy {
  readonly name = "brute";
  /** Canonical forms of the traces seen: one per Mazurkiewicz equivalence class. */
  readonly traces = new Set<string>();

  explore(runner: Runner): boolean {
    const stack: Array<{ enabled: Choice[]; next: number }> = [];
    let replayTo = 0;
    for (;;) {
      const prefix = stack.slice(0, Math.min(replayTo + 1, stack.length)).map((n) => n.enabled[n.next - 1]!);
      const res = runner.run(
        prefixHooks(prefix, (ex, enabled) => {
          stack[ex.choices.length] = { enabled: enabled.slice(), next: 1 };
          return enabled[0]!;
        }),
      );
      if (res === null || runner.stopped) {
        if (runner.opts.collectTraces) for (const t of runner.traces) this.traces.add(t);
        return false;
      }
      const ex = res.execution;
      // The runner already keeps the canonical traces when asked to (collectTraces).
      if (!runner.opts.collectTraces) this.traces.add(canonicalTrace(ex));
      const firstSerial = ex.serialFrom.length ? ex.serialFrom[0]! : ex.choices.length;
      stack.length = Math.min(stack.length, firstSerial);
      let k = stack.length - 1;
      while (k >= 0 && stack[k]!.next >= stack[k]!.enabled.length) k--;
      if (k < 0) {
        if (runner.opts.collectTraces) for (const t of runner.traces) this.traces.add(t);
        return true;
      }
      stack[k]!.next++;
      stack.length = k + 1;
      replayTo = k;
    }
  }
}

/**
 * The Mazurkiewicz trace of an execution: each event named by (thread, its
 * index in the thread, fault variant), with the set of earlier dependent
 * events of other threads. Two executions have the same canonical form iff
 * they order every pair of dependent events the same way. Only the threads'
 * steps count: the serial teardown is no choice point (its steps depend on
 * the end state, including untracked state such as a plain array's order).
 */
export function canonicalTrace(ex: Execution): string {
  // The serial teardown runs alone after every thread has ended: not a choice point, not part of the schedule.
  const n = ex.serialFrom.length ? ex.serialFrom[0]! : ex.choices.length;
  const names: string[] = [];
  const perThread = new Map<number, number>();
  const fps: number[][] = [];
  for (let j = 0; j < n; j++) {
    const c = ex.choices[j]!;
    const t = choiceThread(c);
    const k = perThread.get(t) ?? 0;
    perThread.set(t, k + 1);
    names.push(`${t}.${k}${isFaultChoice(c) ? "!" : ""}`);
    const start = ex.stepFpStart[j]!;
    const end = j + 1 < ex.stepFpStart.length ? ex.stepFpStart[j + 1]! : ex.fp.length;
    fps.push(ex.fp.slice(start, end));
  }
  // Per location, the earlier events that read it and that wrote it: dependences without comparing every pair.
  const readers = new Map<number, number[]>();
  const writers = new Map<number, number[]>();
  const parts: string[] = [];
  const mark = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const q = choiceThread(ex.choices[j]!);
    const deps: string[] = [];
    const add = (i: number): void => {
      if (mark[i] === j || choiceThread(ex.choices[i]!) === q) return;
      mark[i] = j;
      deps.push(names[i]!);
    };
    for (const acc of fps[j]!) {
      const l = acc >>> 1;
      const w = writers.get(l);
      if (w) for (const i of w) add(i);
      if ((acc & 1) === 1) {
        const r = readers.get(l);
        if (r) for (const i of r) add(i);
      }
    }
    for (const acc of fps[j]!) {
      const l = acc >>> 1;
      const m = (acc & 1) === 1 ? writers : readers;
      let list = m.get(l);
      if (!list) m.set(l, (list = []));
      if (list[list.length - 1] !== j) list.push(j);
    }
    parts.push(`${names[j]}<${deps.sort().join(",")}`);
  }
  return parts.sort().join(" ") + (ex.report ? ` #${ex.report.kind}` : "");
}
