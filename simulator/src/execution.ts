/*
 * The runtime of one simulated execution.
 *
 * Design
 * ------
 * Simulated kernel threads are generator functions. Every primitive (a lock,
 * an atomic, an allocation, an RCU call, a list operation) is an Op (op.ts):
 * an iterator that first yields itself to the scheduler (a scheduling point)
 * and, when the scheduler resumes the thread, performs the operation
 * atomically. Learner code therefore reads as kernel code with `yield*` in
 * front of each primitive:
 *
 *     yield* spin_lock(mm.page_table_lock);
 *     if (!vma.anon_vma) vma.anon_vma = anon_vma;
 *     yield* spin_unlock(mm.page_table_lock);
 *
 * A transition (one step) is: perform the pending op of the chosen thread,
 * then run that thread's plain code up to its next op. Plain reads and writes
 * of kernel-object fields go through tracked accessors (kobject.ts), so each
 * step has an exact footprint (which locations it read and wrote). The
 * explorers use the footprints for partial-order reduction; the detectors
 * (detectors/) use the accessors for use-after-free checks.
 *
 * The code between two primitives is one step, so the explorer never
 * interleaves inside it: a check and the update it guards, a read just after
 * an unlock, an unlocked store, all run as if atomic. What makes those races
 * visible is the data-race detector (KCSAN, detectors/data-race.ts; on for
 * scenarios with `kcsan: true`): a plain read of a field that another thread
 * writes, with no synchronisation ordering the two, is reported with both
 * accesses, whatever the order the schedule ran them in. Intended lockless
 * reads are marked with READ_ONCE() (its own scheduling point) or
 * data_race(). A blocking op's enabling condition is read with tracking on
 * when it is performed, so waits are ordinary dependences for the explorers
 * (see explore/dpor.ts).
 *
 * All state of one execution lives in one Execution object, so every run
 * starts clean and a schedule replays exactly. Nothing here reads the clock or
 * an unseeded random source.
 */

import * as choiceEncoding from "./choice";
import type { Choice } from "./choice";
import { currentOrNull, withExecution } from "./current";
import { Kcsan } from "./detectors/data-race";
import { reportDeadlock, preludeBlocked } from "./detectors/deadlock";
import { checkForgottenYield, checkYielded } from "./detectors/forgotten-yield";
import { cacheIsTypesafe, checkFreedAccess } from "./detectors/kasan";
import type { SharedState } from "./detectors/lockdep";
import { mightSleep } from "./detectors/might-sleep";
import { choiceNotRunnable, runnableSetDiverged } from "./detectors/nondeterminism";
import { reportEndCheckFailure, reportException } from "./detectors/oops";
import { preludeTooLong, tooManyAccesses, tooManySteps } from "./detectors/runaway";
import { threadExitChecks } from "./detectors/unbalanced";
import { fmtLoc } from "./format";
import * as kobjects from "./kobject";
import { type KObject, nameOf } from "./kobject";
import { defaultLocations, type LocationProvider } from "./locations";
import * as ops from "./op";
import type { Op } from "./op";
import { type BugReport, type DetectorKind, SimBug, SimUsageError, type SourceLocation } from "./report";
import * as threads from "./thread";
import { ThreadState } from "./thread";
import type { CacheState } from "./slab";
import { objectTable, type TraceObject, type TraceStep, traceStep } from "./trace";

/*
 * Hot helpers are bound once, when the module loads: the scheduler's loop and
 * the access hook run millions of times per exploration, and where the source
 * runs transpiled to CommonJS (tsx, the test runner) a call through an
 * imported binding is a getter call each time.
 */
const { choiceThread, faultChoice, isFaultChoice, runChoice } = choiceEncoding;
const { SLOTS, idOf, isFreed } = kobjects;
const { grantOp, implOf, implOrNull, opSleeps, setOpFail } = ops;
const { THREAD_CREATED, THREAD_EXITED, THREAD_RCU, threadLoc } = threads;

export interface Limits {
  /** Steps (scheduling points) in one execution before it is called runaway. */
  maxSteps: number;
  /** Field accesses inside one step before it is called runaway (a loop with no scheduling point). */
  maxAccessesPerStep: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSteps: 5_000,
  maxAccessesPerStep: 200_000,
};

const EMPTY_CHOICES: readonly Choice[] = Object.freeze([]);

