/*
 * Threads created at run time (include/linux/kthread.h): kthread_run()
 * and kthread_join(), and the running thread's name.
 */

import { cur } from "./current";
import type { Execution } from "./execution";
import { Op, type OpImpl } from "./op";
import { SimUsageError } from "./report";
import { THREAD_CREATED, THREAD_EXITED, type ThreadHandle, type ThreadState } from "./thread";

/** A thread created with kthread_run(): pass it to kthread_join(). */
export type TaskHandle = ThreadHandle;

const KTHREAD_RUN: OpImpl = {
  name: "kthread_run",
  perform(op, t, ex) {
    const body = op.arg as () => Iterable<unknown>;
    const name = (op.arg2 as string | undefined) ?? `kthread${ex.threads.length}`;
    const nt = ex.addThread(name, () => body());
    nt.createdBy = t;
    ex.touchThreadSlot(nt, THREAD_CREATED, true);
    return nt.handle;
  },
  args: (op) => op.arg2,
};

/**
 * Create and start a thread running `fn` (kthread_run / pthread_create).
 * The new thread is one more choice for the scheduler from the next step on.
 */
export function kthread_run(fn: () => Iterable<unknown>, name?: string): Op<TaskHandle> {
  if (typeof fn !== "function") throw new TypeError("kthread_run() expects a generator function");
  return new Op(KTHREAD_RUN, null, fn, name);
}

function joinTarget(ex: Execution, h: TaskHandle): ThreadState {
  const t = ex.threads[h.index];
  if (t === undefined || t.handle !== h) throw new SimUsageError("kthread_join() expects a handle returned by kthread_run() or a scenario thread");
  return t;
}

const KTHREAD_JOIN: OpImpl = {
  name: "kthread_join",
  sleeps: true,
  enabled(op, _t, ex) {
    const target = joinTarget(ex, op.arg as TaskHandle);
    ex.touchThreadSlot(target, THREAD_EXITED, false);
    return target.finished;
  },
  perform: (op, _t, ex) => joinTarget(ex, op.arg as TaskHandle).result,
  args: (op) => (op.arg as TaskHandle).name,
};

/** Wait until a thread created by kthread_run() has returned; returns its return value (pthread_join). */
export function kthread_join(task: TaskHandle): Op<unknown> {
  return new Op(KTHREAD_JOIN, null, task);
}

/** The running simulated thread's name. */
export function current_name(): string {
  return cur().running?.name ?? "setup";
}
