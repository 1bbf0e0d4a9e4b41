/*
 * The execution in progress: the one "current execution" of the simulator.
 *
 * Primitives and kernel objects are called from learner code, which has no
 * execution to pass them, so they find it here. This is the only
 * module-level execution state, and it has one writer:
 *
 * Invariant: `current` is non-null exactly while withExecution() runs its
 * function (Execution.run() and Execution.within() call it), and
 * withExecution() restores the previous value when the function returns or
 * throws. So an execution is current only during its own run, and nothing
 * of it survives the run.
 */

import type { Execution } from "./execution";
import { SimUsageError } from "./report";

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

/** The execution in progress, or null outside any run (a tracked field read in plain code then records nothing). */
export function currentOrNull(): Execution | null {
  return current;
}

/** Run `fn` with `ex` as the execution in progress; the previous one is current again afterwards. */
export function withExecution<T>(ex: Execution, fn: () => T): T {
  const prev = current;
  current = ex;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
