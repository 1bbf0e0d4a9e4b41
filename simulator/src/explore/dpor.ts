/*
 * Exhaustive search with dynamic partial-order reduction and sleep sets.
 *
 * Two schedules that differ only in the order of independent steps (steps
 * whose footprints share no location written by either) reach the same state;
 * exploring one of each such class (Mazurkiewicz trace) is enough. After each
 * execution we find its races: pairs of dependent steps of different threads
 * not ordered by happens-before through other steps. For each race (i, j) a
 * thread that can start the reversed order is added to the backtrack set of
 * the state before i (source sets, Abdulla et al. 2014). Sleep sets stop the
 * search from re-exploring, after a branch, a step that was already explored
 * from the same state and that is independent of what ran since.
 *
 * Footprints are recorded as the steps run (see execution.ts), so dependence is
 * exact for the schedule at hand: a plain field read in a loop body counts.
 *
 * Blocking. A thread can be disabled: its next op waits (a lock held, a
 * wait_event condition false, readers in a grace period, a join, a
 * cpu_relax() whose loop saw nothing change). Two rules make every wait an
 * ordinary race, with no case per primitive (the DPOR literature's treatment
 * of blocking and `await`):
 *  - the step that performs a blocking op reads what its enabling
 *    condition reads (execution.ts evaluates the condition with tracking on),
 *    so the step that enabled it happens before it;
 *  - a disabled thread's pending op is treated as reading its condition
 *    (blockingRaces): the step of another thread that disabled it, and the
 *    last write to the condition before a thread's own step left it
 *    waiting, are races to reverse. A race with the step that *enabled* a
 *    wait cannot be reversed and adds nothing.
 * The cross-check (scripts/dpor-vs-brute.ts, explorer.test.ts) compares the
 * Mazurkiewicz traces of DPOR's complete executions with brute force's.
 */

import * as choiceEncoding from "../choice";
import type { Choice } from "../choice";
import { DIVERGED, type Execution } from "../execution";
import { implOrNull, type OpImpl } from "../op";
import type { Runner, Strategy } from "./runner";

/*
 * Hot helpers are bound once, when the module loads: the race analysis runs
 * for every step of every execution, and where the source
 * runs transpiled to CommonJS (tsx, the test runner) a call through an
 * imported binding is a getter call each time.
 */
const { choiceThread, faultChoice, isFaultChoice, runChoice } = choiceEncoding;

interface SleepEntry {
  choice: Choice;
  fp: readonly number[];
}

interface Node {
  enabled: Choice[];
  chosen: Choice;
  /** Bitmasks over choices (a choice is < 32: at most 15 threads, two variants each). */
  backtrack: number;
  done: number;
  sleep: SleepEntry[];
  /** Footprint of each choice already explored from this node. */
  doneFp: Map<Choice, readonly number[]>;
  /** The operation the chosen thread performs here: a replay must find the same one. */
  impl: OpImpl | null;
}

function bit(c: Choice): number {
  return 1 << c;
}

/** Do two footprints conflict (same location, at least one write)? */
export function conflicts(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    for (let j = 0; j < b.length; j++) {
      const y = b[j]!;
      if (x >>> 1 === y >>> 1 && ((x | y) & 1) === 1) return true;
    }
  }
  return false;
}

function stepFp(ex: Execution, k: number): number[] {
  const start = ex.stepFpStart[k]!;
  const end = k + 1 < ex.stepFpStart.length ? ex.stepFpStart[k + 1]! : ex.fp.length;
  return ex.fp.slice(start, end);
}

export class DporStrategy implements Strategy {
  readonly name = "dpor";
  sleepBlocked = 0;

