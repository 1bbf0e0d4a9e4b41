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

const enum OpState {
  Created = 0,
  Pending = 1,
  Done = 2,
}

let rawImpl: (op: Op) => OpImpl;
let rawState: (op: Op) => OpState;
let rawAux: (op: Op) => unknown;
let writeAux: (op: Op, v: unknown) => void;
let writeFail: (op: Op, fail: boolean) => void;
let writeGrant: (op: Op) => void;

/** The operation's implementation: the simulator's, never reachable from the op itself. */
export function implOf(op: Op): OpImpl {
  return rawImpl(op);
}

/** implOf() of an op that may be absent (a thread that has not started, or has ended). */
export function implOrNull(op: Op | null | undefined): OpImpl | undefined {
  return op === null || op === undefined ? undefined : rawImpl(op);
}

/** Has the op been performed to the end (its result is final)? */
export function opDone(op: Op): boolean {
  return rawState(op) === OpState.Done;
}

/** Scratch state of a multi-phase op (its impl's own). */
export function opAux(op: Op): unknown {
  return rawAux(op);
}

export function setOpAux(op: Op, v: unknown): void {
  writeAux(op, v);
}

/** The scheduler's choice for this step: the faulted outcome (a failed allocation, nondet true) or not. */
export function setOpFail(op: Op, fail: boolean): void {
  writeFail(op, fail);
}

/** The scheduler resumes the op's thread: the op may perform (one phase) once. */
export function grantOp(op: Op): void {
  writeGrant(op);
}

/**
 * One primitive call. An iterator that yields itself once per phase, then
 * returns the op's result; `yield*` in learner code drives it.
 *
 * Invariant: everything the scheduler and the detectors decide from (the
 * impl, the state, the phase, the scratch state, the fault choice) is
 * private to the op and written only by this module and the scheduler, so
 * code holding an op can read what it passed in and nothing more: it cannot
 * swap the impl (which receives the execution), rewind the op to drive it
 * again, or rewrite a phase's state. The op is not extensible, so no own
 * property can shadow the accessors.
 */
export class Op<T = unknown> implements Iterator<Op, T, unknown>, Iterable<Op, T, unknown> {
  readonly #impl: OpImpl;
  readonly #obj: KObject | null;
  readonly #arg: unknown;
  readonly #arg2: unknown;
  #state: OpState = OpState.Created;
  #phase = 0;
  #fail = false;
  #loc: SourceLocation | undefined = undefined;
  #aux: unknown = undefined;
  #result: T | undefined = undefined;
  /** Set when the scheduler resumes the thread for this op; a perform consumes it. */
  #granted = false;

  static {
    rawImpl = (op) => op.#impl;
    rawState = (op) => op.#state;
    rawAux = (op) => op.#aux;
    writeAux = (op, v) => {
      op.#aux = v;
    };
    writeFail = (op, fail) => {
      op.#fail = fail;
    };
    writeGrant = (op) => {
      op.#granted = true;
    };
  }

  /** Is `v` an operation built by the constructor (not a look-alike whose impl would receive the execution)? */
  static isOp(v: unknown): v is Op {
    return typeof v === "object" && v !== null && #impl in v;
  }

  constructor(impl: OpImpl, obj: KObject | null, arg: unknown = undefined, arg2: unknown = undefined) {
    if (!Object.isFrozen(impl)) Object.freeze(impl);
    this.#impl = impl;
    this.#obj = obj;
    this.#arg = arg;
    this.#arg2 = arg2;
    const ex = cur();
    ex.unstarted++;
    ex.lastCreated = this;
    if (ex.tracing) this.#loc = ex.locate();
    Object.preventExtensions(this);
  }

  /** The object the primitive acts on (a lock, an atomic, a list entry), if any. */
  get obj(): KObject | null {
    return this.#obj;
  }
  get arg(): unknown {
    return this.#arg;
  }
  get arg2(): unknown {
    return this.#arg2;
  }
  /** The phase of a multi-phase op (synchronize_rcu, list_add): 0 first. */
  get phase(): number {
    return this.#phase;
  }
  /** Set by the scheduler for a fault-injected allocation or a nondet_bool's true outcome. */
  get fail(): boolean {
    return this.#fail;
  }
  /** Where the learner called the primitive (traced runs only). */
  get loc(): SourceLocation | undefined {
    return this.#loc;
  }
  /** The result, once performed. */
  get result(): T | undefined {
    return this.#result;
  }

  next(): IteratorResult<Op, T> {
    const ex = cur();
    const impl = this.#impl;
    if (this.#state === OpState.Created) {
      ex.unstarted--;
      this.#state = OpState.Pending;
      // A fresh result each time: a result object shared across calls would hand
      // whoever kept one the ops of other threads.
      return { done: false, value: this };
    }
    if (this.#state !== OpState.Pending) {
      throw new SimUsageError(`${impl.name}() was driven twice: each primitive call runs once.`);
    }
    const t = ex.running;
    if (t === null || (t.pending !== this && ex.direct !== this) || !this.#granted) {
      throw new SimUsageError(`${impl.name}() was resumed outside the scheduler.`);
    }
    this.#granted = false;
    // What a primitive reads and writes is a marked access (see detectors/data-race.ts).
    ex.marked++;
    let r: unknown;
    try {
      r = impl.perform(this, t, ex);
    } finally {
      ex.marked--;
    }
    if (r === AGAIN) {
      this.#phase++;
      return { done: false, value: this };
    }
    this.#state = OpState.Done;
    this.#result = r as T;
    return { done: true, value: r as T };
  }

  [Symbol.iterator](): Op<T> {
    return this;
  }

  get started(): boolean {
    return this.#state !== OpState.Created;
  }
}

/** May `op` sleep (its impl's `sleeps`, a flag or a function of the op)? */
export function opSleeps(op: Op): boolean {
  const s = rawImpl(op).sleeps;
  return s === true || (typeof s === "function" && s(op));
}
