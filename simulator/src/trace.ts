/*
 * Traces: what a traced replay of an execution records, step by step, for
 * the learner to read (the thread, the primitive and its object, the locks
 * held, the plain writes, the events a step caused), and the table of the
 * execution's objects.
 */

import { type Choice, choiceLetter, choiceThread, faultChoice, runChoice } from "./choice";
import type { Execution } from "./execution";
import { describeObject, generation, isFreed, KObject, M, nameOf } from "./kobject";
import { implOf, type Op, opDone } from "./op";
import { primitiveText } from "./format";
import type { SourceLocation } from "./report";
import type { ThreadState } from "./thread";

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

export function ref(o: KObject): TraceObjectRef {
  return { id: o.id, type: o.type, gen: generation(o), name: nameOf(o) };
}

/** An op's result as JSON for the trace: a kernel object by reference, anything else of learner code by type. */
export function jsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return v ?? null;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (KObject.isKObject(v)) return { ref: ref(v) };
  return primitiveText(v);
}

/**
 * The trace step of a step just run: `t` ran `op` (null: the thread's start)
 * at phase `phase`, chosen among `enabled`.
 */
export function traceStep(
  ex: Execution,
  t: ThreadState,
  op: Op | null,
  phase: number,
  fail: boolean,
  enabled: readonly Choice[],
  preemption: boolean,
  writes: readonly string[] | null,
  notes: string[] | null,
): TraceStep {
  const step: TraceStep = {
    i: ex.stepIndex,
    thread: t.name,
    op: op === null ? "start" : (implOf(op).phaseNames?.[phase] ?? implOf(op).name),
    obj: op?.obj ? ref(op.obj) : null,
    held: t.held.map((h) => nameOf(h.lock)),
    rcuDepth: t.rcuDepth,
    runnable: t.index < 0 ? [t.name] : [...new Set(enabled.map((c) => ex.threads[choiceThread(c)]!.name))],
    choice: t.index < 0 ? "" : choiceLetter(fail ? faultChoice(t.index) : runChoice(t.index)),
    preemption,
  };
  if (op !== null) {
    const a = implOf(op).args?.(op);
    if (a !== undefined) step.args = a;
    if (opDone(op)) step.result = jsonValue(op.result);
    if (op.loc) step.loc = op.loc;
    if (op.obj) step.state = describeObject(op.obj);
  }
  if (writes?.length) step.writes = [...new Set(writes)];
  if (notes?.length) step.notes = notes;
  return step;
}

/** The execution's objects, with their bookkeeping and state. */
export function objectTable(ex: Execution): TraceObject[] {
  return ex.objects.map((o) => ({
    id: o.id,
    type: o.type,
    name: nameOf(o),
    gen: generation(o),
    cache: M(o).cacheName,
    allocStep: M(o).allocStep,
    freeStep: M(o).freeStep,
    freed: isFreed(o),
    state: describeObject(o),
  }));
}