  explore(runner: Runner): boolean {
    const stack: Node[] = [];
    let replayTo = 0; // nodes [0, replayTo) are replayed; node replayTo (if it exists) takes its new `chosen`
    for (;;) {
      const prefix = stack.slice(0, Math.min(replayTo + 1, stack.length)).map((n) => n.chosen);
      const then = (ex: Execution, enabled: readonly Choice[]): Choice => {
        const k = ex.choices.length;
        const parent = stack[k - 1];
        const sleep: SleepEntry[] = [];
        if (parent !== undefined) {
          const fp = stepFp(ex, k - 1);
          const pThread = choiceThread(parent.chosen);
          if (!parent.doneFp.has(parent.chosen)) parent.doneFp.set(parent.chosen, fp);
          for (const s of parent.sleep) if (choiceThread(s.choice) !== pThread && !conflicts(s.fp, fp)) sleep.push(s);
          for (const [c, cfp] of parent.doneFp) {
            if (c === parent.chosen || choiceThread(c) === pThread) continue;
            if (!conflicts(cfp, fp)) sleep.push({ choice: c, fp: cfp });
          }
        }
        let sleepMask = 0;
        for (const s of sleep) sleepMask |= bit(s.choice);
        // Prefer the thread that ran last (no preemption), success before an injected failure.
        const last = k > 0 ? choiceThread(ex.choices[k - 1]!) : -1;
        let pick = -1;
        for (const c of enabled) {
          if (sleepMask & bit(c)) continue;
          if (choiceThread(c) === last && !isFaultChoice(c)) {
            pick = c;
            break;
          }
          if (pick < 0 || (isFaultChoice(pick) && !isFaultChoice(c))) pick = c;
        }
        const node: Node = {
          enabled: enabled as Choice[],
          chosen: pick,
          backtrack: 0,
          done: 0,
          sleep,
          doneFp: new Map(),
          impl: pick >= 0 ? (implOrNull(ex.threads[choiceThread(pick)]!.pending) ?? null) : null,
        };
        stack[k] = node;
        if (pick < 0) return -1; // every enabled choice sleeps: this state was covered elsewhere
        node.done |= bit(pick);
        node.backtrack |= bit(pick);
        // An allocation that may fail is a local choice: always explore both outcomes.
        const t = choiceThread(pick);
        for (const c of enabled) if (choiceThread(c) === t) node.backtrack |= bit(c);
        return pick;
      };
      const hooks = {
        choose(ex: Execution, enabled: readonly Choice[]): Choice {
          const k = ex.choices.length;
          if (k >= prefix.length) return then(ex, enabled);
          // Replaying a recorded prefix: the runnable set must be the one recorded.
          if (k > 0 && k - 1 < replayTo) {
            // The previous replayed step must have touched as many locations as when it was recorded.
            const prevFp = stack[k - 1]!.doneFp.get(stack[k - 1]!.chosen);
            const start = ex.stepFpStart[k - 1]!;
            if (prevFp !== undefined && prevFp.length !== ex.fp.length - start) return DIVERGED;
          }
          const rec = stack[k]!.enabled;
          if (rec.length !== enabled.length || rec.some((c, i) => c !== enabled[i])) return DIVERGED;
          const c = prefix[k]!;
          const impl = implOrNull(ex.threads[choiceThread(c)]!.pending) ?? null;
          if (k < replayTo && impl !== stack[k]!.impl) return DIVERGED;
          if (k === replayTo) stack[k]!.impl = impl;
          return c;
        },
      };
      const res = runner.run(hooks);
      if (res === null) return false;
      const ex = res.execution;
      const firstSerial = ex.serialFrom.length ? ex.serialFrom[0]! : ex.choices.length;
      // The stack must describe exactly this execution's choice points.
      stack.length = Math.min(stack.length, firstSerial);
      if (res.outcome === "abandoned") this.sleepBlocked++;
      // Record the footprint of the last step's choice for sleep sets of siblings.
      for (let k = replayTo; k < stack.length; k++) {
        const n = stack[k]!;
        if (n.chosen >= 0 && !n.doneFp.has(n.chosen) && k < ex.stepFpStart.length) n.doneFp.set(n.chosen, stepFp(ex, k));
      }
      if (runner.stopped) return false;
      this.analyzeRaces(ex, stack, replayTo, firstSerial);
      // Backtrack: the deepest node with an unexplored, non-sleeping choice.
      let k = stack.length - 1;
      for (; k >= 0; k--) {
        const n = stack[k]!;
        let sleepMask = 0;
        for (const s of n.sleep) sleepMask |= bit(s.choice);
        const todo = n.backtrack & ~n.done & ~sleepMask;
        if (todo === 0) continue;
        let c = 0;
        while ((todo & bit(c)) === 0) c++;
        n.done |= bit(c);
        n.chosen = c;
        n.impl = null; // set again when replayed
        const t = choiceThread(c);
        for (const e of n.enabled) if (choiceThread(e) === t) n.backtrack |= bit(e);
        break;
      }
      if (k < 0) return true;
      stack.length = k + 1;
      replayTo = k;
    }
  }

