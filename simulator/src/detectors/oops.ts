/*
 * Oops: a simulated thread threw (a NULL or stale pointer dereferenced, an
 * invariant of the learner's own code), or a check of the test failed. The
 * thrown value is the learner's: only its data properties are read, so no
 * getter, toString or Symbol.toPrimitive of learner code runs while the
 * report is made.
 */

import type { Execution } from "../execution";
import { dataProperty, primitiveText } from "../format";
import { SimBug, SimUsageError } from "../report";
import type { ThreadState } from "../thread";

/** `t` threw `e` in its step: an oops, or a failed check of the test (an AssertionError from check_that()). */
export function reportException(ex: Execution, t: ThreadState, e: unknown): void {
  // A detector's SimBug unwinds the thread after its report is recorded; one thrown while no report
  // is recorded is forged (learner code can keep the class of one it caught), and is an exception like any.
  if (e instanceof SimBug && ex.report !== null) return;
  if (e instanceof SimUsageError) throw e;
  const message = dataProperty(e, "message");
  const name = dataProperty(e, "name");
  const stack = dataProperty(e, "stack");
  const msg = typeof message === "string" ? message : primitiveText(e);
  const kind = typeof name === "string" ? name : "Error";
  const loc = typeof stack === "string" ? ex.locations.thrownAt({ stack }) : undefined;
  // An AssertionError comes from check_that(), which only tests and their drivers can call (it is not in
  // the learner's API): the check belongs to the test, and says what the test expected and what it found.
  ex.report = {
    kind: kind === "AssertionError" ? "assertion" : "exception",
    title:
      kind === "AssertionError"
        ? `Test failed: ${msg}`
        : `Oops: ${kind}: ${msg}`,
    message:
      kind === "AssertionError"
        ? `A check of the test failed in thread ${t.name}: ${msg}\nThe check is the test's, not the kernel's: ` +
          "the state it found was left by the steps before it, which the trace shows."
        : `Thread ${t.name} threw ${kind}: ${msg}\nIn the kernel this would be an oops: a NULL or stale pointer ` +
          "was dereferenced, or an invariant was broken.",
    thread: t.name,
    step: ex.stepIndex,
    ...(loc ? { location: loc } : {}),
  };
}

/** A check of the end state (after the threads, or after the teardown) threw `e`. */
export function reportEndCheckFailure(ex: Execution, e: unknown): void {
  if (e instanceof SimBug && ex.report !== null) return;
  if (e instanceof SimUsageError) throw e;
  const msg = String((e as Error)?.message ?? e);
  ex.report ??= {
    kind: "assertion",
    title: `Test failed: ${msg.split("\n")[0]}`,
    message: `The test's end-of-scenario check failed: ${msg}\nThe check is the test's, not the kernel's: the state it found was left by the steps of the trace.`,
    thread: "",
    step: -1,
  };
}
