/*
 * SV-COMP's verifier primitives, for ported benchmarks and tests:
 * nondeterministic values (both outcomes explored) and assumptions (paths
 * the model excludes).
 */

import { Op, type OpImpl, type Sim } from "./op";
import { WAIT_EVENT } from "./wait";

const NONDET_BOOL: OpImpl = {
  name: "nondet_bool",
  nondet: true,
  perform: (op) => op.fail,
  args: (op) => op.arg,
};

/**
 * A nondeterministic boolean (SV-COMP's __VERIFIER_nondet_bool): a
 * scheduling point whose two outcomes the explorers both explore, like an
 * allocation that may fail. In traces and schedule tokens the `true`
 * outcome is the choice marked "!".
 */
export function nondet_bool(what = "nondet"): Op<boolean> {
  return new Op(NONDET_BOOL, null, what);
}

/** A nondeterministic integer in [lo, hi], made of nondet_bool() choices (one per bit). */
export function* nondet_int(lo: number, hi: number, what = "nondet"): Sim<number> {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new TypeError(`nondet_int(${lo}, ${hi}): an integer range`);
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (yield* nondet_bool(what)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ASSUME: OpImpl = {
  name: "assume",
  excludesPath: true,
  enabled: (op) => op.arg === true,
  perform() {},
  args: (op) => op.arg2,
};

/**
 * assume(condition) (SV-COMP's __VERIFIER_assume): the model excludes the
 * paths where `condition` is false. The thread stops there for good (as if it
 * spun forever in a loop that never exits); the other threads go on, and
 * when none can, the execution ends without a deadlock report. The
 * condition is a value the thread computed: it reads nothing shared.
 */
export function assume(condition: boolean, what = "assume"): Op<void> {
  return new Op(ASSUME, null, condition === true, what);
}

const ASSUME_WAIT: OpImpl = {
  ...WAIT_EVENT,
  name: "assume_wait",
  excludesPath: true,
};

/**
 * assume_wait(condition): wait until `condition()` holds, like wait_event();
 * if it never can (every other thread done or waiting), the path is
 * excluded rather than reported as a deadlock. SV-COMP's atomic blocks
 * that begin with __VERIFIER_assume (a lock built from plain variables).
 */
export function assume_wait(condition: () => boolean, what = "condition"): Op<void> {
  return new Op(ASSUME_WAIT, null, condition, what);
}
