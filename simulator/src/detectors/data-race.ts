/*
 * KCSAN: the kernel's data-race detector, done exactly on the explored schedules.
 * The code between two primitives runs as one step, so a plain read and a
 * plain write of a shared field that no lock orders can sit in one step and
 * never be interleaved by the explorer; they are still a race. Following the
 * Linux-kernel memory model as KCSAN checks it:
 *
 *  - Accesses made by a primitive (a lock's word, an atomic's counter, a
 *    list's pointers, READ_ONCE/WRITE_ONCE, a wait's condition) are marked;
 *    field reads and writes in the learner's code between primitives are
 *    plain.
 *  - Happens-before is program order plus synchronisation: every write
 *    (release) is seen by a later marked read or write of the same location
 *    (acquire). Vector clocks per thread; each write ends an epoch.
 *  - A data race is a plain read of a field and a write of it by another
 *    thread, neither happening before the other. As with the kernel's
 *    default CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC, a plain write racing
 *    only with marked reads or other writes is not reported.
 *
 * Intended lockless reads are marked: READ_ONCE(obj, "field") (a scheduling
 * point of its own), or data_race(() => expr) for a read whose race is
 * harmless (a statistic, a hint re-checked under the lock).
 */

import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import { type KObject, nameOf } from "../kobject";
import type { SourceLocation } from "../report";
import type { ThreadState } from "../thread";

const MAXT = 16;

interface PlainLoc {
  /** Last write: thread index, epoch, step, where (traced runs). */
  wT: number;
  wE: number;
  wStep: number;
  wLoc: SourceLocation | undefined;
  wFn: string;
  /** Epoch of each thread's last plain read since that write (0: none), and its step and place. */
  rE: Int32Array;
  rStep: Int32Array;
  rLoc: Array<SourceLocation | undefined> | null;
  rFn: string[] | null;
}

export class Kcsan {
  private readonly vc: Int32Array[] = [];
  private readonly syncClock = new Map<number, Int32Array>();
  private readonly locs = new Map<number, PlainLoc>();
  /** data_race() nesting: reads inside are not checked. */
  quiet = 0;

  private clock(t: number): Int32Array {
    let c = this.vc[t];
    if (c === undefined) {
      c = new Int32Array(MAXT);
      this.vc[t] = c;
    }
    return c;
  }

  beginStep(t: ThreadState): void {
    if (t.index < 0 || t.serial) return;
    const c = this.clock(t.index);
    if (c[t.index] === 0) {
      // A thread made by kthread_run starts where its creator was.
      const p = t.createdBy;
      if (p !== null && p.index >= 0) c.set(this.clock(p.index));
    }
    c[t.index]!++;
  }

  private release(t: number, loc: number): void {
    const c = this.clock(t);
    let s = this.syncClock.get(loc);
    if (s === undefined) this.syncClock.set(loc, (s = new Int32Array(MAXT)));
    for (let i = 0; i < MAXT; i++) if (c[i]! > s[i]!) s[i] = c[i]!;
    c[t]!++;
  }

  private acquire(t: number, loc: number): void {
    const s = this.syncClock.get(loc);
    if (s === undefined) return;
    const c = this.clock(t);
    for (let i = 0; i < MAXT; i++) if (s[i]! > c[i]!) c[i] = s[i]!;
  }