/** Returned by a chooser that sees the runnable set differ from the recorded one (nondeterminism). */
export const DIVERGED = -3;

export interface ExecutionHooks {
  /** Pick the next choice from the enabled ones; return -1 to abandon the execution. */
  choose(ex: Execution, enabled: readonly Choice[]): Choice;
}

export interface ExecutionOptions {
  limits: Limits;
  tracing: boolean;
  /** Where the learner's code is (traced runs only); default: stackLocations(), frames outside the simulator. */
  locations?: LocationProvider;
  /** Shared across the executions of one exploration (lockdep's graph of lock classes). */
  shared: SharedState;
  /** Fault injection: which caches may fail, and how many failures per execution. */
  faults: { caches: ReadonlySet<string> | "all"; maxFailures: number } | null;
  /** Index of this execution in its exploration (for lockdep's notes). */
  executionIndex: number;
  /** Report data races (KCSAN, detectors/data-race.ts) among the scenario's threads. */
  kcsan?: boolean;
}

export type ExecutionOutcome = "ok" | "bug" | "abandoned";

export class Execution {
  readonly threads: ThreadState[] = [];
  readonly objects: KObject[] = [];
  /** Objects by id (cpu_relax() resolves the locations a spin loop read). */
  readonly byId = new Map<number, KObject>();
  private nextId = 1;
  /** Ops created but not yet driven: a forgotten `yield*`. */
  unstarted = 0;
  lastCreated: Op | null = null;
  running: ThreadState | null = null;
  /** An op driven directly, outside the scheduler (inside an RCU callback). */
  direct: Op | null = null;
  /** True while a thread step runs: only then are accesses recorded and checked. */
  tracking = false;
  stepIndex = 0;
  private accessesThisStep = 0;

  /** Footprints of all steps: encoded accesses (loc * 2 + isWrite), with per-step start offsets. */
  readonly fp: number[] = [];
  readonly stepFpStart: number[] = [];
  /** Choices taken, in order. */
  readonly choices: Choice[] = [];
  /** Enabled choices at each step (for the explorers). */
  readonly enabledAt: Choice[][] = [];
  /**
   * For a step after which the thread that ran it waits (its next op is
   * disabled): the locations its enabling condition reads. The explorers
   * treat the wait as a read of them right after the step (see dpor.ts).
   */
  readonly blockReads = new Map<number, number[]>();
  /** The enabled choices at the last scheduling decision (the state after the last step). */
  lastEnabled: readonly Choice[] = [];
  /** While the explorers ask what an enabling condition reads: the locations read, instead of the footprint. */
  private capture: number[] | null = null;
  /** > 0 while a primitive performs (or a wait's condition is read): its accesses are marked, not plain. */
  marked = 0;
  /** The data-race detector, on while the scenario's threads run (not the prelude, not the teardown). */
  kcsan: Kcsan | null = null;
  /** Steps taken by a serial (teardown) thread: not choice points. */
  readonly serialFrom: number[] = [];
  failures = 0;

  report: BugReport | null = null;
  outcome: ExecutionOutcome = "ok";
  /** The threads stopped because one is on a path excluded by assume(false): the end checks do not run. */
  pathExcluded = false;
  readonly trace: TraceStep[] = [];
  private traceWrites: string[] | null = null;
  /** A traced step wrote shared state (a field, a lock word, an allocation): reset per traced step. */
  private stepWrote = false;
  /** Trace indices of the traced steps that wrote shared state; a loop of steps outside it only polls. */
  readonly wroteSteps = new Set<number>();
  private traceNotes: string[] | null = null;

  /** Per-cache allocator state, created on first use. */
  /** Each cache's state in this execution, by the cache's identity (never by name). */
  readonly caches = new Map<object, CacheState>();
  /** Pending RCU callbacks. */
  readonly rcuCallbacks: Array<{ waitFor: Array<[ThreadState, number]>; run: () => void; label: string }> = [];
  /** Per-execution lock graph edges, for lockdep reports that need no other schedule. */
  readonly localEdges = new Set<string>();
  /** Refcount and lifecycle history of objects (traced runs only). */
  readonly history = new Map<number, string[]>();
  /** Arbitrary per-execution state for kernel modules (keyed by module). */
  readonly modules = new Map<string, unknown>();

  constructor(
    readonly opts: ExecutionOptions,
    private readonly hooks: ExecutionHooks,
  ) {
    this.tracing = opts.tracing;
  }

