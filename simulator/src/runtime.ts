/*
 * The runtime of one simulated execution.
 *
 * Design
 * ------
 * Simulated kernel threads are generator functions. Every primitive (a lock,
 * an atomic, an allocation, an RCU call, a list operation) is an Op: an
 * iterator that first yields itself to the scheduler (a scheduling point) and,
 * when the scheduler resumes the thread, performs the operation atomically.
 * Learner code therefore reads as kernel code with `yield*` in front of each
 * primitive:
 *
 *     yield* spin_lock(mm.page_table_lock);
 *     if (!vma.anon_vma) vma.anon_vma = anon_vma;
 *     yield* spin_unlock(mm.page_table_lock);
 *
 * A transition (one step) is: perform the pending op of the chosen thread,
 * then run that thread's plain code up to its next op. Plain reads and writes
 * of kernel-object fields go through tracked accessors, so each step has an
 * exact footprint (which locations it read and wrote). The explorers use the
 * footprints for partial-order reduction; the detectors use the accessors for
 * use-after-free checks.
 *
 * The code between two primitives is one step, so the explorer never
 * interleaves inside it: a check and the update it guards, a read just after
 * an unlock, an unlocked store, all run as if atomic. What makes those races
 * visible is the data-race detector (KCSAN, at the end of this file; on for
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

import { type LocationProvider, stackLocations } from "./locations";
import { type BugReport, type DetectorKind, SimBug, SimUsageError, type SourceLocation } from "./report";

/* ------------------------------------------------------------------------ */
/* The current execution                                                     */
/* ------------------------------------------------------------------------ */

let current: Execution | null = null;

/** The execution in progress. Primitives and kernel objects resolve against it. */
export function cur(): Execution {
  if (current === null) {
    throw new SimUsageError(
      "No simulated execution is running: simulator primitives can only be used inside a scenario run by an explorer.",
    );
  }
  return current;
}

/* ------------------------------------------------------------------------ */
/* Kernel objects with tracked fields                                         */
/* ------------------------------------------------------------------------ */

/** Locations: objectId * SLOTS + slot. Slot 0 is the object itself (locks, atomics). */
export const SLOTS = 64;
/** Slots of a thread's own object id: 1 its RCU state, 2 its creation, 3 its exit. */
export const THREAD_CREATED = 2;
export const THREAD_EXITED = 3;

let rawFields: (o: KObject) => unknown[];

/**
 * The stored field values of an object, by slot. For the simulator's own
 * code (constructors, describe(), scheduler checks); not exported to
 * learners, whose reads and writes must go through the tracked accessors.
 */
export function F(o: KObject): unknown[] {
  return rawFields(o);
}

export interface ObjMeta {
  /** Bumped each time a SLAB_TYPESAFE_BY_RCU object is reused. */
  gen: number;
  /** Set by kmem_cache_free; accesses after this are use-after-free unless the cache is type-safe. */
  freed: boolean;
  /** Cache the object was allocated from, if any. */
  cacheName: string | null;
  allocStep: number;
  allocThread: string;
  allocLoc: SourceLocation | undefined;
  freeStep: number;
  freeThread: string;
  freeLoc: SourceLocation | undefined;
  /** The structure this object is embedded in (a lock inside an anon_vma), if any. */
  embeddedIn: KObject | null;
  /** Objects embedded in this one: freed with it. */
  embedded: KObject[] | null;
  /** The member name of an embedded object ("rwsem"). */
  embedField: string;
}

let rawMeta: (o: KObject) => ObjMeta;
let setDead: (o: KObject, dead: boolean) => void;

function newMeta(): ObjMeta {
  return {
    gen: 0,
    freed: false,
    cacheName: null,
    allocStep: -1,
    allocThread: "",
    allocLoc: undefined,
    freeStep: -1,
    freeThread: "",
    freeLoc: undefined,
    embeddedIn: null,
    embedded: null,
    embedField: "",
  };
}

/** Mark an object, and everything embedded in it, freed or alive again (type-safe reuse). */
export function markFreed(o: KObject, freed: boolean): void {
  rawMeta(o).freed = freed;
  setDead(o, freed);
}

/** The detectors' bookkeeping of an object: private, so code under test cannot rewrite it. */
export function M(o: KObject): ObjMeta {
  return rawMeta(o);
}