  /**
   * Find the races of the steps from `from` on, and add backtrack points.
   * Happens-before is computed with vector clocks over the dependence of
   * recorded footprints.
   */
  /*
   * Per-location state of the race analysis (last write, reads since), kept
   * across executions with an undo log per event: a new execution shares its
   * prefix with the previous one, so only the events after the branch point
   * are undone and analysed again. Reads since the last write are a linked
   * list in flat arrays, so the analysis allocates nothing per access.
   */
  private lastW = new Int32Array(1024).fill(-1);
  private readHead = new Int32Array(1024).fill(-1);
  private rnEvent: number[] = [];
  private rnNext: number[] = [];
  /** Undo log: location, previous last write, previous read-list head. */
  private undoLoc: number[] = [];
  private undoW: number[] = [];
  private undoHead: number[] = [];
  /** Undo-log length and read-node count before each event. */
  private undoStart: number[] = [];
  private rnStart: number[] = [];
  /** Events whose effects are in the location state. */
  private applied = 0;
  /** Vector clocks of the events; those of a replayed prefix are the same as last time and are kept. */
  private clocks: Int32Array[] = [];

  private grow(l: number): void {
    let n = this.lastW.length;
    while (n <= l) n *= 2;
    const w = new Int32Array(n).fill(-1);
    w.set(this.lastW);
    this.lastW = w;
    const h = new Int32Array(n).fill(-1);
    h.set(this.readHead);
    this.readHead = h;
  }

  /** Undo the location state back to just before event `j`. */
  private rewind(j: number): void {
    if (this.applied <= j) return;
    const to = this.undoStart[j]!;
    for (let u = this.undoLoc.length - 1; u >= to; u--) {
      const l = this.undoLoc[u]!;
      this.lastW[l] = this.undoW[u]!;
      this.readHead[l] = this.undoHead[u]!;
    }
    this.undoLoc.length = to;
    this.undoW.length = to;
    this.undoHead.length = to;
    this.rnEvent.length = this.rnStart[j]!;
    this.rnNext.length = this.rnStart[j]!;
    this.applied = j;
  }

  private analyzeRaces(ex: Execution, stack: Node[], from: number, n: number): void {
    const nThreads = ex.threads.length;
    const choices = ex.choices;
    const fp = ex.fp;
    const starts = ex.stepFpStart;
    const clocks = this.clocks;
    const start0 = Math.min(from, this.applied);
    this.rewind(start0);
    const lastOfThread = new Int32Array(nThreads).fill(-1);
    for (let j = 0; j < start0; j++) lastOfThread[choiceThread(choices[j]!)] = j;
    const cand: number[] = [];
    const races: number[] = [];
    for (let j = start0; j < n; j++) {
      const q = choiceThread(choices[j]!);
      const start = starts[j]!;
      const end = j + 1 < starts.length ? starts[j + 1]! : fp.length;
      const prev = lastOfThread[q]!;
      const C = prev >= 0 ? clocks[prev]!.slice() : new Int32Array(nThreads);
      cand.length = 0;
      for (let a = start; a < end; a++) {
        const acc = fp[a]!;
        const l = acc >>> 1;
        if (l >= this.lastW.length) this.grow(l);
        const w = this.lastW[l]!;
        if (w >= 0 && w !== j) cand.push(w);
        if ((acc & 1) === 1) {
          for (let r = this.readHead[l]!; r >= 0; r = this.rnNext[r]!) {
            const e = this.rnEvent[r]!;
            if (e !== j) cand.push(e);
          }
        }
      }
      // Newest first (insertion sort: the lists are short).
      for (let x = 1; x < cand.length; x++) {
        const v = cand[x]!;
        let y = x - 1;
        while (y >= 0 && cand[y]! < v) {
          cand[y + 1] = cand[y]!;
          y--;
        }
        cand[y + 1] = v;
      }
      races.length = 0;
      for (let c = 0; c < cand.length; c++) {
        const i = cand[c]!;
        if (c > 0 && cand[c - 1] === i) continue;
        const p = choiceThread(choices[i]!);
        if (p === q) continue;
        if (C[p]! > i) continue; // already happens-before j through other steps
        if (j >= from) races.push(i);
        const Ci = clocks[i]!;
        for (let t = 0; t < nThreads; t++) if (Ci[t]! > C[t]!) C[t] = Ci[t]!;
      }
      C[q] = j + 1;
      clocks[j] = C;
      for (const i of races) this.addBacktrack(ex, stack, clocks, i, j, C, q);
      lastOfThread[q] = j;
      // Apply the event to the location state, logging how to undo it.
      this.undoStart[j] = this.undoLoc.length;
      this.rnStart[j] = this.rnEvent.length;
      for (let a = start; a < end; a++) {
        const acc = fp[a]!;
        const l = acc >>> 1;
        const head = this.readHead[l]!;
        if ((acc & 1) === 0 && head >= 0 && this.rnEvent[head] === j) continue; // read twice in one step
        this.undoLoc.push(l);
        this.undoW.push(this.lastW[l]!);
        this.undoHead.push(head);
        if ((acc & 1) === 1) {
          this.lastW[l] = j;
          this.readHead[l] = -1;
        } else {
          this.rnEvent.push(j);
          this.rnNext.push(head);
          this.readHead[l] = this.rnEvent.length - 1;
        }
      }
      this.applied = j + 1;
      if (j >= from) this.blockingRaces(ex, stack, clocks, j, q, C, n);
    }
    clocks.length = n;
  }

