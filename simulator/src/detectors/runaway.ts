/*
 * Runaway code: a loop with no scheduling point (too many field accesses in
 * one step), or an execution that never ends (too many steps, in the
 * prelude or among the threads). Both are judged against the scenario's
 * limits.
 */

import type { Execution } from "../execution";
import type { ThreadState } from "../thread";

/** The running step made more field accesses than limits.maxAccessesPerStep. */
export function tooManyAccesses(ex: Execution): never {
  const max = ex.opts.limits.maxAccessesPerStep;
  return ex.fail(
    "step-budget",
    "runaway code: a loop without a scheduling point",
    `${max} field accesses in one step without reaching a primitive.\n` +
      "A loop that waits for another thread must call a primitive (cpu_relax(), a lock, wait_event()) " +
      "so the other thread can run; otherwise it spins forever.",
  );
}

/** The prelude took more than limits.maxSteps steps. */
export function preludeTooLong(ex: Execution, t: ThreadState): void {
  ex.report = {
    kind: "step-budget",
    title: "runaway code: step budget exceeded in the prelude",
    message: `The prelude took more than ${ex.opts.limits.maxSteps} steps.`,
    thread: t.name,
    step: -1,
  };
}

/** The execution reached limits.maxSteps steps; `last` ran the last one. */
export function tooManySteps(ex: Execution, last: ThreadState | null): void {
  const max = ex.opts.limits.maxSteps;
  ex.report = {
    kind: "step-budget",
    title: "runaway code: step budget exceeded",
    message:
      `The execution took more than ${max} steps. The likely cause is a loop that never ends ` +
      "(a retry that always fails, or a wait for a condition no other thread will make true). " +
      "If the scenario is simply long, raise limits.maxSteps.",
    thread: last?.name ?? "",
    step: ex.stepIndex,
  };
}