export abstract class KObject {
  /** Deterministic id, unique within one execution. */
  declare readonly id: number;
  /** Stored values of the tracked fields, indexed by slot: private, so code under test cannot bypass the accessors. */
  readonly #f: unknown[] = [];
  /** Freed (with its container): checked on every access, so kept apart from the rest of the bookkeeping. */
  #dead = false;
  /** The rest of the bookkeeping, created on first use (most objects never need it). */
  #m: ObjMeta | null = null;
  static {
    rawFields = (o: KObject) => o.#f;
    rawMeta = (o: KObject) => (o.#m ??= newMeta());
    setDead = (o: KObject, dead: boolean) => {
      o.#dead = dead;
      const e = o.#m?.embedded;
      if (e) for (const c of e) setDead(c, dead);
    };
  }
  /** Human-readable name for traces ("mm1", "vma@0x10000"). */
  declare label: string;

  get gen(): number {
    return this.#m === null ? 0 : this.#m.gen;
  }
  get freed(): boolean {
    return this.#dead;
  }
  get cacheName(): string | null {
    return this.#m === null ? null : this.#m.cacheName;
  }
  get allocStep(): number {
    return this.#m === null ? -1 : this.#m.allocStep;
  }
  get allocThread(): string {
    return this.#m === null ? "" : this.#m.allocThread;
  }
  get allocLoc(): SourceLocation | undefined {
    return this.#m === null ? undefined : this.#m.allocLoc;
  }
  get freeStep(): number {
    return this.#m === null ? -1 : this.#m.freeStep;
  }
  get freeThread(): string {
    return this.#m === null ? "" : this.#m.freeThread;
  }
  get freeLoc(): SourceLocation | undefined {
    return this.#m === null ? undefined : this.#m.freeLoc;
  }
  get embeddedIn(): KObject | null {
    return this.#m === null ? null : this.#m.embeddedIn;
  }
  get embedded(): readonly KObject[] | null {
    return this.#m === null ? null : this.#m.embedded;
  }

  abstract get type(): string;

  constructor(label?: string) {
    const ex = cur();
    this.id = ex.newObjectId();
    this.label = label ?? "";
    ex.objects.push(this);
    ex.byId.set(this.id, this);
  }

  /** A small JSON view of the object for traces. Override to add state. */
  describe(): Record<string, unknown> {
    return {};
  }

  get name(): string {
    if (this.label) return this.label;
    const m = this.#m;
    if (m !== null && m.embeddedIn !== null) return `${m.embeddedIn.name}->${m.embedField}`;
    return `${this.type}#${this.id}`;
  }

  /** The allocated object this one lives in: itself, or the structure it is embedded in. */
  container(): KObject {
    let o: KObject = this;
    while (o.embeddedIn !== null) o = o.embeddedIn;
    return o;
  }

  /** Embed `child` in this object (a lock, an atomic, a list head that is a member of this struct). */
  embed<T extends KObject>(child: T, field: string): T {
    rawMeta(child).embeddedIn = this;
    rawMeta(child).embedField = field;
    (rawMeta(this).embedded ??= []).push(child);
    return child;
  }
}

const RESERVED = new Set(["id", "label", "type", "name", "gen", "freed", "constructor", "__proto__"]);

/**
 * Define tracked fields on a kernel-object class. Reads and writes go through
 * accessors that record the access in the current step's footprint and check
 * for use-after-free. Field storage is private to the object.
 */
export function trackFields(cls: { prototype: object; fieldSlots?: Map<string, number> }, fields: readonly string[]): void {
  const parent = Object.getPrototypeOf(cls.prototype)?.constructor as { fieldSlots?: Map<string, number> } | undefined;
  const slots = new Map<string, number>(parent?.fieldSlots ?? []);
  let next = slots.size + 1;
  for (const field of fields) {
    if (slots.has(field)) throw new SimUsageError(`field ${field} tracked twice`);
    if (RESERVED.has(field) || field in KObject.prototype) {
      throw new SimUsageError(`"${field}" is a member of every kernel object in the simulator; give the field another name`);
    }
    const slot = next++;
    if (slot >= SLOTS) throw new SimUsageError(`too many tracked fields on ${String(cls)}`);
    slots.set(field, slot);
    Object.defineProperty(cls.prototype, field, {
      configurable: false,
      enumerable: true,
      get(this: KObject) {
        const ex = current;
        if (ex !== null && ex.tracking) ex.access(this, slot, false, field);
        return rawFields(this)[slot];
      },
      set(this: KObject, v: unknown) {
        const ex = current;
        if (ex !== null && ex.tracking) ex.access(this, slot, true, field);
        rawFields(this)[slot] = v;
      },
    });
  }
  cls.fieldSlots = slots;
}

/* ------------------------------------------------------------------------ */
/* Operations (scheduling points)                                             */
/* ------------------------------------------------------------------------ */

/** Returned by perform() to yield once more (multi-phase operations such as synchronize_rcu). */
export const AGAIN: unique symbol = Symbol("again");

export interface OpImpl {
  /** Kernel name, shown in traces and reports. */
  readonly name: string;
  /** May this op sleep? Checked against spinlocks and RCU read sections (might_sleep). */
  readonly sleeps?: boolean | ((op: Op) => boolean);
  /** Checks when the op is reached, before it is scheduled (lockdep recursion, might_sleep). */
  reached?(op: Op, t: ThreadState, ex: Execution): void;
  /** Can the op run now? Omitted: always. */
  enabled?(op: Op, t: ThreadState, ex: Execution): boolean;
  /** Perform the op; runs atomically when the scheduler resumes the thread. */
  perform(op: Op, t: ThreadState, ex: Execution): unknown;
  /** Can this op fail by fault injection (an allocation)? */
  faultable?(op: Op, ex: Execution): boolean;
  /** A nondeterministic choice (nondet_bool): both outcomes are explored, like a fault, but always and uncounted. */
  readonly nondet?: boolean;
  /** A thread blocked here is on an excluded path (assume(false)): when nothing else can run, the execution just ends. */
  readonly excludesPath?: boolean;
  /** Describe the op's argument for the trace. */
  args?(op: Op): unknown;
  /** Trace names of the phases of a multi-phase op ("list_add (link)"). */
  phaseNames?: readonly string[];
}

/*
 * Iterator results are read by the yield* machinery at once, before the next
 * call: one shared object of each kind saves an allocation per step.
 */
const YIELDED: { done: false; value: Op } = Object.seal(
  Object.defineProperty({ value: null as unknown as Op }, "done", { value: false, enumerable: true }) as { done: false; value: Op },
);
const RETURNED: { done: true; value: unknown } = Object.seal(
  Object.defineProperty({ value: undefined as unknown }, "done", { value: true, enumerable: true }) as { done: true; value: unknown },
);

const enum OpState {
  Created = 0,
  Pending = 1,
  Done = 2,
}

/**
 * One primitive call. An iterator that yields itself once per phase, then
 * returns the op's result; `yield*` in learner code drives it.
 */
export class Op<T = unknown> implements Iterator<Op, T, unknown>, Iterable<Op, T, unknown> {
  state: OpState = OpState.Created;
  phase = 0;
  /** Set by the scheduler for a fault-injected allocation. */
  fail = false;
  /** Where the learner called the primitive (traced runs only). */
  loc: SourceLocation | undefined;
  /** Scratch state for multi-phase ops. */
  aux: unknown;
  /** The result, once performed. */
  result: T | undefined = undefined;
  /** Only the constructor sets it: an object made with Object.create(Op.prototype) is not an operation. */
  readonly #genuine = true;

  /** Is `v` an operation built by the constructor (not a look-alike whose impl would receive the execution)? */
  static isOp(v: unknown): v is Op {
    return typeof v === "object" && v !== null && #genuine in v;
  }

  constructor(
    readonly impl: OpImpl,
    readonly obj: KObject | null,
    readonly arg: unknown = undefined,
    readonly arg2: unknown = undefined,
  ) {
    if (!Object.isFrozen(impl)) Object.freeze(impl);
    const ex = cur();
    ex.unstarted++;
    ex.lastCreated = this;
    if (ex.tracing) this.loc = ex.locate();
  }