  /** A primitive's access to a location that is not a field (a lock word, a thread's state). */
  sync(ex: Execution, loc: number, write: boolean): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    this.acquire(t.index, loc);
    if (write) this.release(t.index, loc);
  }

  /** A marked access of a field: synchronises, and a marked write still races with plain reads. */
  marked(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    this.acquire(t.index, loc);
    if (write) {
      this.checkReads(ex, t, loc, obj, field, true);
      this.noteWrite(ex, t, loc);
      this.release(t.index, loc);
    }
  }

  plain(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void {
    const t = ex.running;
    if (t === null || t.index < 0 || t.serial) return;
    const c = this.clock(t.index);
    if (write) {
      this.checkReads(ex, t, loc, obj, field, false);
      this.noteWrite(ex, t, loc);
      // A plain write also publishes (assumed atomic): a later marked read is ordered after it.
      this.release(t.index, loc);
      return;
    }
    if (this.quiet > 0) return;
    let st = this.locs.get(loc);
    if (st !== undefined && st.wT >= 0 && st.wT !== t.index && st.wE > c[st.wT]!) {
      this.report(ex, obj, field, { t: st.wT, step: st.wStep, write: true, loc: st.wLoc, fn: st.wFn, marked: false }, {
        t: t.index,
        step: ex.stepIndex,
        write: false,
        loc: ex.tracing ? ex.locate() : undefined,
        fn: ex.tracing ? ex.userFunction() : "",
        marked: false,
      });
    }
    if (st === undefined) this.locs.set(loc, (st = newPlainLoc()));
    st.rE[t.index] = c[t.index]!;
    st.rStep[t.index] = ex.stepIndex;
    if (ex.tracing) {
      (st.rLoc ??= [])[t.index] = ex.locate();
      (st.rFn ??= [])[t.index] = ex.userFunction();
    }
  }

  private noteWrite(ex: Execution, t: ThreadState, loc: number): void {
    let st = this.locs.get(loc);
    if (st === undefined) this.locs.set(loc, (st = newPlainLoc()));
    st.wT = t.index;
    st.wE = this.clock(t.index)[t.index]!;
    st.wStep = ex.stepIndex;
    st.wLoc = ex.tracing ? ex.locate() : undefined;
    st.wFn = ex.tracing ? ex.userFunction() : "";
    st.rE.fill(0);
  }

  private checkReads(ex: Execution, t: ThreadState, loc: number, obj: KObject, field: string, marked: boolean): void {
    const st = this.locs.get(loc);
    if (st === undefined) return;
    const c = this.clock(t.index);
    for (let u = 0; u < MAXT; u++) {
      if (u === t.index) continue;
      const e = st.rE[u]!;
      if (e > 0 && e > c[u]!) {
        this.report(
          ex,
          obj,
          field,
          { t: u, step: st.rStep[u]!, write: false, loc: st.rLoc?.[u], fn: st.rFn?.[u] ?? "", marked: false },
          { t: t.index, step: ex.stepIndex, write: true, loc: ex.tracing ? ex.locate() : undefined, fn: ex.tracing ? ex.userFunction() : "", marked },
        );
      }
    }
  }

  private report(
    ex: Execution,
    obj: KObject,
    field: string,
    first: { t: number; step: number; write: boolean; loc: SourceLocation | undefined; fn: string; marked: boolean },
    second: { t: number; step: number; write: boolean; loc: SourceLocation | undefined; fn: string; marked: boolean },
  ): never {
    const name = (i: number) => ex.threads[i]?.name ?? `#${i}`;
    const what = `${obj.container() === obj ? nameOf(obj) : nameOf(obj)}.${field}`;
    const line = (a: typeof first) =>
      `${a.write ? "write" : "read"}${a.marked ? " (marked)" : ""} to ${what} by task ${name(a.t)} at step ${a.step}${fmtLoc(a.loc)}` +
      (a.fn ? ` in ${a.fn}` : "");
    const fns = [first.fn || "?", second.fn || "?"].join(" / ");
    const plainRead = first.write ? second : first;
    return ex.fail(
      "data-race",
      `BUG: KCSAN: data-race in ${ex.tracing ? fns : what}`,
      `${line(second)}:\n\n${line(first)}:\n\n` +
        `${name(plainRead.t)} reads ${what} with a plain access while ${name(first.write ? first.t : second.t)} writes it, and nothing ` +
        "orders the two (no lock held by both, no atomic or wait between them). Another interleaving lets the read " +
        "see a value that is about to change: a check made on it no longer holds when the code acts on it.\n" +
        "Hold the lock that protects the field around both the read and what depends on it. If the lockless read " +
        "is intended (a fast-path check that is repeated under the lock), mark it: READ_ONCE(obj, \"field\"), or " +
        "data_race(() => ...) when any value read is harmless.",
      {
        object: obj.id,
        field,
        first: { thread: name(first.t), step: first.step, write: first.write },
        second: { thread: name(second.t), step: second.step, write: second.write },
      },
      second.loc,
    );
  }
}

function newPlainLoc(): PlainLoc {
  return { wT: -1, wE: 0, wStep: -1, wLoc: undefined, wFn: "", rE: new Int32Array(MAXT), rStep: new Int32Array(MAXT), rLoc: null, rFn: null };
}
