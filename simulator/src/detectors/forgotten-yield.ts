/*
 * Forgotten yield*: a primitive called without `yield*` (created, never
 * driven), driven with a bare `yield`, or a thread that yields something
 * that is not a primitive.
 */

import type { Execution } from "../execution";
import { describeValue } from "../format";
import { nameOf } from "../kobject";
import { implOf, implOrNull, Op } from "../op";
import type { ThreadState } from "../thread";

/** After a step of `t`: every op created in it was driven. */
export function checkForgottenYield(ex: Execution, t: ThreadState): void {
  if (ex.unstarted === 0) return;
  const op = ex.lastCreated;
  ex.unstarted = 0;
  const name = implOrNull(op)?.name ?? "a primitive";
  ex.fail(
    "forgotten-yield",
    `${name}() was called without yield*`,
    `Thread ${t.name} called ${name}(${op?.obj ? nameOf(op.obj) : ""}) but never ran it: in a simulated thread a ` +
      `primitive is a scheduling point and must be written \`yield* ${name}(...)\`. Without yield* the call ` +
      "only creates the operation, so the lock is not taken, the count not changed, the object not freed.",
    undefined,
    op?.loc,
  );
}

/** What `t` yielded is a primitive it drove with yield*: the op it will perform when next scheduled. */
export function checkYielded(ex: Execution, t: ThreadState, v: unknown): Op {
  if (!Op.isOp(v)) {
    ex.fail(
      "forgotten-yield",
      "simulated thread yielded something that is not a primitive",
      `Thread ${t.name} yielded ${describeValue(v)}. Simulated threads only yield* simulator primitives ` +
        "(yield* spin_lock(l), yield* kmem_cache_alloc(cachep)) or functions built from them.",
    );
  }
  if (!v.started) {
    ex.fail(
      "forgotten-yield",
      `${implOf(v).name}() yielded with yield instead of yield*`,
      `Thread ${t.name} wrote \`yield ${implOf(v).name}(...)\`. A primitive must be driven with \`yield*\` ` +
        `(\`yield* ${implOf(v).name}(...)\`), which runs it and returns its result.`,
    );
  }
  return v;
}