  next(): IteratorResult<Op, T> {
    const ex = cur();
    if (this.state === OpState.Created) {
      ex.unstarted--;
      this.state = OpState.Pending;
      YIELDED.value = this;
      return YIELDED;
    }
    if (this.state !== OpState.Pending) {
      throw new SimUsageError(`${this.impl.name}() was driven twice: each primitive call runs once.`);
    }
    const t = ex.running;
    if (t === null || (t.pending !== this && ex.direct !== this)) {
      throw new SimUsageError(`${this.impl.name}() was resumed outside the scheduler.`);
    }
    // What a primitive reads and writes is a marked access (see KCSAN below).
    ex.marked++;
    let r: unknown;
    try {
      r = this.impl.perform(this, t, ex);
    } finally {
      ex.marked--;
    }
    if (r === AGAIN) {
      this.phase++;
      YIELDED.value = this;
      return YIELDED;
    }
    this.state = OpState.Done;
    this.result = r as T;
    RETURNED.value = r;
    return RETURNED as IteratorReturnResult<T>;
  }

  [Symbol.iterator](): Op<T> {
    return this;
  }

  get started(): boolean {
    return this.state !== OpState.Created;
  }
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                    */
/* ------------------------------------------------------------------------ */

export interface HeldLock {
  lock: KObject & { lockClass: string };
  mode: "excl" | "read";
  /** lockdep subclass (spin_lock_nested): nesting two locks of one class with distinct subclasses is allowed. */
  subclass: number;
  step: number;
  loc: SourceLocation | undefined;
}

/** What a lock records as its owner: a frozen name tag, never the scheduler's own thread state. */
export interface ThreadHandle {
  readonly name: string;
  readonly index: number;
}

export class ThreadState {
  /** Index in the execution's thread list; also its letter in schedule tokens. */
  readonly index: number;
  /** Object id reserved for the thread's own locations (RCU state). */
  readonly locBase: number;
  gen: Iterator<unknown, unknown, unknown> | null = null;
  started = false;
  finished = false;
  result: unknown = undefined;
  /** The op the thread will perform when next scheduled; null before start and after finish. */
  pending: Op | null = null;
  held: HeldLock[] = [];
  rcuDepth = 0;
  /** Incremented at each outermost rcu_read_lock: identifies a read-side critical section. */
  rcuSection = 0;
  /** Open mmu-notifier ranges, in start order. */
  notifierRanges: Array<{ mm: KObject; start: number; end: number; step: number }> = [];
  steps = 0;
  /** Steps of this thread since its last cpu_relax() (what a spin loop read: see CPU_RELAX). */
  spinSteps: number[] = [];
  /** The thread that created this one with kthread_run(), if any. */
  createdBy: ThreadState | null = null;
  /** A serial thread (teardown) runs alone after all others: it is never a choice. */
  serial = false;
  readonly handle: ThreadHandle;

  constructor(
    readonly name: string,
    index: number,
    locBase: number,
    readonly body: () => Iterable<unknown> | Iterator<unknown>,
  ) {
    this.index = index;
    this.locBase = locBase;
    this.handle = Object.freeze({ name, index });
  }

  holds(lock: KObject): HeldLock | undefined {
    for (const h of this.held) if (h.lock === lock) return h;
    return undefined;
  }

  inAtomic(): boolean {
    for (const h of this.held) if ((h.lock as unknown as { spins?: boolean }).spins) return true;
    return false;
  }
}

/* ------------------------------------------------------------------------ */
/* Limits                                                                     */
/* ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------ */
/* Traces                                                                     */
/* ------------------------------------------------------------------------ */

export interface TraceObjectRef {
  id: number;
  type: string;
  gen: number;
  name: string;
}

export interface TraceStep {
  i: number;
  thread: string;
  /** Operation performed at the start of the step ("start" for a thread's first step). */
  op: string;
  obj: TraceObjectRef | null;
  args?: unknown;
  result?: unknown;
  /** Where the learner called the primitive performed here. */
  loc?: SourceLocation;
  /** Locks held by the thread after the step, by name. */
  held: string[];
  rcuDepth: number;
  /** Threads that could have been chosen at this step. */
  runnable: string[];
  /** The choice, as in the schedule token: thread letter, with "!" for an injected allocation failure. */
  choice: string;
  preemption: boolean;
  /** The state of the object after the step. */
  state?: Record<string, unknown>;
  /** Plain field writes done in the step ("vma#3.anon_vma"). */
  writes?: string[];
  /** Events that the step caused: RCU callbacks run, lockdep notes. */
  notes?: string[];
}

export interface TraceObject {
  id: number;
  type: string;
  name: string;
  gen: number;
  cache: string | null;
  allocStep: number;
  freeStep: number;
  freed: boolean;
  state: Record<string, unknown>;
}

/* ------------------------------------------------------------------------ */
/* The execution                                                              */
/* ------------------------------------------------------------------------ */

/** A choice at a step: thread index * 2, plus 1 for an injected allocation failure. */
export type Choice = number;

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
  /** Report data races (KCSAN, below) among the scenario's threads. */
  kcsan?: boolean;
}

export interface LockEdge {
  from: string;
  to: string;
  thread: string;
  step: number;
  execution: number;
  loc: SourceLocation | undefined;
  heldLoc: SourceLocation | undefined;
}

/** State that outlives one execution: the lock-class graph of lockdep. */
export class SharedState {
  readonly lockGraph = new Map<string, Map<string, LockEdge>>();
  /** Executions whose schedules added lock-order edges, by index: their tokens. */
  readonly edgeTokens = new Map<number, string>();
}

export type ExecutionOutcome = "ok" | "bug" | "abandoned";

/** The provider of executions that were given none (it holds no execution state). */
let defaultLocations: LocationProvider | undefined;

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
  private traceNotes: string[] | null = null;

  /** Per-cache allocator state, created on first use. */
  readonly caches = new Map<string, unknown>();
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