  /** Traced run: source locations, history, trace steps (replays of a failure). */
  readonly tracing: boolean;

  newObjectId(): number {
    return this.nextId++;
  }

  private frozenUpTo = 0;
  /**
   * Freeze objects created since the last call: code under test cannot shadow tracked fields, swap prototypes
   * or rewrite an own member the detectors read (a lock's class, an embedded lock). Tracked fields are
   * accessors on the prototype and the bookkeeping is private, so both stay usable.
   */
  freezeNew(): void {
    const objs = this.objects;
    for (; this.frozenUpTo < objs.length; this.frozenUpTo++) Object.freeze(objs[this.frozenUpTo]);
  }

  /* ---- threads ---- */

  addThread(name: string, body: () => Iterable<unknown> | Iterator<unknown>, serial = false): ThreadState {
    if (this.threads.length >= 15) throw new SimUsageError("a scenario may have at most 15 threads");
    const t = new ThreadState(name, this.threads.length, this.newObjectId(), body);
    t.serial = serial;
    this.threads.push(t);
    return t;
  }

  /* ---- footprints and detectors on plain accesses ---- */

  access(obj: KObject, slot: number, write: boolean, field: string): void {
    if (this.capture !== null) {
      this.capture.push((idOf(obj) * SLOTS + slot) * 2);
      return;
    }
    if (++this.accessesThisStep > this.opts.limits.maxAccessesPerStep) tooManyAccesses(this);
    if (isFreed(obj)) checkFreedAccess(this, obj, write, field);
    const loc = idOf(obj) * SLOTS + slot;
    this.fp.push(loc * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) {
      if (this.marked > 0) this.kcsan.marked(this, loc, write, obj, field);
      else this.kcsan.plain(this, loc, write, obj, field);
    }
    if (write && this.traceWrites !== null) {
      this.traceWrites.push(`${nameOf(obj)}.${field}`);
      this.stepWrote = true;
    }
  }

  /** Record an access to the object itself (slot 0): locks, atomics, list heads. */
  touch(obj: KObject, write: boolean): void {
    if (!this.tracking) return;
    if (this.capture !== null) {
      this.capture.push(idOf(obj) * SLOTS * 2);
      return;
    }
    const loc = idOf(obj) * SLOTS;
    this.fp.push(loc * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) this.kcsan.sync(this, loc, write);
    if (write && this.traceWrites !== null) this.stepWrote = true;
  }

  /** Record an access to a thread's own location (its RCU state). */
  touchThread(t: ThreadState, write: boolean): void {
    if (!this.tracking) return;
    if (this.capture !== null) {
      this.capture.push(threadLoc(t, THREAD_RCU) * 2);
      return;
    }
    this.fp.push(threadLoc(t, THREAD_RCU) * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) this.kcsan.sync(this, threadLoc(t, THREAD_RCU), write);
  }

  /** Record an access to one of a thread's own locations (THREAD_CREATED, THREAD_EXITED). */
  touchThreadSlot(t: ThreadState, slot: number, write: boolean): void {
    if (!this.tracking) return;
    const loc = threadLoc(t, slot);
    if (this.capture !== null) this.capture.push(loc * 2);
    else {
      this.fp.push(loc * 2 + (write ? 1 : 0));
      if (this.kcsan !== null) this.kcsan.sync(this, loc, write);
    }
  }

  /** Record a read of a raw location (loc = objectId * SLOTS + slot). */
  touchLoc(loc: number): void {
    if (!this.tracking) return;
    if (this.capture !== null) this.capture.push(loc * 2);
    else {
      this.fp.push(loc * 2);
      if (this.kcsan !== null) this.kcsan.sync(this, loc, false);
    }
  }

  /**
   * The locations the enabling condition of `t`'s pending op reads, as
   * footprint entries (reads). Nothing is checked or recorded meanwhile.
   */
  condReads(t: ThreadState): number[] {
    const op = t.pending;
    const impl = op === null ? undefined : implOf(op);
    if (op === null || impl === undefined || impl.enabled === undefined) return [];
    const prevTracking = this.tracking;
    const prevRunning = this.running;
    this.capture = [];
    this.tracking = true;
    try {
      impl.enabled(op, t, this);
      return this.capture;
    } finally {
      this.capture = null;
      this.tracking = prevTracking;
      this.running = prevRunning;
    }
  }

