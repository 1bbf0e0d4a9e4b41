/*
 * Operations: the scheduling points.
 *
 * Every primitive (a lock, an atomic, an allocation, an RCU call, a list
 * operation) is an Op: an iterator that first yields itself to the scheduler
 * (a scheduling point) and, when the scheduler resumes the thread, performs
 * the operation atomically. Learner code drives it with `yield*`.
 */

import * as current from "./current";
import type { Execution } from "./execution";
import type { KObject } from "./kobject";
import { SimUsageError, type SourceLocation } from "./report";
import type { ThreadState } from "./thread";

/*
 * Bound once, when the module loads: every primitive call and resumption asks
 * for the current execution, and where the source runs transpiled to
 * CommonJS (tsx, the test runner) a call through an imported binding is a
 * getter call each time.
 */
const { cur } = current;

/** What learner functions built from primitives return: drive them with `yield*`. */
export type Sim<T = void> = Generator<Op, T, unknown>;

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

/** May `op` sleep (its impl's `sleeps`, a flag or a function of the op)? */
export function opSleeps(op: Op): boolean {
  const s = op.impl.sleeps;
  return s === true || (typeof s === "function" && s(op));
}