  private sealedUpTo = 0;
  /** Seal objects created since the last call: code under test cannot shadow tracked fields or swap prototypes. */
  sealNew(): void {
    const objs = this.objects;
    for (; this.sealedUpTo < objs.length; this.sealedUpTo++) Object.seal(objs[this.sealedUpTo]);
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
      this.capture.push((obj.id * SLOTS + slot) * 2);
      return;
    }
    if (++this.accessesThisStep > this.opts.limits.maxAccessesPerStep) {
      this.fail(
        "step-budget",
        "runaway code: a loop without a scheduling point",
        `${this.opts.limits.maxAccessesPerStep} field accesses in one step without reaching a primitive.\n` +
          "A loop that waits for another thread must call a primitive (cpu_relax(), a lock, wait_event()) " +
          "so the other thread can run; otherwise it spins forever.",
      );
    }
    if (obj.freed) this.checkFreedAccess(obj, write, field);
    const loc = obj.id * SLOTS + slot;
    this.fp.push(loc * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) {
      if (this.marked > 0) this.kcsan.marked(this, loc, write, obj, field);
      else this.kcsan.plain(this, loc, write, obj, field);
    }
    if (write && this.traceWrites !== null) this.traceWrites.push(`${obj.name}.${field}`);
  }

  /** Record an access to the object itself (slot 0): locks, atomics, list heads. */
  touch(obj: KObject, write: boolean): void {
    if (!this.tracking) return;
    if (this.capture !== null) {
      this.capture.push(obj.id * SLOTS * 2);
      return;
    }
    this.fp.push(obj.id * SLOTS * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) this.kcsan.sync(this, obj.id * SLOTS, write);
  }

  /** Record an access to a thread's own location (its RCU state). */
  touchThread(t: ThreadState, write: boolean): void {
    if (!this.tracking) return;
    if (this.capture !== null) {
      this.capture.push((t.locBase * SLOTS + 1) * 2);
      return;
    }
    this.fp.push((t.locBase * SLOTS + 1) * 2 + (write ? 1 : 0));
    if (this.kcsan !== null) this.kcsan.sync(this, t.locBase * SLOTS + 1, write);
  }

  /** Record an access to one of a thread's own locations (THREAD_CREATED, THREAD_EXITED). */
  touchThreadSlot(t: ThreadState, slot: number, write: boolean): void {
    if (!this.tracking) return;
    const loc = t.locBase * SLOTS + slot;
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
    if (op === null || op.impl.enabled === undefined) return [];
    const prevTracking = this.tracking;
    const prevRunning = this.running;
    this.capture = [];
    this.tracking = true;
    try {
      op.impl.enabled(op, t, this);
      return this.capture;
    } finally {
      this.capture = null;
      this.tracking = prevTracking;
      this.running = prevRunning;
    }
  }

  checkFreedAccess(inner: KObject, write: boolean, what: string): void {
    const t = this.running;
    if (t === null) return;
    const obj = inner.container();
    if (inner !== obj) what = `${inner.name.startsWith(obj.name) ? inner.name.slice(obj.name.length + 2) : inner.name}.${what}`;
    const typesafe = this.cacheIsTypesafe(obj.cacheName);
    if (typesafe && t.rcuDepth > 0) return; // SLAB_TYPESAFE_BY_RCU: the memory stays an object of this type
    const fn = this.userFunction();
    const loc = this.tracing ? this.locate() : undefined;
    this.fail(
      "use-after-free",
      `BUG: KASAN: slab-use-after-free in ${fn}`,
      `${write ? "Write" : "Read"} of ${what} of ${obj.type} ${obj.name} by task ${t.name}` +
        (typesafe ? " outside an RCU read-side critical section (the cache is SLAB_TYPESAFE_BY_RCU)" : "") +
        `\n\nAllocated by task ${obj.allocThread || "setup"} at step ${obj.allocStep}${fmtLoc(obj.allocLoc)}` +
        `\nFreed by task ${obj.freeThread || "setup"} at step ${obj.freeStep}${fmtLoc(obj.freeLoc)}` +
        `\n\nThe buggy address belongs to the object ${obj.name} from cache ${obj.cacheName ?? "?"}`,
      {
        object: obj.id,
        allocStep: obj.allocStep,
        freeStep: obj.freeStep,
        accessStep: this.stepIndex,
        field: what,
        write,
      },
      loc,
    );
  }

  cacheIsTypesafe(name: string | null): boolean {
    if (name === null) return false;
    const c = this.caches.get(name) as { typesafe?: boolean } | undefined;
    return c?.typesafe === true;
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

  private get locations(): LocationProvider {
    return this.opts.locations ?? (defaultLocations ??= stackLocations());
  }

  locate(): SourceLocation | undefined {
    return this.locations.current();
  }

  /** The learner-facing function name for a report headline. */
  userFunction(): string {
    const op = this.running?.pending?.impl.name;
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
    const prev = current;
    current = this;
    try {
      if (prelude !== null) this.runPrelude(prelude);
      if (this.opts.kcsan === true) this.kcsan = new Kcsan();
      if (this.report === null) this.loop(false);
      // The teardown runs after every thread has ended: nothing of it is concurrent.
      this.kcsan = null;
      if (this.outcome === "ok" && this.report === null && !this.pathExcluded) this.endChecks(afterThreads, teardown, afterTeardown);
    } finally {
      current = prev;
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
    this.sealNew();
    let steps = 0;
    while (!t.finished && this.report === null) {
      const op = t.pending;
      if (op !== null && op.impl.enabled !== undefined && !op.impl.enabled(op, t, this)) {
        this.report = {
          kind: "deadlock",
          title: "deadlock: the scenario's prelude is blocked",
          message: `The prelude waits in ${op.impl.name}(${op.obj?.name ?? ""}), but no other thread runs until it ends.`,
          thread: t.name,
          step: -1,
        };
        break;
      }
      if (++steps > this.opts.limits.maxSteps) {
        this.report = {
          kind: "step-budget",
          title: "runaway code: step budget exceeded in the prelude",
          message: `The prelude took more than ${this.opts.limits.maxSteps} steps.`,
          thread: t.name,
          step: -1,
        };
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
    const prev = current;
    current = this;
    try {
      return fn();
    } finally {
      current = prev;
    }
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
      if (!(e instanceof SimBug)) {
        if (e instanceof SimUsageError) throw e;
        const msg = String((e as Error)?.message ?? e);
        this.report ??= {
          kind: "assertion",
          title: `check failed: ${msg.split("\n")[0]}`,
          message: msg,
          thread: "",
          step: -1,
        };
      }
    }
  }

  private loop(serialPhase: boolean): void {
    const limits = this.opts.limits;
    let prevThread: ThreadState | null = this.choices.length
      ? (this.threads[this.choices[this.choices.length - 1]! >> 1] ?? null)
      : null;
    this.sealNew();
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
          enabled.push(t.index * 2);
          continue;
        }
        if (op.impl.enabled === undefined || op.impl.enabled(op, t, this)) {
          enabled.push(t.index * 2);
          if (op.impl.nondet === true) enabled.push(t.index * 2 + 1);
          else if (
            this.opts.faults !== null &&
            this.failures < this.opts.faults.maxFailures &&
            op.impl.faultable?.(op, this) === true
          ) {
            enabled.push(t.index * 2 + 1);
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
        !enabled.includes(prevThread.index * 2)
      ) {
        // The thread that just ran now waits: what its wait reads is a race of its last step (dpor.ts).
        this.blockReads.set(this.stepIndex - 1, this.condReads(prevThread));
      }
      if (unfinished === 0) return;
      if (enabled.length === 0) {
        if (this.threads.some((x) => !x.finished && x.pending?.impl.excludesPath === true)) {
          // A thread is on a path the model excludes (assume(false): a loop that spins forever):
          // no deadlock, nothing more happens.
          this.pathExcluded = true;
          return;
        }
        this.reportDeadlock();
        return;
      }
      if (this.stepIndex >= limits.maxSteps) {
        this.report = {
          kind: "step-budget",
          title: "runaway code: step budget exceeded",
          message:
            `The execution took more than ${limits.maxSteps} steps. The likely cause is a loop that never ends ` +
            "(a retry that always fails, or a wait for a condition no other thread will make true). " +
            "If the scenario is simply long, raise limits.maxSteps.",
          thread: prevThread?.name ?? "",
          step: this.stepIndex,
        };
        return;
      }
      const choice = serialPhase ? enabled[0]! : this.hooks.choose(this, enabled);
      if (choice === DIVERGED) {
        this.report = {
          kind: "nondeterminism",
          title: "nondeterminism: the same schedule ran differently",
          message:
            `At step ${this.stepIndex} the runnable threads are ${[...new Set(enabled.map((c) => this.threads[c >> 1]!.name))].join(", ")}, ` +
            "not the ones this schedule had when it was first run. The code behaves differently on the same schedule: it " +
            "depends on something outside the simulation (module-level variables kept between runs, Math.random, Date.now).",
          thread: prevThread?.name ?? "",
          step: this.stepIndex,
        };
        return;
      }
      if (choice < 0) {
        this.outcome = "abandoned";
        return;
      }
      const t = this.threads[choice >> 1];
      if (t === undefined || !enabled.includes(choice)) {
        this.report = {
          kind: "nondeterminism",
          title: "nondeterminism: the replayed schedule diverged",
          message:
            `At step ${this.stepIndex} the schedule asks for choice ${choiceLetter(choice)}, but the runnable ` +
            `choices are ${enabled.map(choiceLetter).join(", ")}. The code behaves differently on the same ` +
            "schedule: it depends on something outside the simulation (module-level variables kept between runs, " +
            "Math.random, Date.now).",
          thread: t?.name ?? "",
          step: this.stepIndex,
        };
        return;
      }
      this.choices.push(choice);
      this.enabledAt.push(enabled);
      if (serialPhase) this.serialFrom.push(this.stepIndex);
      this.stepFpStart.push(this.fp.length);
      const preemption = prevThread !== null && prevThread !== t && !prevThread.finished &&
        enabled.includes(prevThread.index * 2);
      this.step(t, (choice & 1) === 1, enabled, preemption);
      prevThread = t;
      if (this.report !== null) return;
      this.stepIndex++;
    }
  }

  private step(t: ThreadState, fail: boolean, enabled: readonly Choice[], preemption: boolean): void {
    const op = t.pending;
    const phase = op?.phase ?? 0;
    if (op !== null) op.fail = fail;
    if (fail && op?.impl.nondet !== true) this.failures++;
    const traced = this.tracing;
    if (traced) {
      this.traceWrites = [];
      this.traceNotes = [];
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
          this.fp.push((t.locBase * SLOTS + THREAD_CREATED) * 2);
          if (this.kcsan !== null) this.kcsan.sync(this, t.locBase * SLOTS + THREAD_CREATED, false);
        }
        const it = t.body();
        t.gen = (typeof (it as Iterator<unknown>).next === "function"
          ? it
          : (it as Iterable<unknown>)[Symbol.iterator]()) as Iterator<unknown, unknown, unknown>;
      }
      // A blocking op reads what its enabling condition reads (the lock word, the
      // waited-for state): the step that disabled it or enabled it depends on it.
      if (this.kcsan !== null) this.kcsan.beginStep(t);
      if (op !== null && op.impl.enabled !== undefined) {
        this.marked++;
        try {
          op.impl.enabled(op, t, this);
        } finally {
          this.marked--;
        }
      }
      res = t.gen!.next();
      if (t.index >= 0) t.spinSteps.push(this.stepIndex);
    } catch (e) {
      threw = true;
      thrown = e;
    }
    this.tracking = false;
    this.sealNew();
    if (!threw && this.report === null) {
      try {
        this.afterTransition(t, res!);
      } catch (e) {
        threw = true;
        thrown = e;
      }
    }
    if (threw && this.report === null) this.reportException(t, thrown);
    if (this.report === null && this.rcuCallbacks.length > 0) {
      this.tracking = true;
      try {
        this.runRcuCallbacks(false);
      } catch (e) {
        if (this.report === null) this.reportException(t, e);
      }
      this.tracking = false;
    }
    this.running = null;
    if (traced) this.recordTraceStep(t, op, phase, fail, enabled, preemption);
  }

  private afterTransition(t: ThreadState, res: IteratorResult<unknown, unknown>): void {
    if (res.done) {
      // kthread_join() waits for this: the exit is a write of the thread's exit location.
      if (t.index >= 0) {
        this.fp.push((t.locBase * SLOTS + THREAD_EXITED) * 2 + 1);
        if (this.kcsan !== null) this.kcsan.sync(this, t.locBase * SLOTS + THREAD_EXITED, true);
      }
      t.finished = true;
      t.pending = null;
      t.result = res.value;
      this.checkForgottenYield(t);
      this.threadExitChecks(t);
      return;
    }
    const v = res.value;
    if (!Op.isOp(v)) {
      this.fail(
        "forgotten-yield",
        "simulated thread yielded something that is not a primitive",
        `Thread ${t.name} yielded ${describeValue(v)}. Simulated threads only yield* simulator primitives ` +
          "(yield* spin_lock(l), yield* kmem_cache_alloc(cachep)) or functions built from them.",
      );
    }
    if (!v.started) {
      this.fail(
        "forgotten-yield",
        `${v.impl.name}() yielded with yield instead of yield*`,
        `Thread ${t.name} wrote \`yield ${v.impl.name}(...)\`. A primitive must be driven with \`yield*\` ` +
          `(\`yield* ${v.impl.name}(...)\`), which runs it and returns its result.`,
      );
    }
    this.checkForgottenYield(t);
    t.pending = v;
    const s = v.impl.sleeps;
    if (s === true || (typeof s === "function" && s(v))) this.mightSleep(t, v.impl.name);
    v.impl.reached?.(v, t, this);
  }

  private checkForgottenYield(t: ThreadState): void {
    if (this.unstarted === 0) return;
    const op = this.lastCreated;
    this.unstarted = 0;
    const name = op?.impl.name ?? "a primitive";
    this.fail(
      "forgotten-yield",
      `${name}() was called without yield*`,
      `Thread ${t.name} called ${name}(${op?.obj ? op.obj.name : ""}) but never ran it: in a simulated thread a ` +
        `primitive is a scheduling point and must be written \`yield* ${name}(...)\`. Without yield* the call ` +
        "only creates the operation, so the lock is not taken, the count not changed, the object not freed.",
      undefined,
      op?.loc,
    );
  }

  /** might_sleep(): sleeping while holding a spinlock or inside an RCU read-side critical section. */
  mightSleep(t: ThreadState, what: string): void {
    const atomic = t.inAtomic();
    if (!atomic && t.rcuDepth === 0) return;
    const spin = t.held.filter((h) => (h.lock as unknown as { spins?: boolean }).spins).map((h) => h.lock.name);
    this.fail(
      "sleep-in-atomic",
      `BUG: sleeping function called from invalid context at ${what}`,
      `in_atomic(): ${atomic ? 1 : 0}, irqs_disabled(): 0, non_block: 0, pid: ${t.index + 1}, name: ${t.name}\n` +
        `preempt_count: ${spin.length}, expected: 0\n` +
        `RCU nest depth: ${t.rcuDepth}, expected: 0\n` +
        (spin.length ? `Spinlocks held: ${spin.join(", ")}\n` : "") +
        (t.rcuDepth > 0
          ? `${what} may sleep, and a task must not sleep inside rcu_read_lock(): take a reference that keeps the ` +
            "object alive (atomic_inc_not_zero), leave the RCU section, then sleep.\n"
          : `${what} may sleep, and a task must not sleep while holding a spinlock.\n`),
      { sleepingOp: what, spinlocks: spin, rcuDepth: t.rcuDepth },
    );
  }

  private threadExitChecks(t: ThreadState): void {
    if (t.held.length > 0) {
      const list = t.held
        .map((h, i) => ` #${i}: ${h.lock.name} (${h.lock.lockClass}), taken at step ${h.step}${fmtLoc(h.loc)}`)
        .join("\n");
      this.fail(
        "lock-held-at-exit",
        "WARNING: lock held when returning to user space!",
        `${t.name} is leaving the kernel with locks still held!\n${t.held.length} lock${t.held.length > 1 ? "s" : ""} held by ${t.name}:\n${list}`,
        { locks: t.held.map((h) => h.lock.name) },
      );
    }
    if (t.rcuDepth > 0) {
      this.fail(
        "unbalanced",
        "WARNING: thread returned with rcu_read_lock() held",
        `${t.name} ended inside an RCU read-side critical section (nesting depth ${t.rcuDepth}): every ` +
          "rcu_read_lock() needs its rcu_read_unlock() on every path, including error paths.",
        { rcuDepth: t.rcuDepth },
      );
    }
    if (t.notifierRanges.length > 0) {
      const r = t.notifierRanges[0]!;
      this.fail(
        "unbalanced",
        "WARNING: mmu_notifier_invalidate_range_start() without a matching _end()",
        `${t.name} called mmu_notifier_invalidate_range_start(${r.mm.name}, ${hex(r.start)}, ${hex(r.end)}) at step ` +
          `${r.step} and returned without mmu_notifier_invalidate_range_end(). A secondary MMU stays blocked ` +
          "(its invalidate count never drops) and may keep stale translations. Every exit path after the start, " +
          "error paths included, must call the end with the same range.",
        { start: r.start, end: r.end, startStep: r.step },
      );
    }
  }

  private reportException(t: ThreadState, e: unknown): void {
    if (e instanceof SimBug) return; // already recorded
    if (e instanceof SimUsageError) throw e;
    // The thrown value is the learner's: read data properties only, so no getter, toString or
    // Symbol.toPrimitive of learner code runs while the report is made.
    const message = dataProperty(e, "message");
    const name = dataProperty(e, "name");
    const stack = dataProperty(e, "stack");
    const msg = typeof message === "string" ? message : primitiveText(e);
    const kind = typeof name === "string" ? name : "Error";
    const loc = typeof stack === "string" ? this.locations.thrownAt({ stack }) : undefined;
    this.report = {
      kind: kind === "AssertionError" ? "assertion" : "exception",
      title:
        kind === "AssertionError"
          ? `kernel BUG: ${msg}`
          : `Oops: ${kind}: ${msg}`,
      message:
        kind === "AssertionError"
          ? `A check in the kernel code failed in thread ${t.name}: ${msg}`
          : `Thread ${t.name} threw ${kind}: ${msg}\nIn the kernel this would be an oops: a NULL or stale pointer ` +
            "was dereferenced, or an invariant was broken.",
      thread: t.name,
      step: this.stepIndex,
      ...(loc ? { location: loc } : {}),
    };
  }

  private reportDeadlock(): void {
    const lines: string[] = [];
    for (const t of this.threads) {
      if (t.finished) continue;
      const op = t.pending;
      const holder = op?.obj ? this.describeHolders(op.obj) : "";
      lines.push(
        `INFO: task ${t.name} blocked for more than 120 seconds.\n  waiting in ${op ? op.impl.name : "?"}(${op?.obj?.name ?? ""})${holder}` +
          (op?.impl.name === "cpu_relax" ? " (a spin loop: no other thread will change what it polls)" : "") +
          (t.held.length ? `\n  holding: ${t.held.map((h) => h.lock.name).join(", ")}` : ""),
      );
    }
    this.report = {
      kind: "deadlock",
      title: "deadlock: every thread is blocked",
      message: lines.join("\n") + "\n\nNo thread can make progress: each waits for something only a blocked thread can give.",
      thread: "",
      step: this.stepIndex,
      details: {
        blocked: this.threads.filter((t) => !t.finished).map((t) => ({ thread: t.name, op: t.pending?.impl.name, obj: t.pending?.obj?.name })),
      },
    };
  }

  private describeHolders(obj: KObject): string {
    const holders = this.threads.filter((t) => t.holds(obj)).map((t) => t.name);
    return holders.length ? `, held by ${holders.join(", ")}` : "";
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

  private recordTraceStep(
    t: ThreadState,
    op: Op | null,
    phase: number,
    fail: boolean,
    enabled: readonly Choice[],
    preemption: boolean,
  ): void {
    const step: TraceStep = {
      i: this.stepIndex,
      thread: t.name,
      op: op === null ? "start" : (op.impl.phaseNames?.[phase] ?? op.impl.name),
      obj: op?.obj ? ref(op.obj) : null,
      held: t.held.map((h) => h.lock.name),
      rcuDepth: t.rcuDepth,
      runnable: t.index < 0 ? [t.name] : [...new Set(enabled.map((c) => this.threads[c >> 1]!.name))],
      choice: t.index < 0 ? "" : choiceLetter(t.index * 2 + (fail ? 1 : 0)),
      preemption,
    };
    if (op !== null) {
      const a = op.impl.args?.(op);
      if (a !== undefined) step.args = a;
      if (op.state === 2) step.result = jsonValue(op.result);
      if (op.loc) step.loc = op.loc;
      if (op.obj) step.state = op.obj.describe();
    } else if (t.pending?.loc && !t.finished) {
      // a start step runs up to the first primitive: show where it stopped
    }
    if (this.traceWrites?.length) step.writes = [...new Set(this.traceWrites)];
    if (this.traceNotes?.length) step.notes = this.traceNotes;
    this.traceWrites = null;
    this.traceNotes = null;
    this.trace.push(step);
  }

  objectTable(): TraceObject[] {
    const prev = this.tracking;
    this.tracking = false;
    try {
      return this.objects.map((o) => ({
        id: o.id,
        type: o.type,
        name: o.name,
        gen: o.gen,
        cache: o.cacheName,
        allocStep: o.allocStep,
        freeStep: o.freeStep,
        freed: o.freed,
        state: o.describe(),
      }));
    } finally {
      this.tracking = prev;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------ */

export function choiceLetter(c: Choice): string {
  const t = c >> 1;
  const letter = t < 26 ? String.fromCharCode(97 + t) : String.fromCharCode(65 + t - 26);
  return (c & 1) === 1 ? `${letter}!` : letter;
}

export function ref(o: KObject): TraceObjectRef {
  return { id: o.id, type: o.type, gen: o.gen, name: o.name };
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function fmtLoc(l: SourceLocation | undefined): string {
  return l ? ` (${l.file}:${l.line})` : "";
}

function describeValue(v: unknown): string {
  if (v === undefined) return "undefined (a bare `yield;`)";
  if (v === null) return "null";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return `${typeof v} ${primitiveText(v)}`;
}

function jsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return v ?? null;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof KObject) return { ref: ref(v) };
  return primitiveText(v);
}

/** Text of a primitive; an object or function is named by its type, so none of its code runs. */
function primitiveText(v: unknown): string {
  return v === null || (typeof v !== "object" && typeof v !== "function") ? String(v) : `(${typeof v})`;
}

const ERROR_PROTOTYPES: ReadonlySet<object> = new Set(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => c.prototype as object),
);

/**
 * A property of `v` or its prototypes without running learner code: a data
 * property, or an accessor of a built-in error prototype (a hardened runtime
 * may turn `name` there into an accessor); any other accessor gives undefined.
 */
function dataProperty(v: unknown, key: string): unknown {
  try {
    for (let o: unknown = v, i = 0; o !== null && (typeof o === "object" || typeof o === "function") && i < 16; o = Object.getPrototypeOf(o), i++) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (!d) continue;
      if ("value" in d) return d.value;
      return ERROR_PROTOTYPES.has(o as object) && d.get ? (Reflect.apply(d.get, v, []) as unknown) : undefined;
    }
  } catch {
    /* a revoked proxy */
  }
  return undefined;
}

