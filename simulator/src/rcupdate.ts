/*
 * RCU (include/linux/rcupdate.h): read-side critical sections, grace
 * periods (synchronize_rcu) and callbacks run after one (call_rcu). A
 * reader's nesting and section number live in its ThreadState; the
 * execution flushes callbacks whose grace period has ended after each step.
 */

import { cur } from "./current";
import { blockedInSoftirq } from "./detectors/deadlock";
import { sleepInSoftirq } from "./detectors/might-sleep";
import { rcuUnlockUnbalanced } from "./detectors/unbalanced";
import type { Execution } from "./execution";
import { type KObject, optName } from "./kobject";
import { AGAIN, grantOp, implOf, Op, type OpImpl, opAux, opSleeps, setOpAux } from "./op";
import { SimUsageError } from "./report";
import { ThreadState } from "./thread";

const RCU_READ_LOCK: OpImpl = {
  name: "rcu_read_lock",
  perform(_op, t, ex) {
    ex.touchThread(t, true);
    if (t.rcuDepth++ === 0) t.rcuSection++;
  },
};
const RCU_READ_UNLOCK: OpImpl = {
  name: "rcu_read_unlock",
  perform(_op, t, ex) {
    ex.touchThread(t, true);
    if (t.rcuDepth === 0) rcuUnlockUnbalanced(ex, t);
    t.rcuDepth--;
  },
};

/** Readers that a grace period starting now must wait for. */
function rcuReaders(ex: Execution, self: ThreadState | null): Array<[ThreadState, number]> {
  const out: Array<[ThreadState, number]> = [];
  for (const r of ex.threads) {
    ex.touchThread(r, false);
    if (r !== self && r.rcuDepth > 0) out.push([r, r.rcuSection]);
  }
  return out;
}

function readersDone(ex: Execution, waitFor: Array<[ThreadState, number]>): boolean {
  let done = true;
  for (const [r, section] of waitFor) {
    ex.touchThread(r, false);
    if (r.rcuDepth > 0 && r.rcuSection === section) done = false;
  }
  return done;
}

const SYNCHRONIZE_RCU: OpImpl = {
  name: "synchronize_rcu",
  phaseNames: ["synchronize_rcu (start grace period)", "synchronize_rcu (readers done)"],
  sleeps: true,
  enabled: (op, _t, ex) => op.phase === 0 || readersDone(ex, opAux(op) as Array<[ThreadState, number]>),
  perform(op, t, ex) {
    if (op.phase === 0) {
      setOpAux(op, rcuReaders(ex, t));
      return AGAIN;
    }
    return undefined;
  },
};

/**
 * Whether the running thread is inside an RCU read-side critical section
 * (lockdep's rcu_read_lock_held()). For test code: reads the scheduler's
 * thread state without a scheduling point or a recorded access.
 */
export function rcu_read_lock_held(): boolean {
  const t = cur().running;
  return t !== null && t !== undefined && t.rcuDepth > 0;
}

/** Enter an RCU read-side critical section: objects found now stay allocated until rcu_read_unlock(). */
export function rcu_read_lock(): Op<void> {
  return new Op(RCU_READ_LOCK, null);
}
export function rcu_read_unlock(): Op<void> {
  return new Op(RCU_READ_UNLOCK, null);
}
/** Wait until every RCU reader that started before the call has left its critical section. Sleeps. */
export function synchronize_rcu(): Op<void> {
  return new Op(SYNCHRONIZE_RCU, null);
}

const CALL_RCU: OpImpl = {
  name: "call_rcu",
  perform(op, t, ex) {
    const obj = op.obj;
    const fn = op.arg as (o: KObject | null) => Iterable<unknown>;
    const waitFor = rcuReaders(ex, t);
    ex.rcuCallbacks.push({
      waitFor,
      label: `call_rcu callback for ${optName(obj) ?? "?"}`,
      run: () => runAtomically(ex, fn(obj), "an RCU callback"),
    });
    if (obj) ex.note(obj, "call_rcu");
  },
  args: (op) => optName(op.obj),
};

/**
 * Queue `callback(obj)` to run after a grace period: once every RCU reader
 * that could have found `obj` has left its critical section. The callback
 * runs in softirq context: it must not sleep.
 */
export function call_rcu<T extends KObject>(obj: T, callback: (obj: T) => Iterable<unknown>): Op<void> {
  return new Op(CALL_RCU, obj, callback);
}

/** Drive a generator to completion inside the current step, with no scheduling point (RCU callbacks). */
export function runAtomically(ex: Execution, body: Iterable<unknown>, where: string): void {
  const saved = ex.running;
  const savedTracking = ex.tracking;
  const rcu = rcuThread(ex);
  ex.running = rcu;
  ex.tracking = true;
  try {
    const it = body[Symbol.iterator]();
    for (let r = it.next(); !r.done; r = it.next()) {
      const op = r.value;
      if (!Op.isOp(op)) throw new SimUsageError(`${where} yielded something that is not a primitive`);
      if (opSleeps(op)) sleepInSoftirq(ex, implOf(op).name, where);
      if (implOf(op).enabled && !implOf(op).enabled!(op, rcu, ex)) blockedInSoftirq(ex, op, where);
      rcu.pending = op;
      ex.direct = op;
      grantOp(op);
    }
  } finally {
    ex.direct = null;
    rcu.pending = null;
    ex.running = saved;
    ex.tracking = savedTracking;
  }
}

function rcuThread(ex: Execution): ThreadState {
  let t = ex.modules.get("rcu-thread") as ThreadState | undefined;
  if (!t) {
    t = new ThreadState("rcu_callback", -1, ex.newObjectId(), () => []);
    ex.modules.set("rcu-thread", t);
  }
  return t;
}