  /** KASAN: an access of a freed object (see detectors/kasan.ts). */
  checkFreedAccess(inner: KObject, write: boolean, what: string): void {
    checkFreedAccess(this, inner, write, what);
  }

  cacheIsTypesafe(name: string | null): boolean {
    return cacheIsTypesafe(this, name);
  }

  /* ---- reports ---- */

  /** Record a bug report and unwind the running thread. */
  fail(
    kind: DetectorKind,
    title: string,
    message: string,
    details?: Record<string, unknown>,
    location?: SourceLocation,
  ): never {
    const r: BugReport = {
      kind,
      title,
      message,
      thread: this.running?.name ?? "",
      step: this.running ? this.stepIndex : -1,
      ...(details ? { details } : {}),
    };
    const loc = location ?? (this.tracing && this.running ? this.locate() : undefined);
    if (loc) r.location = loc;
    if (this.report === null) this.report = r;
    throw new SimBug(this.report);
  }

  /** Record a history line for an object (traced runs only). */
  note(obj: KObject, line: string): void {
    if (!this.tracing) return;
    let h = this.history.get(obj.id);
    if (!h) this.history.set(obj.id, (h = []));
    const where = this.locate();
    h.push(`${this.running ? `step ${this.stepIndex} ${this.running.name}` : "setup"}: ${line}${fmtLoc(where)}`);
  }

  traceNote(line: string): void {
    if (this.traceNotes !== null) this.traceNotes.push(line);
  }

  /* ---- source locations (traced runs only) ---- */

  /** Where the learner's code is: the execution's provider, or the default one. */
  get locations(): LocationProvider {
    return this.opts.locations ?? defaultLocations();
  }

  locate(): SourceLocation | undefined {
    return this.locations.current();
  }

  /** The learner-facing function name for a report headline. */
  userFunction(): string {
    const op = implOrNull(this.running?.pending)?.name;
    if (!this.tracing) return op ?? "simulated code";
    return this.locations.currentFunction() ?? op ?? "simulated code";
  }

  /* ---- running ---- */

  /**
   * Run the execution: start every thread, then at each step ask the hooks to
   * choose among the enabled choices, until all threads end, a detector
   * fires, or the hooks abandon the run.
   */
  run(
    prelude: (() => Iterable<unknown>) | null,
    afterThreads: () => void,
    teardown: (() => Iterable<unknown>) | null,
    afterTeardown: () => void,
  ): void {
    // An execution started inside another's step would record that step's accesses elsewhere.
    if (currentOrNull() !== null) {
      throw new SimUsageError("a simulated execution cannot be started while another one runs (from inside a thread, a setup or a check)");
    }
    try {
      withExecution(this, () => {
        if (prelude !== null) this.runPrelude(prelude);
        if (this.opts.kcsan === true) this.kcsan = new Kcsan();
        if (this.report === null) this.loop(false);
        // The teardown runs after every thread has ended: nothing of it is concurrent.
        this.kcsan = null;
        if (this.outcome === "ok" && this.report === null && !this.pathExcluded) this.endChecks(afterThreads, teardown, afterTeardown);
      });
    } finally {
      this.tracking = false;
      this.running = null;
    }
    if (this.report !== null) this.outcome = "bug";
  }

  /**
   * The prelude: a thread that runs alone, to the end, before the others
   * start (building the initial state with primitives: faults, forks). Its
   * steps are no choice points and happen before every step of the threads,
   * so they are not part of the schedule; they are numbered -1 in traces.
   */
  private runPrelude(body: () => Iterable<unknown>): void {
    const t = new ThreadState("prelude", -1, this.newObjectId(), body);
    this.stepIndex = -1;
    this.freezeNew();
    let steps = 0;
    while (!t.finished && this.report === null) {
      const op = t.pending;
      if (op !== null && implOf(op).enabled !== undefined && !implOf(op).enabled!(op, t, this)) {
        preludeBlocked(this, t, op);
        break;
      }
      if (++steps > this.opts.limits.maxSteps) {
        preludeTooLong(this, t);
        break;
      }
      this.step(t, false, EMPTY_CHOICES, false);
    }
    // Nothing of the prelude is part of the schedule the explorers see.
    this.fp.length = 0;
    this.stepIndex = 0;
  }