/* ------------------------------------------------------------------------ */
/* KCSAN: data races                                                          */
/* ------------------------------------------------------------------------ */

/*
 * The kernel's data-race detector, done exactly on the explored schedules.
 * The code between two primitives runs as one step, so a plain read and a
 * plain write of a shared field that no lock orders can sit in one step and
 * never be interleaved by the explorer; they are still a race. Following the
 * Linux-kernel memory model as KCSAN checks it:
 *
 *  - Accesses made by a primitive (a lock's word, an atomic's counter, a
 *    list's pointers, READ_ONCE/WRITE_ONCE, a wait's condition) are marked;
 *    field reads and writes in the learner's code between primitives are
 *    plain.
 *  - Happens-before is program order plus synchronisation: every write
 *    (release) is seen by a later marked read or write of the same location
 *    (acquire). Vector clocks per thread; each write ends an epoch.
 *  - A data race is a plain read of a field and a write of it by another
 *    thread, neither happening before the other. As with the kernel's
 *    default CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC, a plain write racing
 *    only with marked reads or other writes is not reported.
 *
 * Intended lockless reads are marked: READ_ONCE(obj, "field") (a scheduling
 * point of its own), or data_race(() => expr) for a read whose race is
 * harmless (a statistic, a hint re-checked under the lock).
 */
