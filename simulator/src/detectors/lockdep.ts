/*
 * lockdep: the lock validator, as the kernel's CONFIG_PROVE_LOCKING checks
 * it. Each thread keeps the locks it holds (held_locks); every acquisition
 * adds "held class -> new class" edges to a graph of lock classes that
 * outlives one execution (SharedState), so an order inversion is found even
 * when the two orders were taken in different explored schedules. A suite
 * run keeps one graph for all its scenarios, as lockdep keeps its graph
 * for a whole boot: the two orders may come from different tests. Also
 * recursive locking, bad unlock balance and lockdep_assert_held().
 */

import { cur } from "../current";
import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import type { LockLike } from "../lock";
import type { Op } from "../op";
import type { SourceLocation } from "../report";
import type { HeldLock, ThreadState } from "../thread";
import { nameOf } from "../kobject";

export interface LockEdge {
  from: string;
  to: string;
  thread: string;
  step: number;
  execution: number;
  /** The scenario exploration that added the edge (SharedState.run) and the scenario's name. */
  run: number;
  scenario: string;
  loc: SourceLocation | undefined;
  heldLoc: SourceLocation | undefined;
}

/**
 * State that outlives one execution: the lock-class graph of lockdep. One
 * scenario's exploration may share it with the scenarios explored before
 * (beginRun), each execution numbered once for the whole graph
 * (nextExecution), so an edge names the schedule and the scenario that took it.
 */
export class SharedState {
  readonly lockGraph = new Map<string, Map<string, LockEdge>>();
  /** Executions whose schedules added lock-order edges, by index: their tokens. */
  readonly edgeTokens = new Map<number, string>();
  /** The scenario exploration now running (0 before the first beginRun) and its scenario's name. */
  run = 0;
  scenario = "";
  private executions = 0;

  /** A new scenario's exploration starts: its edges are told apart from those of the scenarios before it. */
  beginRun(scenario: string): void {
    this.run++;
    this.scenario = scenario;
  }

  /** The index of the next execution: unique within this graph. */
  nextExecution(): number {
    return this.executions++;
  }

  /** Every edge of the graph. */
  edges(): LockEdge[] {
    const out: LockEdge[] = [];
    for (const m of this.lockGraph.values()) for (const e of m.values()) out.push(e);
    return out;
  }

  /** The edges added by earlier scenario explorations (not the current one). */
  edgesBefore(): LockEdge[] {
    return this.edges().filter((e) => e.run !== this.run);
  }

  /** An independent copy: exploring with it leaves this graph as it is. */
  copy(): SharedState {
    const s = new SharedState();
    s.restore(this);
    return s;
  }

  /** Become a copy of `other` (undo what was added since `other` was copied from this graph). */
  restore(other: SharedState): void {
    this.lockGraph.clear();
    for (const [from, out] of other.lockGraph) this.lockGraph.set(from, new Map(out));
    this.edgeTokens.clear();
    for (const [k, v] of other.edgeTokens) this.edgeTokens.set(k, v);
    this.run = other.run;
    this.scenario = other.scenario;
    this.executions = other.executions;
  }

  /** A fresh graph holding `edges` (taken in earlier scenarios), for a replay that must see them again. */
  static seeded(edges: readonly LockEdge[], scenario: string): SharedState {
    const s = new SharedState();
    for (const e of edges) {
      let out = s.lockGraph.get(e.from);
      if (out === undefined) s.lockGraph.set(e.from, (out = new Map()));
      out.set(e.to, e);
    }
    s.run = Math.max(0, ...edges.map((e) => e.run)) + 1;
    s.scenario = scenario;
    return s;
  }
}

/** The edge was taken in this execution of this scenario (not an earlier schedule or scenario). */
function sameExecution(ex: Execution, e: LockEdge): boolean {
  return e.run === ex.opts.shared.run && e.execution === ex.opts.executionIndex;
}

/** The lockdep class of a lock taken with a subclass: "&mm->page_table_lock/1". */
function classKey(lockClass: string, subclass: number): string {
  return subclass === 0 ? lockClass : `${lockClass}/${subclass}`;
}

/** lockdep, when a thread reaches a lock acquisition (before it may block): recursion, and the new order edges. */
export function lockdepAcquire(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", opName: string, subclass = 0): void {
  for (const h of t.held) {
    if (h.lock === lock || (h.lock.lockClass === lock.lockClass && h.subclass === subclass)) {
      const same = h.lock === lock;
      ex.fail(
        "recursive-locking",
        "WARNING: possible recursive locking detected",
        `${t.name} is trying to acquire lock:\n (${lock.lockClass}) ${nameOf(lock)}, in ${opName}${fmtLoc(ex.tracing ? ex.locate() : undefined)}\n\n` +
          `but task is already holding lock:\n (${h.lock.lockClass}) ${nameOf(h.lock)}, taken at step ${h.step}${fmtLoc(h.loc)}\n\n` +
          (same
            ? " Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(" + lock.lockClass + ");\n  lock(" + lock.lockClass + ");\n\n *** DEADLOCK ***\n\n" +
              (h.mode === "read" && mode === "read"
                ? "Taking a read lock twice deadlocks as soon as a writer queues between the two acquisitions."
                : "A lock that is already held by this thread can never be acquired again.")
            : "Two locks of the same class are nested without an annotation that orders them."),
        { lock: nameOf(lock), class: lock.lockClass, held: nameOf(h.lock) },
      );
    }
    addLockEdge(ex, t, h, lock, subclass);
  }
}