  /*
   * Blocking. A thread whose next op is disabled (a lock held, a wait_event
   * condition false, readers inside a grace period, a cpu_relax() whose loop
   * saw nothing change) is treated as if it polled its enabling condition:
   * its pending op reads what the condition reads. Two kinds of steps race
   * with that read:
   *  - a step of another thread that disables it (the thread was enabled
   *    before, not after): the reversal runs the waiting thread first, which
   *    is possible there, since its op was enabled;
   *  - when a thread's own step leaves it waiting, the last write to what its
   *    condition reads: the reversal runs the thread (up to its wait) before
   *    that write.
   * A race of a step that *enables* a waiting op cannot be reversed (the op
   * could not run before it); the two rules above reach the other orders, so
   * such races add nothing (see addBacktrack).
   */
  private blockingRaces(ex: Execution, stack: Node[], clocks: Int32Array[], j: number, q: number, C: Int32Array, n: number): void {
    const before = ex.enabledAt[j]!;
    const after = j + 1 < n ? ex.enabledAt[j + 1]! : ex.lastEnabled;
    const node = stack[j];
    if (node !== undefined) {
      for (const c of before) {
        const u = choiceThread(c);
        if (u === q || isFaultChoice(c)) continue;
        if (after.includes(c)) continue;
        // u was enabled before step j and is disabled after it: j disabled u.
        for (const e of node.enabled) if (choiceThread(e) === u) node.backtrack |= bit(e);
      }
    }
    const reads = ex.blockReads.get(j);
    if (reads === undefined) return;
    for (const acc of reads) {
      const l = acc >>> 1;
      if (l >= this.lastW.length) continue;
      const w = this.lastW[l]!;
      if (w < 0 || w >= j) continue;
      const p = choiceThread(ex.choices[w]!);
      if (p === q || C[p]! > w) continue;
      this.addBacktrack(ex, stack, clocks, w, j, C, q);
    }
  }

  /**
   * Add to the backtrack set of the state before event i a thread that starts
   * the reversed race: an initial of notdep(i).j (events after i that do not
   * depend on i and happen before j). `qj` is j's thread; for the read of a
   * wait just after j (blockingRaces), j is that thread's last step and Cj its clock.
   */
  private addBacktrack(ex: Execution, stack: Node[], clocks: Int32Array[], i: number, j: number, Cj: Int32Array, qj: number): void {
    const node = stack[i];
    if (node === undefined) return;
    let all = 0;
    for (const c of node.enabled) all |= bit(c);
    if ((all & ~(node.backtrack | node.done)) === 0) return; // every choice here is already scheduled
    const thread = (k: number): number => choiceThread(ex.choices[k]!);
    const p = thread(i);
    // Initials of notdep(i).j: events after i, not after i in happens-before, that happen before j (or are j),
    // and have no such event before them.
    const set: number[] = [];
    for (let k = i + 1; k <= j; k++) {
      if (clocks[k]![p]! > i) continue; // i happens-before k
      if (k !== j && Cj[thread(k)]! <= k) continue; // k does not happen-before j
      set.push(k);
    }
    const initials = new Set<number>();
    for (const k of set) {
      let first = true;
      for (const k2 of set) {
        if (k2 >= k) break;
        if (clocks[k]![thread(k2)]! > k2) {
          first = false;
          break;
        }
      }
      if (first) initials.add(thread(k));
    }
    const known = node.backtrack | node.done;
    if (initials.size === 0) initials.add(qj);
    for (const u of initials) if (known & (bit(runChoice(u)) | bit(faultChoice(u)))) return;
    for (const u of initials) {
      if (node.enabled.includes(runChoice(u))) {
        for (const c of node.enabled) if (choiceThread(c) === u) node.backtrack |= bit(c);
        return;
      }
    }
    // Every initial waits at the state before i: i enables what j does, and
    // the order cannot be reversed. The races of the step that made them
    // wait (blockingRaces) explore the other orders.
  }
}
