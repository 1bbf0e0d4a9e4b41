/*
 * PCT: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
 *
 * Each execution gives the threads random distinct priorities and picks
 * d - 1 random change points; the highest-priority runnable thread always
 * runs, and at a change point the running thread drops to the lowest
 * priority. A bug of depth d is found with probability at least
 * 1 / (n * k^(d-1)) per execution. The random source is seeded: the same seed
 * gives the same executions, so every learner gets the same verdict.
 */

import { type Choice, choiceThread, faultChoice, withoutFault } from "../choice";
import type { Runner, Strategy } from "./runner";

/** A small seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class PctStrategy implements Strategy {
  readonly name = "pct";
  constructor(
    readonly seed: number,
    readonly runs: number,
    readonly depth = 3,
    /** Probability of taking an allocation failure when one is possible. */
    readonly failureRate = 0.2,
  ) {}

  explore(runner: Runner): boolean {
    let k = 50; // steps per execution, re-estimated from each run
    const rate = this.failureRate;
    for (let run = 0; run < this.runs && !runner.stopped; run++) {
      const random = rng(this.seed * 7919 + run);
      const n = runner.scenario.threads.length;
      const prio: number[] = [];
      const perm = [...Array(n).keys()];
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      for (let i = 0; i < n; i++) prio[perm[i]!] = this.depth + i;
      const changes = new Map<number, number>();
      for (let d = 1; d < this.depth; d++) changes.set(1 + Math.floor(random() * k), this.depth - d);
      const res = runner.run({
        choose(ex, enabled: readonly Choice[]) {
          const step = ex.choices.length;
          let best = -1;
          for (const c of enabled) if (best < 0 || (prio[choiceThread(c)] ?? 0) > (prio[choiceThread(best)] ?? 0)) best = withoutFault(c);
          const change = changes.get(step);
          if (change !== undefined) {
            prio[choiceThread(best)] = change;
            for (const c of enabled) if ((prio[choiceThread(c)] ?? 0) > (prio[choiceThread(best)] ?? 0)) best = withoutFault(c);
          }
          if (enabled.includes(faultChoice(choiceThread(best))) && random() < rate) return faultChoice(choiceThread(best));
          return best;
        },
      });
      if (res === null) return false;
      k = Math.max(k, res.steps);
    }
    return false;
  }
}