  /** Run `fn` with this execution current, outside any thread (setup, checks). */
  within<T>(fn: () => T): T {
    return withExecution(this, fn);
  }

  /**
   * After the threads: RCU callbacks flushed (rcu_barrier), the scenario's
   * checks of the end state, the serial teardown thread, then the checks
   * that need everything torn down (kmemleak).
   */
  private endChecks(afterThreads: () => void, teardown: (() => Iterable<unknown>) | null, afterTeardown: () => void): void {
    try {
      this.runRcuCallbacks(true);
      afterThreads();
      if (this.report !== null) return;
      if (teardown !== null) {
        this.addThread("teardown", teardown, true);
        this.loop(true);
        if (this.report !== null || this.outcome !== "ok") return;
        this.runRcuCallbacks(true);
      }
      if (this.report === null) afterTeardown();
    } catch (e) {
      reportEndCheckFailure(this, e);
    }
  }

  private loop(serialPhase: boolean): void {
    const limits = this.opts.limits;
    let prevThread: ThreadState | null = this.choices.length
      ? (this.threads[choiceThread(this.choices[this.choices.length - 1]!)] ?? null)
      : null;
    this.freezeNew();
    for (;;) {
      // A fresh array each step: the explorers keep it (enabledAt) without copying.
      const enabled: Choice[] = [];
      let unfinished = 0;
      for (const t of this.threads) {
        if (t.finished) continue;
        if (t.serial !== serialPhase) continue;
        unfinished++;
        const op = t.pending;
        if (op === null) {
          enabled.push(runChoice(t.index));
          continue;
        }
        const impl = implOf(op);
        if (impl.enabled === undefined || impl.enabled(op, t, this)) {
          enabled.push(runChoice(t.index));
          if (impl.nondet === true) enabled.push(faultChoice(t.index));
          else if (
            this.opts.faults !== null &&
            this.failures < this.opts.faults.maxFailures &&
            impl.faultable?.(op, this) === true
          ) {
            enabled.push(faultChoice(t.index));
          }
        }
      }
      this.lastEnabled = enabled;
      if (
        !serialPhase &&
        prevThread !== null &&
        prevThread.index >= 0 &&
        !prevThread.finished &&
        this.stepIndex > 0 &&
        !enabled.includes(runChoice(prevThread.index))
      ) {
        // The thread that just ran now waits: what its wait reads is a race of its last step (dpor.ts).
        this.blockReads.set(this.stepIndex - 1, this.condReads(prevThread));
      }
      if (unfinished === 0) return;
      if (enabled.length === 0) {
        if (this.threads.some((x) => !x.finished && implOrNull(x.pending)?.excludesPath === true)) {
          // A thread is on a path the model excludes (assume(false): a loop that spins forever):
          // no deadlock, nothing more happens.
          this.pathExcluded = true;
          return;
        }
        reportDeadlock(this);
        return;
      }
      if (this.stepIndex >= limits.maxSteps) {
        tooManySteps(this, prevThread);
        return;
      }
      const choice = serialPhase ? enabled[0]! : this.hooks.choose(this, enabled);
      if (choice === DIVERGED) {
        runnableSetDiverged(this, enabled, prevThread);
        return;
      }
      if (choice < 0) {
        this.outcome = "abandoned";
        return;
      }
      const t = this.threads[choiceThread(choice)];
      if (t === undefined || !enabled.includes(choice)) {
        choiceNotRunnable(this, choice, enabled, t);
        return;
      }
      this.choices.push(choice);
      this.enabledAt.push(enabled);
      if (serialPhase) this.serialFrom.push(this.stepIndex);
      this.stepFpStart.push(this.fp.length);
      const preemption = prevThread !== null && prevThread !== t && !prevThread.finished &&
        enabled.includes(runChoice(prevThread.index));
      this.step(t, isFaultChoice(choice), enabled, preemption);
      prevThread = t;
      if (this.report !== null) return;
      this.stepIndex++;
    }
  }