const MAXT = 16;

interface PlainLoc {
  /** Last write: thread index, epoch, step, where (traced runs). */
  wT: number;
  wE: number;
  wStep: number;
  wLoc: SourceLocation | undefined;
  wFn: string;
  /** Epoch of each thread's last plain read since that write (0: none), and its step and place. */
  rE: Int32Array;
  rStep: Int32Array;
  rLoc: Array<SourceLocation | undefined> | null;
  rFn: string[] | null;
}

export class Kcsan {
  private readonly vc: Int32Array[] = [];
  private readonly syncClock = new Map<number, Int32Array>();
  private readonly locs = new Map<number, PlainLoc>();
  /** data_race() nesting: reads inside are not checked. */
  quiet = 0;

  private clock(t: number): Int32Array {
    let c = this.vc[t];
    if (c === undefined) {
      c = new Int32Array(MAXT);
      this.vc[t] = c;
    }
    return c;
  }

  beginStep(t: ThreadState): void {
    if (t.index < 0 || t.serial) return;
    const c = this.clock(t.index);
    if (c[t.index] === 0) {
      // A thread made by kthread_run starts where its creator was.
      const p = t.createdBy;
      if (p !== null && p.index >= 0) c.set(this.clock(p.index));
    }
    c[t.index]!++;
  }

