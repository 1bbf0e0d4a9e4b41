/*
 * Preemption-bounded depth-first search (iterative context bounding).
 *
 * Most concurrency bugs need only one or two preemptions: a thread switched
 * out while it could have continued. The search explores every schedule with
 * at most 0 preemptions, then at most 1, and so on up to the bound, so the
 * first bug it finds is one with the fewest preemptions. It is the search for
 * scenarios too large for exhaustive DPOR, and the one that shrinks a failing
 * schedule before it is shown.
 */

import { type Choice, choiceThread } from "../choice";
import { prefixHooks, type Runner, type Strategy } from "./runner";

interface Node {
  /** Choices in the order to try them: the running thread first. */
  order: Choice[];
  next: number;
  /** Preemptions used before this node. */
  used: number;
  last: number;
}

export class BoundedStrategy implements Strategy {
  readonly name = "bounded";
  constructor(
    readonly maxBound: number,
    /** Only report a bug of this kind (shrinking looks for the same bug). */
    readonly minBound = 0,
  ) {}

  explore(runner: Runner): boolean {
    for (let bound = this.minBound; bound <= this.maxBound; bound++) {
      const exhausted = this.exploreBound(runner, bound);
      if (runner.stopped) return false;
      if (exhausted === "no-preemption-seen") return true; // a bigger bound explores nothing new
    }
    return false;
  }

  private exploreBound(runner: Runner, bound: number): "done" | "no-preemption-seen" {
    const stack: Node[] = [];
    let replayTo = 0;
    let sawPruned = false;
    for (;;) {
      const prefix = stack.slice(0, Math.min(replayTo + 1, stack.length)).map((n) => n.order[n.next - 1]!);
      const hooks = prefixHooks(prefix, (ex, enabled) => {
        const k = ex.choices.length;
        const last = k > 0 ? choiceThread(ex.choices[k - 1]!) : -1;
        const parent = stack[k - 1];
        const used = parent ? parent.used + (isPreemption(parent, parent.order[parent.next - 1]!) ? 1 : 0) : 0;
        const lastEnabled = enabled.some((c) => choiceThread(c) === last);
        const order = [...enabled].sort((a, b) => rank(a, last) - rank(b, last));
        const allowed = used < bound || !lastEnabled ? order : order.filter((c) => choiceThread(c) === last);
        if (allowed.length < order.length) sawPruned = true;
        const node: Node = { order: allowed, next: 1, used, last: lastEnabled ? last : -1 };
        stack[k] = node;
        return allowed[0]!;
      });
      const res = runner.run(hooks);
      if (res === null || runner.stopped) return "done";
      const ex = res.execution;
      const firstSerial = ex.serialFrom.length ? ex.serialFrom[0]! : ex.choices.length;
      stack.length = Math.min(stack.length, firstSerial);
      let k = stack.length - 1;
      while (k >= 0 && stack[k]!.next >= stack[k]!.order.length) k--;
      if (k < 0) return sawPruned ? "done" : "no-preemption-seen";
      stack[k]!.next++;
      stack.length = k + 1;
      replayTo = k;
    }
  }
}

function isPreemption(n: Node, c: Choice): boolean {
  return n.last >= 0 && choiceThread(c) !== n.last;
}

function rank(c: Choice, last: number): number {
  // The last thread first, then by thread, each thread's normal choice before its faulted one.
  return (choiceThread(c) === last ? 0 : 64) + c;
}
