/*
 * The state of one simulated thread: its generator, the op it will perform
 * when next scheduled, the locks it holds (lockdep's held_locks), its RCU
 * read-side nesting and its open mmu-notifier ranges.
 */

import type { KObject } from "./kobject";
import { SLOTS } from "./kobject";
import type { Op } from "./op";
import type { SourceLocation } from "./report";
import { currentOrNull } from "./current";

/** Slots of a thread's own object id: 1 its RCU state, 2 its creation, 3 its exit. */
export const THREAD_RCU = 1;
export const THREAD_CREATED = 2;
export const THREAD_EXITED = 3;

/** The location of one of a thread's own slots (THREAD_RCU, THREAD_CREATED, THREAD_EXITED). */
export function threadLoc(t: ThreadState, slot: number): number {
  return t.locBase * SLOTS + slot;
}

export interface HeldLock {
  lock: KObject & { lockClass: string };
  mode: "excl" | "read";
  /** lockdep subclass (spin_lock_nested): nesting two locks of one class with distinct subclasses is allowed. */
  subclass: number;
  step: number;
  loc: SourceLocation | undefined;
}

/**
 * What a lock records as its owner and kthread_run() returns: a frozen tag,
 * never the scheduler's own thread state. Its name is neutral ("thread0"):
 * code under test cannot tell a test's threads by name. Traces and reports
 * show the scenario's names (threadName()).
 */
export interface ThreadHandle {
  readonly name: string;
  readonly index: number;
}

/** The scenario's name of the thread a handle stands for (for traces), or the handle's neutral name. */
export function threadName(h: ThreadHandle): string {
  return currentOrNull()?.threads[h.index]?.name ?? h.name;
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
    this.handle = Object.freeze({ name: `thread${index}`, index });
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