  private release(t: number, loc: number): void {
    const c = this.clock(t);
    let s = this.syncClock.get(loc);
    if (s === undefined) this.syncClock.set(loc, (s = new Int32Array(MAXT)));
    for (let i = 0; i < MAXT; i++) if (c[i]! > s[i]!) s[i] = c[i]!;
    c[t]!++;
  }

  private acquire(t: number, loc: number): void {
    const s = this.syncClock.get(loc);
    if (s === undefined) return;
    const c = this.clock(t);
    for (let i = 0; i < MAXT; i++) if (s[i]! > c[i]!) c[i] = s[i]!;
  }

  /** A primitive's access to a location that is not a field (a lock word, a thread's state). */
  sync(ex: Execution, loc: number, write: boolean): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    this.acquire(t.index, loc);
    if (write) this.release(t.index, loc);
  }

  /** A marked access of a field: synchronises, and a marked write still races with plain reads. */
  marked(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    this.acquire(t.index, loc);
    if (write) {
      this.checkReads(ex, t, loc, obj, field, true);
      this.noteWrite(ex, t, loc);
      this.release(t.index, loc);
    }
  }

  plain(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    const c = this.clock(t.index);
    if (write) {
      this.checkReads(ex, t, loc, obj, field, false);
      this.noteWrite(ex, t, loc);
      // A plain write also publishes (assumed atomic): a later marked read is ordered after it.
      this.release(t.index, loc);
      return;
    }
    if (this.quiet > 0) return;
    let st = this.locs.get(loc);
    if (st !== undefined && st.wT >= 0 && st.wT !== t.index && st.wE > c[st.wT]!) {
      this.report(ex, obj, field, { t: st.wT, step: st.wStep, write: true, loc: st.wLoc, fn: st.wFn, marked: false }, {
        t: t.index,
        step: ex.stepIndex,
        write: false,
        loc: ex.tracing ? ex.locate() : undefined,
        fn: ex.tracing ? ex.userFunction() : "",
        marked: false,
      });
    }
    if (st === undefined) this.locs.set(loc, (st = newPlainLoc()));
    st.rE[t.index] = c[t.index]!;
    st.rStep[t.index] = ex.stepIndex;
    if (ex.tracing) {
      (st.rLoc ??= [])[t.index] = ex.locate();
      (st.rFn ??= [])[t.index] = ex.userFunction();
    }
  }

  private noteWrite(ex: Execution, t: ThreadState, loc: number): void {
    let st = this.locs.get(loc);
    if (st === undefined) this.locs.set(loc, (st = newPlainLoc()));
    st.wT = t.index;
    st.wE = this.clock(t.index)[t.index]!;
    st.wStep = ex.stepIndex;
    st.wLoc = ex.tracing ? ex.locate() : undefined;
    st.wFn = ex.tracing ? ex.userFunction() : "";
    st.rE.fill(0);
  }

  private checkReads(ex: Execution, t: ThreadState, loc: number, obj: KObject, field: string, marked: boolean): void {
    const st = this.locs.get(loc);
    if (st === undefined) return;
    const c = this.clock(t.index);
    for (let u = 0; u < MAXT; u++) {
      if (u === t.index) continue;
      const e = st.rE[u]!;
      if (e > 0 && e > c[u]!) {
        this.report(
          ex,
          obj,
          field,
          { t: u, step: st.rStep[u]!, write: false, loc: st.rLoc?.[u], fn: st.rFn?.[u] ?? "", marked: false },
          { t: t.index, step: ex.stepIndex, write: true, loc: ex.tracing ? ex.locate() : undefined, fn: ex.tracing ? ex.userFunction() : "", marked },
        );
      }
    }
  }

  private report(
    ex: Execution,
    obj: KObject,
    field: string,
    first: { t: number; step: number; write: boolean; loc: SourceLocation | undefined; fn: string; marked: boolean },
    second: { t: number; step: number; write: boolean; loc: SourceLocation | undefined; fn: string; marked: boolean },
  ): never {
    const name = (i: number) => ex.threads[i]?.name ?? `#${i}`;
    const what = `${obj.container() === obj ? obj.name : obj.name}.${field}`;
    const line = (a: typeof first) =>
      `${a.write ? "write" : "read"}${a.marked ? " (marked)" : ""} to ${what} by task ${name(a.t)} at step ${a.step}${fmtLoc(a.loc)}` +
      (a.fn ? ` in ${a.fn}` : "");
    const fns = [first.fn || "?", second.fn || "?"].join(" / ");
    const plainRead = first.write ? second : first;
    return ex.fail(
      "data-race",
      `BUG: KCSAN: data-race in ${ex.tracing ? fns : what}`,
      `${line(second)}:\n\n${line(first)}:\n\n` +
        `${name(plainRead.t)} reads ${what} with a plain access while ${name(first.write ? first.t : second.t)} writes it, and nothing ` +
        "orders the two (no lock held by both, no atomic or wait between them). Another interleaving lets the read " +
        "see a value that is about to change: a check made on it no longer holds when the code acts on it.\n" +
        "Hold the lock that protects the field around both the read and what depends on it. If the lockless read " +
        "is intended (a fast-path check that is repeated under the lock), mark it: READ_ONCE(obj, \"field\"), or " +
        "data_race(() => ...) when any value read is harmless.",
      {
        object: obj.id,
        field,
        first: { thread: name(first.t), step: first.step, write: first.write },
        second: { thread: name(second.t), step: second.step, write: second.write },
      },
      second.loc,
    );
  }
}

function newPlainLoc(): PlainLoc {
  return { wT: -1, wE: 0, wStep: -1, wLoc: undefined, wFn: "", rE: new Int32Array(MAXT), rStep: new Int32Array(MAXT), rLoc: null, rFn: null };
}
