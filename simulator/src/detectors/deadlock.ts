/*
 * Deadlock: every unfinished thread waits for something only a blocked
 * thread can give (hung tasks); a prelude that blocks; an RCU callback that
 * would wait (it runs in softirq context and cannot).
 */

import type { Execution } from "../execution";
import { type KObject, nameOf, optName } from "../kobject";
import { implOf, implOrNull, type Op } from "../op";
import type { ThreadState } from "../thread";

function describeHolders(ex: Execution, obj: KObject): string {
  const holders = ex.threads.filter((t) => t.holds(obj)).map((t) => t.name);
  return holders.length ? `, held by ${holders.join(", ")}` : "";
}

/** No thread can run, and none is on a path excluded by assume(). */
export function reportDeadlock(ex: Execution): void {
  const lines: string[] = [];
  for (const t of ex.threads) {
    if (t.finished) continue;
    const op = t.pending;
    const holder = op?.obj ? describeHolders(ex, op.obj) : "";
    lines.push(
      `INFO: task ${t.name} blocked for more than 120 seconds.\n  waiting in ${op ? implOf(op).name : "?"}(${op?.obj?.name ?? ""})${holder}` +
        (implOrNull(op)?.name === "cpu_relax" ? " (a spin loop: no other thread will change what it polls)" : "") +
        (t.held.length ? `\n  holding: ${t.held.map((h) => nameOf(h.lock)).join(", ")}` : ""),
    );
  }
  ex.report = {
    kind: "deadlock",
    title: "deadlock: every thread is blocked",
    message: lines.join("\n") + "\n\nNo thread can make progress: each waits for something only a blocked thread can give.",
    thread: "",
    step: ex.stepIndex,
    details: {
      blocked: ex.threads.filter((t) => !t.finished).map((t) => ({ thread: t.name, op: implOrNull(t.pending)?.name, obj: t.pending?.obj?.name })),
    },
  };
}

/** The prelude, which runs alone, waits in `op`: nothing can ever wake it. */
export function preludeBlocked(ex: Execution, t: ThreadState, op: Op): void {
  ex.report = {
    kind: "deadlock",
    title: "deadlock: the scenario's prelude is blocked",
    message: `The prelude waits in ${implOf(op).name}(${optName(op.obj) ?? ""}), but no other thread runs until it ends.`,
    thread: t.name,
    step: -1,
  };
}

/** `where` (an RCU callback) reached `op`, which cannot run now; a callback cannot wait. */
export function blockedInSoftirq(ex: Execution, op: Op, where: string): never {
  return ex.fail(
    "deadlock",
    `deadlock: ${where} would wait in ${implOf(op).name}`,
    `${where} cannot wait for ${optName(op.obj) ?? "anything"}: it runs in softirq context.`,
  );
}
