/*
 * Nondeterminism: the same schedule ran differently (the runnable threads
 * at a step differ from the recorded ones, or the replayed choice is not
 * runnable). The code depends on something outside the simulation.
 */

import { type Choice, choiceLetter, choiceThread } from "../choice";
import type { Execution } from "../execution";
import type { ThreadState } from "../thread";

/** The chooser saw the runnable set differ from the recorded one. */
export function runnableSetDiverged(ex: Execution, enabled: readonly Choice[], last: ThreadState | null): void {
  ex.report = {
    kind: "nondeterminism",
    title: "nondeterminism: the same schedule ran differently",
    message:
      `At step ${ex.stepIndex} the runnable threads are ${[...new Set(enabled.map((c) => ex.threads[choiceThread(c)]!.name))].join(", ")}, ` +
      "not the ones this schedule had when it was first run. The code behaves differently on the same schedule: it " +
      "depends on something outside the simulation (module-level variables kept between runs, Math.random, Date.now).",
    thread: last?.name ?? "",
    step: ex.stepIndex,
  };
}

/** The schedule asks for `choice`, which is not among the enabled ones. */
export function choiceNotRunnable(ex: Execution, choice: Choice, enabled: readonly Choice[], t: ThreadState | undefined): void {
  ex.report = {
    kind: "nondeterminism",
    title: "nondeterminism: the replayed schedule diverged",
    message:
      `At step ${ex.stepIndex} the schedule asks for choice ${choiceLetter(choice)}, but the runnable ` +
      `choices are ${enabled.map(choiceLetter).join(", ")}. The code behaves differently on the same ` +
      "schedule: it depends on something outside the simulation (module-level variables kept between runs, " +
      "Math.random, Date.now).",
    thread: t?.name ?? "",
    step: ex.stepIndex,
  };
}