function addLockEdge(ex: Execution, t: ThreadState, held: HeldLock, lock: LockLike, subclass: number): void {
  const from = classKey(held.lock.lockClass, held.subclass);
  const to = classKey(lock.lockClass, subclass);
  const key = `${from}\u0000${to}`;
  ex.localEdges.add(key);
  const g = ex.opts.shared.lockGraph;
  let out = g.get(from);
  if (out === undefined) g.set(from, (out = new Map()));
  if (out.has(to)) return;
  const loc = ex.tracing ? ex.locate() : undefined;
  // A new dependency from -> to: is there already a path to -> ... -> from?
  const path = findPath(g, to, from);
  out.set(to, {
    from,
    to,
    thread: t.name,
    step: ex.stepIndex,
    execution: ex.opts.executionIndex,
    run: ex.opts.shared.run,
    scenario: ex.opts.shared.scenario,
    loc,
    heldLoc: held.loc,
  });
  ex.opts.shared.edgeTokens.set(ex.opts.executionIndex, "");
  if (path === null) return;
  const chain = path
    .map(
      (e, i) =>
        `-> #${i} (${e.from} -> ${e.to}): taken by ${e.thread} at step ${e.step}` +
        (e.run !== ex.opts.shared.run
          ? ` in an earlier test's scenario "${e.scenario}"`
          : !sameExecution(ex, e)
            ? ` in another schedule (#${e.execution})`
            : "") +
        fmtLoc(e.loc),
    )
    .join("\n");
  const a = from;
  const b = to;
  ex.fail(
    "lock-inversion",
    "WARNING: possible circular locking dependency detected",
    `${t.name} is trying to acquire lock:\n (${b}) ${nameOf(lock)}${fmtLoc(loc)}\n\n` +
      `but task is already holding lock:\n (${a}) ${nameOf(held.lock)}${fmtLoc(held.loc)}\n\n` +
      `which lock already depends on the new lock.\n\nthe existing dependency chain is:\n${chain}\n\n` +
      ` Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n       ----                    ----\n` +
      `  lock(${a});\n                               lock(${b});\n                               lock(${a});\n  lock(${b});\n\n *** DEADLOCK ***\n` +
      (path.some((e) => e.run !== ex.opts.shared.run)
        ? "\nNo deadlock happened in this schedule: the opposite order was taken by an earlier test of this run. " +
          "lockdep keeps every order it has seen since boot and reports the possibility."
        : path.some((e) => !sameExecution(ex, e))
          ? "\nNo deadlock happened in this schedule: the opposite order was seen in another one. lockdep reports the possibility."
          : ""),
    {
      cycle: [...path.map((e) => e.from), a],
      executions: [...new Set(path.filter((e) => e.run === ex.opts.shared.run && !sameExecution(ex, e)).map((e) => e.execution))],
      scenarios: [...new Set(path.filter((e) => e.run !== ex.opts.shared.run).map((e) => e.scenario))],
    },
    loc,
  );
}

function findPath(
  g: Map<string, Map<string, LockEdge>>,
  from: string,
  to: string,
): Array<LockEdge> | null {
  const seen = new Set<string>([from]);
  const stack: Array<{ node: string; path: Array<LockEdge> }> = [{ node: from, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    const out = g.get(node);
    if (!out) continue;
    for (const [next, edge] of out) {
      const p = [...path, edge];
      if (next === to) return p;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push({ node: next, path: p });
      }
    }
  }
  return null;
}

/** The lock is taken: onto the thread's held_locks. */
export function pushHeld(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", op: Op): void {
  t.held.push({ lock, mode, subclass: typeof op.arg === "number" ? op.arg : 0, step: ex.stepIndex, loc: op.loc });
}

/** The lock is released: off the thread's held_locks, in the mode it was taken (bad unlock balance otherwise). */
export function popHeld(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", opName: string): void {
  for (let i = t.held.length - 1; i >= 0; i--) {
    const h = t.held[i]!;
    if (h.lock === lock) {
      if (h.mode !== mode) {
        ex.fail(
          "bad-unlock",
          "WARNING: bad unlock balance detected!",
          `${t.name} is trying to release lock (${lock.lockClass}) ${nameOf(lock)} with ${opName}, but it holds it ` +
            `${h.mode === "read" ? "for reading (use up_read)" : "for writing (use up_write)"}.`,
          { lock: nameOf(lock) },
        );
      }
      t.held.splice(i, 1);
      return;
    }
  }
  ex.fail(
    "bad-unlock",
    "WARNING: bad unlock balance detected!",
    `${t.name} is trying to release lock (${lock.lockClass}) ${nameOf(lock)} in ${opName}\n` +
      "but there are no more locks to release!\n\n" +
      (t.held.length
        ? `other info that might help us debug this:\n${t.held.length} lock(s) held by ${t.name}: ${t.held.map((h) => nameOf(h.lock)).join(", ")}`
        : `no locks held by ${t.name}.`),
    { lock: nameOf(lock) },
  );
}

/** lockdep_assert_held(): the running thread must hold `lock` (for writing, with `write`). */
export function lockdep_assert_held(lock: LockLike, mode: "any" | "write" = "any"): void {
  const ex = cur();
  const t = ex.running;
  if (t === null) return;
  const h = t.holds(lock);
  if (h !== undefined && (mode === "any" || h.mode === "excl")) return;
  ex.fail(
    "lock-not-held",
    `WARNING: lockdep_assert_held${mode === "write" ? "_write" : ""}(${lock.lockClass}) failed`,
    `${t.name} must hold ${nameOf(lock)}${mode === "write" ? " for writing" : ""} here` +
      (h ? ", but holds it only for reading." : ", but does not hold it.") +
      (t.held.length ? `\nLocks held: ${t.held.map((x) => nameOf(x.lock)).join(", ")}` : "\nNo locks held."),
    { lock: nameOf(lock), mode },
  );
}
