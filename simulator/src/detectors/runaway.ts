/*
 * Runaway code: a loop with no scheduling point (too many field accesses in
 * one step), or an execution that never ends (too many steps, in the
 * prelude or among the threads). Both are judged against the scenario's
 * limits.
 */

import type { Execution } from "../execution";
import type { SourceLocation } from "../report";
import type { ThreadState } from "../thread";

/** Steps of the traced run looked at to find the loop that did not end. */
const LOOP_WINDOW = 60;

/**
 * The loop a runaway thread was in, from the last steps of a traced run:
 * the primitives it repeated, each with where the learner called it, most
 * repeated first, and whether any of those steps wrote shared state (a
 * field, a lock word, an allocation). Empty when the run was not traced
 * (the explorers replay a failing schedule with tracing before showing it).
 */
function repeatedCalls(ex: Execution, thread: string): Array<{ op: string; loc?: SourceLocation; count: number; wrote: boolean }> {
  const counts = new Map<string, { op: string; loc?: SourceLocation; count: number; wrote: boolean }>();
  const trace = ex.trace;
  for (let i = Math.max(0, trace.length - LOOP_WINDOW); i < trace.length; i++) {
    const st = trace[i]!;
    if (st.thread !== thread) continue;
    const key = `${st.op}@${st.loc ? `${st.loc.file}:${st.loc.line}` : ""}`;
    const wrote = ex.wroteSteps.has(i);
    const c = counts.get(key);
    if (c) {
      c.count++;
      c.wrote ||= wrote;
    } else counts.set(key, { op: st.op, ...(st.loc ? { loc: st.loc } : {}), count: 1, wrote });
  }
  return [...counts.values()].filter((c) => c.count > 1).sort((a, b) => b.count - a.count);
}

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

/**
 * The execution reached limits.maxSteps steps; `last` ran the last one. The
 * message names the loop (the primitives the thread kept calling and the
 * learner's lines, on a traced run) and what to change in the code: the
 * limit is the test's, which a learner cannot change.
 */
export function tooManySteps(ex: Execution, last: ThreadState | null): void {
  const max = ex.opts.limits.maxSteps;
  const thread = last?.name ?? "";
  const loop = ex.tracing && last ? repeatedCalls(ex, thread) : [];
  const where = loop.find((c) => c.loc !== undefined)?.loc;
  let message =
    `The execution took more than ${max} steps: a loop that never ends ` +
    "(a retry that always fails, or a wait for a condition no other thread will make true).";
  if (loop.length > 0) {
    const calls = loop
      .slice(0, 3)
      .map((c) => `${c.op}${c.loc ? ` (${c.loc.file}:${c.loc.line})` : ""} ${c.count} times`)
      .join(", ");
    message += `\nIn its last steps, thread ${thread} kept calling ${calls}.`;
    // A busy-wait polls: none of its steps wrote anything, so repeating it changes nothing until another thread writes.
    if (loop.every((c) => !c.wrote)) {
      message +=
        "\nA busy-wait that polls must call cpu_relax() between attempts, as the kernel's spin loops do: " +
        "the thread then waits until another thread changes what the loop reads, instead of " +
        "spinning without letting the thread it waits for run. Or wait with the primitive made for it " +
        "(spin_lock(), wait_event()).";
    } else {
      message += "\nCheck that loop's exit condition: can another thread make it true, and does this thread re-read it?";
    }
  }
  ex.report = {
    kind: "step-budget",
    title: "runaway code: step budget exceeded",
    message,
    thread,
    step: ex.stepIndex,
    ...(where ? { location: where } : {}),
  };
}
