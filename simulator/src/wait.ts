/*
 * Waiting (include/linux/wait.h, sched.h, processor.h): wait_event() sleeps
 * until a condition of simulated state holds, cond_resched() is a scheduling
 * point that may sleep, cpu_relax() is the pause of a busy-wait loop.
 */

import { Op, type OpImpl, opAux, setOpAux } from "./op";

export const WAIT_EVENT: OpImpl = {
  name: "wait_event",
  sleeps: true,
  // Evaluated untracked by the scheduler; the step that performs the wait
  // evaluates it once more with tracking on, so it reads what the condition reads.
  enabled: (op) => (op.arg as () => boolean)() === true,
  perform() {},
  args: (op) => op.arg2,
};

/**
 * Sleep until `condition()` is true (wait_event / rcuwait_wait_event). The
 * condition must be a plain function of simulated state.
 */
export function wait_event(condition: () => boolean, what = "condition"): Op<void> {
  return new Op(WAIT_EVENT, null, condition, what);
}

const SCHED: OpImpl = { name: "cond_resched", sleeps: true, perform() {} };
/** A scheduling point that may sleep (cond_resched / might_sleep). */
export function cond_resched(): Op<void> {
  return new Op(SCHED, null);
}

/*
 * cpu_relax() in a spin loop. A thread that spins re-reads the same state
 * until another thread changes it; running it again before that changes
 * nothing. So, as CHESS's fair scheduler and loom's yield_now() do, a thread
 * that calls cpu_relax() waits until another thread has written one of the
 * locations the thread read since its previous cpu_relax() (the loop's last
 * iteration): the lock word of a failed spin_trylock, the flag it polls.
 * (A write by another thread after the loop's first read of a location,
 * before the cpu_relax(), counts too: some read of the loop saw the old value.)
 * The wait is a blocking op like any other, so the explorers treat it like
 * a lock (see dpor.ts). A loop that no other thread can ever release is a
 * livelock, reported as every thread blocked.
 */
interface RelaxState {
  /** Locations (objectId * SLOTS + slot) the loop read. */
  locs: Set<number>;
  /** Footprint position up to which writes of other threads were scanned. */
  cursor: number;
  changed: boolean;
}

const CPU_RELAX: OpImpl = {
  name: "cpu_relax",
  reached(op, t, ex) {
    // The first read of each location by the loop (its position in the footprints).
    const firstRead = new Map<number, number>();
    const fp = ex.fp;
    const own = new Set(t.spinSteps);
    for (const k of t.spinSteps) {
      const start = ex.stepFpStart[k];
      if (start === undefined) continue;
      const end = k + 1 < ex.stepFpStart.length ? ex.stepFpStart[k + 1]! : fp.length;
      for (let a = start; a < end; a++) if ((fp[a]! & 1) === 0 && !firstRead.has(fp[a]! >>> 1)) firstRead.set(fp[a]! >>> 1, a);
    }
    const locs = new Set(firstRead.keys());
    // A write by another thread after the loop first read that location: some read of the loop may have seen
    // another value than the next iteration will. (Ordered after the read by their conflict, so the same in every
    // equivalent schedule.)
    let changed = locs.size === 0;
    const first = t.spinSteps[0];
    if (!changed && first !== undefined) {
      for (let k = first; k < ex.stepIndex && !changed; k++) {
        if (own.has(k)) continue;
        const start = ex.stepFpStart[k]!;
        const end = k + 1 < ex.stepFpStart.length ? ex.stepFpStart[k + 1]! : fp.length;
        for (let a = start; a < end; a++) {
          const acc = fp[a]!;
          if ((acc & 1) === 1 && a > (firstRead.get(acc >>> 1) ?? Infinity)) {
            changed = true;
            break;
          }
        }
      }
    }
    setOpAux(op, { locs, cursor: fp.length, changed } satisfies RelaxState);
  },
  enabled(op, _t, ex) {
    const st = opAux(op) as RelaxState;
    if (!st.changed) {
      const fp = ex.fp;
      for (let a = st.cursor; a < fp.length; a++) {
        if ((fp[a]! & 1) === 1 && st.locs.has(fp[a]! >>> 1)) {
          st.changed = true;
          break;
        }
      }
      st.cursor = fp.length;
    }
    for (const l of st.locs) ex.touchLoc(l);
    return st.changed;
  },
  perform(_op, t) {
    t.spinSteps.length = 0;
  },
};

/**
 * cpu_relax(): the pause in a busy-wait loop. A scheduling point that lets
 * other threads run; the thread runs again once another thread has changed
 * something its loop read, so a spin loop
 *
 *     while (!(yield* spin_trylock(l))) yield* cpu_relax();
 *
 * is explored like spin_lock(), not as runaway code.
 */
export function cpu_relax(): Op<void> {
  return new Op(CPU_RELAX, null);
}