  private step(t: ThreadState, fail: boolean, enabled: readonly Choice[], preemption: boolean): void {
    const op = t.pending;
    const phase = op?.phase ?? 0;
    if (op !== null) setOpFail(op, fail);
    if (fail && implOrNull(op)?.nondet !== true) this.failures++;
    const traced = this.tracing;
    if (traced) {
      this.traceWrites = [];
      this.traceNotes = [];
      this.stepWrote = false;
    }
    this.running = t;
    this.tracking = true;
    this.accessesThisStep = 0;
    t.steps++;
    let res: IteratorResult<unknown, unknown> | undefined;
    let thrown: unknown = undefined;
    let threw = false;
    try {
      if (!t.started) {
        t.started = true;
        // A thread created by another (kthread_run) starts after the step that created it.
        if (t.createdBy !== null) {
          this.fp.push(threadLoc(t, THREAD_CREATED) * 2);
          if (this.kcsan !== null) this.kcsan.sync(this, threadLoc(t, THREAD_CREATED), false);
        }
        const it = t.body();
        t.gen = (typeof (it as Iterator<unknown>).next === "function"
          ? it
          : (it as Iterable<unknown>)[Symbol.iterator]()) as Iterator<unknown, unknown, unknown>;
      }
      // A blocking op reads what its enabling condition reads (the lock word, the
      // waited-for state): the step that disabled it or enabled it depends on it.
      if (this.kcsan !== null) this.kcsan.beginStep(t);
      const impl = op === null ? undefined : implOf(op);
      if (op !== null && impl !== undefined && impl.enabled !== undefined) {
        this.marked++;
        try {
          impl.enabled(op, t, this);
        } finally {
          this.marked--;
        }
      }
      // The thread's pending op may now perform, once: the learner's code cannot drive it again by hand.
      if (op !== null) grantOp(op);
      res = t.gen!.next();
      if (t.index >= 0) t.spinSteps.push(this.stepIndex);
    } catch (e) {
      threw = true;
      thrown = e;
    }
    this.tracking = false;
    this.freezeNew();
    if (!threw && this.report === null) {
      try {
        this.afterTransition(t, res!);
      } catch (e) {
        threw = true;
        thrown = e;
      }
    }
    if (threw && this.report === null) reportException(this, t, thrown);
    if (this.report === null && this.rcuCallbacks.length > 0) {
      this.tracking = true;
      try {
        this.runRcuCallbacks(false);
      } catch (e) {
        if (this.report === null) reportException(this, t, e);
      }
      this.tracking = false;
    }
    this.running = null;
    if (traced) {
      if (this.stepWrote) this.wroteSteps.add(this.trace.length);
      this.trace.push(traceStep(this, t, op, phase, fail, enabled, preemption, this.traceWrites, this.traceNotes));
      this.traceWrites = null;
      this.traceNotes = null;
    }
  }

  private afterTransition(t: ThreadState, res: IteratorResult<unknown, unknown>): void {
    if (res.done) {
      // kthread_join() waits for this: the exit is a write of the thread's exit location.
      if (t.index >= 0) {
        this.fp.push(threadLoc(t, THREAD_EXITED) * 2 + 1);
        if (this.kcsan !== null) this.kcsan.sync(this, threadLoc(t, THREAD_EXITED), true);
      }
      t.finished = true;
      t.pending = null;
      t.result = res.value;
      checkForgottenYield(this, t);
      threadExitChecks(this, t);
      return;
    }
    const v = checkYielded(this, t, res.value);
    checkForgottenYield(this, t);
    t.pending = v;
    if (opSleeps(v)) mightSleep(this, t, implOf(v).name);
    implOf(v).reached?.(v, t, this);
  }

  /** might_sleep(): sleeping while holding a spinlock or inside an RCU read-side critical section. */
  mightSleep(t: ThreadState, what: string): void {
    mightSleep(this, t, what);
  }

  /* ---- RCU callbacks ---- */

  /** Run the callbacks whose grace period has ended; with `all`, wait for every reader (rcu_barrier). */
  runRcuCallbacks(all: boolean): void {
    if (this.rcuCallbacks.length === 0) return;
    for (let i = 0; i < this.rcuCallbacks.length; ) {
      const cb = this.rcuCallbacks[i]!;
      const ready = all || cb.waitFor.every(([t, section]) => t.rcuDepth === 0 || t.rcuSection !== section);
      if (ready) {
        this.rcuCallbacks.splice(i, 1);
        this.traceNote(`RCU grace period ended: ${cb.label}`);
        cb.run();
      } else i++;
    }
  }

  /* ---- trace ---- */

  objectTable(): TraceObject[] {
    const prev = this.tracking;
    this.tracking = false;
    try {
      return objectTable(this);
    } finally {
      this.tracking = prev;
    }
  }
}
