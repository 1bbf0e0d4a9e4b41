/*
 * Kernel primitives, each a scheduling point.
 *
 * Lock ordering and context rules are checked as the kernel's debugging
 * options would: lockdep (order inversions across every explored schedule,
 * recursive locking, bad unlocks), might_sleep (sleeping with a spinlock held
 * or inside rcu_read_lock), refcount_t's saturation and underflow warnings,
 * KASAN (accesses to freed objects; see runtime.ts) and kmemleak (leaks at the
 * end of a scenario; see scenario.ts).
 *
 * Every primitive returns an Op that learner code drives with `yield*`:
 *
 *     yield* down_read(anon_vma.root.rwsem);
 *     const ok = yield* atomic_inc_not_zero(anon_vma.refcount);
 */

import {
  AGAIN,
  cur,
  type Execution,
  fmtLoc,
  type HeldLock,
  KObject,
  Op,
  type OpImpl,
  THREAD_CREATED,
  THREAD_EXITED,
  ThreadState,
  type ThreadHandle,
  trackFields,
} from "./runtime";
import { F, M, markFreed } from "./runtime";
import { SimUsageError } from "./report";

/** What learner functions built from primitives return: drive them with `yield*`. */
export type Sim<T = void> = Generator<Op, T, unknown>;

/* ======================================================================== */
/* Locks                                                                     */
/* ======================================================================== */

export interface LockLike extends KObject {
  readonly lockClass: string;
  readonly spins: boolean;
}

abstract class LockBase extends KObject implements LockLike {
  abstract readonly spins: boolean;
  /**
   * @param lockClass lockdep's class key: every lock initialised at the same place shares it
   *                  ("&anon_vma->rwsem", "&mm->page_table_lock").
   */
  constructor(readonly lockClass: string, label?: string) {
    super(label);
  }
}

export class Spinlock extends LockBase {
  get type(): string {
    return "spinlock_t";
  }
  readonly spins = true;
  declare owner: ThreadHandle | null;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    F(this)[1] = null;
  }
  override describe(): Record<string, unknown> {
    return { owner: (F(this)[1] as ThreadHandle | null)?.name ?? null };
  }
}
trackFields(Spinlock, ["owner"]);

export class Mutex extends LockBase {
  get type(): string {
    return "struct mutex";
  }
  readonly spins = false;
  declare owner: ThreadHandle | null;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    F(this)[1] = null;
  }
  override describe(): Record<string, unknown> {
    return { owner: (F(this)[1] as ThreadHandle | null)?.name ?? null };
  }
}
trackFields(Mutex, ["owner"]);

export class RwSemaphore extends LockBase {
  get type(): string {
    return "struct rw_semaphore";
  }
  readonly spins = false;
  declare writer: ThreadHandle | null;
  declare readers: number;
  constructor(lockClass: string, label?: string) {
    super(lockClass, label);
    F(this)[1] = null;
    F(this)[2] = 0;
  }
  override describe(): Record<string, unknown> {
    return { writer: (F(this)[1] as ThreadHandle | null)?.name ?? null, readers: F(this)[2] };
  }
}
trackFields(RwSemaphore, ["writer", "readers"]);

/** lockdep: called when a thread reaches a lock acquisition, before it blocks. */
/** The lockdep class of a lock taken with a subclass: "&mm->page_table_lock/1". */
function classKey(lockClass: string, subclass: number): string {
  return subclass === 0 ? lockClass : `${lockClass}/${subclass}`;
}

function lockdepAcquire(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", opName: string, subclass = 0): void {
  for (const h of t.held) {
    if (h.lock === lock || (h.lock.lockClass === lock.lockClass && h.subclass === subclass)) {
      const same = h.lock === lock;
      ex.fail(
        "recursive-locking",
        "WARNING: possible recursive locking detected",
        `${t.name} is trying to acquire lock:\n (${lock.lockClass}) ${lock.name}, in ${opName}${fmtLoc(ex.tracing ? ex.locate() : undefined)}\n\n` +
          `but task is already holding lock:\n (${h.lock.lockClass}) ${h.lock.name}, taken at step ${h.step}${fmtLoc(h.loc)}\n\n` +
          (same
            ? " Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(" + lock.lockClass + ");\n  lock(" + lock.lockClass + ");\n\n *** DEADLOCK ***\n\n" +
              (h.mode === "read" && mode === "read"
                ? "Taking a read lock twice deadlocks as soon as a writer queues between the two acquisitions."
                : "A lock that is already held by this thread can never be acquired again.")
            : "Two locks of the same class are nested without an annotation that orders them."),
        { lock: lock.name, class: lock.lockClass, held: h.lock.name },
      );
    }
    addLockEdge(ex, t, h, lock, subclass);
  }
}

function addLockEdge(ex: Execution, t: ThreadState, held: HeldLock, lock: LockLike, subclass: number): void {
  const from = classKey(held.lock.lockClass, held.subclass);
  const to = classKey(lock.lockClass, subclass);
  const key = `${from}\u0000${to}`;
  ex.localEdges.add(key);
  const g = ex.opts.shared.lockGraph;
  let out = g.get(from);
  if (out === undefined) g.set(from, (out = new Map()));
  if (out.has(to)) return;
  const loc = ex.tracing ? ex.locate() : undefined;
  // A new dependency from -> to: is there already a path to -> ... -> from?
  const path = findPath(g, to, from);
  out.set(to, {
    from,
    to,
    thread: t.name,
    step: ex.stepIndex,
    execution: ex.opts.executionIndex,
    loc,
    heldLoc: held.loc,
  });
  ex.opts.shared.edgeTokens.set(ex.opts.executionIndex, "");
  if (path === null) return;
  const chain = path
    .map(
      (e, i) =>
        `-> #${i} (${e.from} -> ${e.to}): taken by ${e.thread} at step ${e.step}` +
        (e.execution !== ex.opts.executionIndex ? ` in another schedule (#${e.execution})` : "") +
        fmtLoc(e.loc),
    )
    .join("\n");
  const a = from;
  const b = to;
  ex.fail(
    "lock-inversion",
    "WARNING: possible circular locking dependency detected",
    `${t.name} is trying to acquire lock:\n (${b}) ${lock.name}${fmtLoc(loc)}\n\n` +
      `but task is already holding lock:\n (${a}) ${held.lock.name}${fmtLoc(held.loc)}\n\n` +
      `which lock already depends on the new lock.\n\nthe existing dependency chain is:\n${chain}\n\n` +
      ` Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n       ----                    ----\n` +
      `  lock(${a});\n                               lock(${b});\n                               lock(${a});\n  lock(${b});\n\n *** DEADLOCK ***\n` +
      (path.some((e) => e.execution !== ex.opts.executionIndex)
        ? "\nNo deadlock happened in this schedule: the opposite order was seen in another one. lockdep reports the possibility."
        : ""),
    {
      cycle: [...path.map((e) => e.from), a],
      executions: [...new Set(path.map((e) => e.execution))].filter((e) => e !== ex.opts.executionIndex),
    },
    loc,
  );
}

function findPath(
  g: Map<string, Map<string, import("./runtime").LockEdge>>,
  from: string,
  to: string,
): Array<import("./runtime").LockEdge> | null {
  const seen = new Set<string>([from]);
  const stack: Array<{ node: string; path: Array<import("./runtime").LockEdge> }> = [{ node: from, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    const out = g.get(node);
    if (!out) continue;
    for (const [next, edge] of out) {
      const p = [...path, edge];
      if (next === to) return p;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push({ node: next, path: p });
      }
    }
  }
  return null;
}

function pushHeld(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", op: Op): void {
  t.held.push({ lock, mode, subclass: typeof op.arg === "number" ? op.arg : 0, step: ex.stepIndex, loc: op.loc });
}

function popHeld(ex: Execution, t: ThreadState, lock: LockLike, mode: "excl" | "read", opName: string): void {
  for (let i = t.held.length - 1; i >= 0; i--) {
    const h = t.held[i]!;
    if (h.lock === lock) {
      if (h.mode !== mode) {
        ex.fail(
          "bad-unlock",
          "WARNING: bad unlock balance detected!",
          `${t.name} is trying to release lock (${lock.lockClass}) ${lock.name} with ${opName}, but it holds it ` +
            `${h.mode === "read" ? "for reading (use up_read)" : "for writing (use up_write)"}.`,
          { lock: lock.name },
        );
      }
      t.held.splice(i, 1);
      return;
    }
  }
  ex.fail(
    "bad-unlock",
    "WARNING: bad unlock balance detected!",
    `${t.name} is trying to release lock (${lock.lockClass}) ${lock.name} in ${opName}\n` +
      "but there are no more locks to release!\n\n" +
      (t.held.length
        ? `other info that might help us debug this:\n${t.held.length} lock(s) held by ${t.name}: ${t.held.map((h) => h.lock.name).join(", ")}`
        : `no locks held by ${t.name}.`),
    { lock: lock.name },
  );
}

function lockArgs(op: Op): unknown {
  return op.obj ? (op.obj as LockLike).lockClass : undefined;
}

const SPIN_LOCK: OpImpl = {
  name: "spin_lock",
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "spin_lock", (op.arg as number | undefined) ?? 0),
  enabled: (op) => (op.obj as Spinlock).owner === null,
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    l.owner = t.handle;
    pushHeld(ex, t, l, "excl", op);
  },
  args: lockArgs,
};

const SPIN_TRYLOCK: OpImpl = {
  name: "spin_trylock",
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    if (l.owner !== null) return false;
    l.owner = t.handle;
    pushHeld(ex, t, l, "excl", op);
    return true;
  },
  args: lockArgs,
};

const SPIN_UNLOCK: OpImpl = {
  name: "spin_unlock",
  perform(op, t, ex) {
    const l = op.obj as Spinlock;
    popHeld(ex, t, l, "excl", "spin_unlock");
    l.owner = null;
  },
  args: lockArgs,
};

/** Acquire a spinlock. The holder must not sleep until spin_unlock(). */
export function spin_lock(lock: Spinlock): Op<void> {
  return new Op(SPIN_LOCK, checkLock(lock, Spinlock, "spin_lock"));
}
/** SINGLE_DEPTH_NESTING: the subclass for a second lock of the same class. */
export const SINGLE_DEPTH_NESTING = 1;

/**
 * spin_lock_nested(): acquire a spinlock of a class already held, telling
 * lockdep the nesting is intended (copy_pte_range takes the child's and the
 * parent's page-table locks, both of one class).
 */
export function spin_lock_nested(lock: Spinlock, subclass: number): Op<void> {
  return new Op(SPIN_LOCK, checkLock(lock, Spinlock, "spin_lock_nested"), subclass);
}
/** Try to acquire a spinlock without waiting; true if taken. */
export function spin_trylock(lock: Spinlock): Op<boolean> {
  return new Op(SPIN_TRYLOCK, checkLock(lock, Spinlock, "spin_trylock"));
}
export function spin_unlock(lock: Spinlock): Op<void> {
  return new Op(SPIN_UNLOCK, checkLock(lock, Spinlock, "spin_unlock"));
}

const MUTEX_LOCK: OpImpl = {
  name: "mutex_lock",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "mutex_lock"),
  enabled: (op) => (op.obj as Mutex).owner === null,
  perform(op, t, ex) {
    (op.obj as Mutex).owner = t.handle;
    pushHeld(ex, t, op.obj as Mutex, "excl", op);
  },
  args: lockArgs,
};
const MUTEX_UNLOCK: OpImpl = {
  name: "mutex_unlock",
  perform(op, t, ex) {
    popHeld(ex, t, op.obj as Mutex, "excl", "mutex_unlock");
    (op.obj as Mutex).owner = null;
  },
  args: lockArgs,
};
export function mutex_lock(lock: Mutex): Op<void> {
  return new Op(MUTEX_LOCK, checkLock(lock, Mutex, "mutex_lock"));
}
export function mutex_unlock(lock: Mutex): Op<void> {
  return new Op(MUTEX_UNLOCK, checkLock(lock, Mutex, "mutex_unlock"));
}

const DOWN_READ: OpImpl = {
  name: "down_read",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "read", "down_read"),
  enabled: (op) => (op.obj as RwSemaphore).writer === null,
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    s.readers = s.readers + 1;
    pushHeld(ex, t, s, "read", op);
  },
  args: lockArgs,
};
const DOWN_READ_TRYLOCK: OpImpl = {
  name: "down_read_trylock",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    if (s.writer !== null) return false;
    s.readers = s.readers + 1;
    pushHeld(ex, t, s, "read", op);
    return true;
  },
  args: lockArgs,
};
const UP_READ: OpImpl = {
  name: "up_read",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    popHeld(ex, t, s, "read", "up_read");
    s.readers = s.readers - 1;
  },
  args: lockArgs,
};
const DOWN_WRITE: OpImpl = {
  name: "down_write",
  sleeps: true,
  reached: (op, t, ex) => lockdepAcquire(ex, t, op.obj as LockLike, "excl", "down_write", (op.arg as number | undefined) ?? 0),
  enabled: (op) => (op.obj as RwSemaphore).writer === null && (op.obj as RwSemaphore).readers === 0,
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    s.writer = t.handle;
    pushHeld(ex, t, s, "excl", op);
  },
  args: lockArgs,
};
const DOWN_WRITE_TRYLOCK: OpImpl = {
  name: "down_write_trylock",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    if (s.writer !== null || s.readers !== 0) return false;
    s.writer = t.handle;
    pushHeld(ex, t, s, "excl", op);
    return true;
  },
  args: lockArgs,
};
const UP_WRITE: OpImpl = {
  name: "up_write",
  perform(op, t, ex) {
    const s = op.obj as RwSemaphore;
    popHeld(ex, t, s, "excl", "up_write");
    s.writer = null;
  },
  args: lockArgs,
};
export function down_read(sem: RwSemaphore): Op<void> {
  return new Op(DOWN_READ, checkLock(sem, RwSemaphore, "down_read"));
}
export function down_read_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(DOWN_READ_TRYLOCK, checkLock(sem, RwSemaphore, "down_read_trylock"));
}
export function up_read(sem: RwSemaphore): Op<void> {
  return new Op(UP_READ, checkLock(sem, RwSemaphore, "up_read"));
}
export function down_write(sem: RwSemaphore): Op<void> {
  return new Op(DOWN_WRITE, checkLock(sem, RwSemaphore, "down_write"));
}
/** down_write_nested(): a second rw_semaphore of one class, nesting annotated for lockdep. */
export function down_write_nested(sem: RwSemaphore, subclass: number): Op<void> {
  return new Op(DOWN_WRITE, checkLock(sem, RwSemaphore, "down_write_nested"), subclass);
}
export function down_write_trylock(sem: RwSemaphore): Op<boolean> {
  return new Op(DOWN_WRITE_TRYLOCK, checkLock(sem, RwSemaphore, "down_write_trylock"));
}
export function up_write(sem: RwSemaphore): Op<void> {
  return new Op(UP_WRITE, checkLock(sem, RwSemaphore, "up_write"));
}

function checkLock<T>(lock: unknown, cls: abstract new (...a: never[]) => T, fn: string): T & KObject {
  if (!(lock instanceof cls)) {
    throw new TypeError(`${fn}() expects a ${cls.name}, got ${lock === null ? "null" : typeof lock === "object" ? (lock as object).constructor?.name ?? "object" : typeof lock}`);
  }
  return lock as T & KObject;
}

/** lockdep_assert_held(): the running thread must hold `lock` (for writing, with `write`). */
export function lockdep_assert_held(lock: LockLike, mode: "any" | "write" = "any"): void {
  const ex = cur();
  const t = ex.running;
  if (t === null) return;
  const h = t.holds(lock);
  if (h !== undefined && (mode === "any" || h.mode === "excl")) return;
  ex.fail(
    "lock-not-held",
    `WARNING: lockdep_assert_held${mode === "write" ? "_write" : ""}(${lock.lockClass}) failed`,
    `${t.name} must hold ${lock.name}${mode === "write" ? " for writing" : ""} here` +
      (h ? ", but holds it only for reading." : ", but does not hold it.") +
      (t.held.length ? `\nLocks held: ${t.held.map((x) => x.lock.name).join(", ")}` : "\nNo locks held."),
    { lock: lock.name, mode },
  );
}

/* ======================================================================== */
/* atomic_t and refcount_t                                                    */
/* ======================================================================== */

export const INT_MAX = 0x7fffffff;
export const INT_MIN = -0x80000000;
/** refcount_t's saturation value (INT_MIN / 2): a saturated count never reaches zero again. */
export const REFCOUNT_SATURATED = INT_MIN / 2;

export class Atomic extends KObject {
  get type(): string {
    return "atomic_t";
  }
  declare counter: number;
  constructor(value = 0, label?: string) {
    super(label);
    F(this)[1] = value;
  }
  override describe(): Record<string, unknown> {
    return { counter: F(this)[1] };
  }
}
trackFields(Atomic, ["counter"]);

export class Refcount extends KObject {
  get type(): string {
    return "refcount_t";
  }
  declare refs: number;
  constructor(value = 1, label?: string) {
    super(label);
    F(this)[1] = value;
  }
  override describe(): Record<string, unknown> {
    return { refs: F(this)[1] };
  }
}
trackFields(Refcount, ["refs"]);

function atomicOp<R>(name: string, f: (a: Atomic, arg: number, arg2: number, ex: Execution) => R): (a: Atomic, arg?: number, arg2?: number) => Op<R> {
  const impl: OpImpl = {
    name,
    perform(op, _t, ex) {
      const a = op.obj as Atomic;
      const r = f(a, op.arg as number, op.arg2 as number, ex);
      if (ex.tracing) ex.note(a.container(), `${name}(${a.name}) -> ${F(a)[1]}`);
      return r;
    },
    args: (op) => (op.arg === undefined ? undefined : op.arg2 === undefined ? op.arg : [op.arg, op.arg2]),
  };
  return (a, arg, arg2) => {
    if (!(a instanceof Atomic)) throw new TypeError(`${name}() expects an atomic_t`);
    return new Op<R>(impl, a, arg, arg2);
  };
}

export const atomic_read = atomicOp("atomic_read", (a) => a.counter);
export const atomic_set: (a: Atomic, v: number) => Op<void> = atomicOp("atomic_set", (a, v) => {
  a.counter = v;
});
export const atomic_inc: (a: Atomic) => Op<void> = atomicOp("atomic_inc", (a) => {
  a.counter = (a.counter + 1) | 0;
});
export const atomic_dec: (a: Atomic) => Op<void> = atomicOp("atomic_dec", (a) => {
  a.counter = (a.counter - 1) | 0;
});
export const atomic_add: (a: Atomic, n: number) => Op<void> = atomicOp("atomic_add", (a, n) => {
  a.counter = (a.counter + n) | 0;
});
export const atomic_sub: (a: Atomic, n: number) => Op<void> = atomicOp("atomic_sub", (a, n) => {
  a.counter = (a.counter - n) | 0;
});
export const atomic_inc_return: (a: Atomic) => Op<number> = atomicOp("atomic_inc_return", (a) => (a.counter = (a.counter + 1) | 0));
export const atomic_dec_return: (a: Atomic) => Op<number> = atomicOp("atomic_dec_return", (a) => (a.counter = (a.counter - 1) | 0));
/** Decrement; true if the result is zero. */
export const atomic_dec_and_test: (a: Atomic) => Op<boolean> = atomicOp("atomic_dec_and_test", (a) => (a.counter = (a.counter - 1) | 0) === 0);
/** Increment unless the count is zero; true if incremented. Under RCU this is what keeps a dying object dead. */
export const atomic_inc_not_zero: (a: Atomic) => Op<boolean> = atomicOp("atomic_inc_not_zero", (a) => {
  const v = a.counter;
  if (v === 0) return false;
  a.counter = (v + 1) | 0;
  return true;
});
/** Add `n` unless the count equals `u`; true if added. */
export const atomic_add_unless: (a: Atomic, n: number, u: number) => Op<boolean> = atomicOp("atomic_add_unless", (a, n, u) => {
  const v = a.counter;
  if (v === u) return false;
  a.counter = (v + n) | 0;
  return true;
});
/** Compare and exchange; returns the old value. */
export const atomic_cmpxchg: (a: Atomic, old: number, nu: number) => Op<number> = atomicOp("atomic_cmpxchg", (a, old, nu) => {
  const v = a.counter;
  if (v === old) a.counter = nu;
  return v;
});

function refcountWarn(ex: Execution, r: Refcount, headline: string, explain: string): never {
  ex.fail("refcount", `refcount_t: ${headline}`, `WARNING: lib/refcount.c: refcount_t: ${headline}\n${r.name}: ${explain}`, {
    refcount: r.name,
    object: r.container().name,
  });
}

function refOp<R>(name: string, f: (r: Refcount, arg: number, ex: Execution) => R): (r: Refcount, arg?: number) => Op<R> {
  const impl: OpImpl = {
    name,
    perform(op, _t, ex) {
      const r = op.obj as Refcount;
      const res = f(r, op.arg as number, ex);
      if (ex.tracing) ex.note(r.container(), `${name}(${r.name}${op.arg !== undefined ? `, ${op.arg}` : ""}) -> ${F(r)[1]}`);
      return res;
    },
    args: (op) => op.arg,
  };
  return (r, arg) => {
    if (!(r instanceof Refcount)) throw new TypeError(`${name}() expects a refcount_t`);
    return new Op<R>(impl, r, arg);
  };
}

function refAdd(ex: Execution, r: Refcount, n: number): void {
  const old = r.refs;
  if (old === 0) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "addition on 0; use-after-free.", "the count was already zero: the object is being freed, and taking a reference resurrects it. Use refcount_inc_not_zero() where the count may have dropped to zero.");
  }
  if (old < 0 || old + n > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED: the object will never be freed.");
  }
  r.refs = old + n;
}

function refSubAndTest(ex: Execution, r: Refcount, n: number): boolean {
  const old = r.refs;
  if (old < 0) {
    refcountWarn(ex, r, "saturated; leaking memory.", "the count was saturated; it stays pinned.");
  }
  const nu = old - n;
  if (nu < 0) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "underflow; use-after-free.", `the count was ${old} and ${n} reference${n > 1 ? "s were" : " was"} dropped: a reference was put twice, or put without being taken.`);
  }
  r.refs = nu;
  return nu === 0;
}

export const refcount_read = refOp("refcount_read", (r) => r.refs);
export const refcount_set: (r: Refcount, n: number) => Op<void> = refOp("refcount_set", (r, n) => {
  r.refs = n;
});
/** Take a reference. The count must not be zero (use refcount_inc_not_zero for lookups). */
export const refcount_inc: (r: Refcount) => Op<void> = refOp("refcount_inc", (r, _n, ex) => refAdd(ex, r, 1));
export const refcount_add: (r: Refcount, n: number) => Op<void> = refOp("refcount_add", (r, n, ex) => refAdd(ex, r, n));
/** Take a reference unless the count is zero; true if taken. */
export const refcount_inc_not_zero: (r: Refcount) => Op<boolean> = refOp("refcount_inc_not_zero", (r, _n, ex) => {
  const old = r.refs;
  if (old === 0) return false;
  if (old < 0 || old + 1 > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED.");
  }
  r.refs = old + 1;
  return true;
});
export const refcount_add_not_zero: (r: Refcount, n: number) => Op<boolean> = refOp("refcount_add_not_zero", (r, n, ex) => {
  const old = r.refs;
  if (old === 0) return false;
  if (old < 0 || old + n > INT_MAX) {
    r.refs = REFCOUNT_SATURATED;
    refcountWarn(ex, r, "saturated; leaking memory.", "the count overflowed and was pinned at REFCOUNT_SATURATED.");
  }
  r.refs = old + n;
  return true;
});
/**
 * Take a reference unless the count is zero or the result would exceed
 * `limit`; true if taken. (The per-VMA lock's reader limit.)
 */
export const refcount_inc_not_zero_limited: (r: Refcount, limit: number) => Op<boolean> = refOp(
  "__refcount_inc_not_zero_limited",
  (r, limit) => {
    const old = r.refs;
    if (old === 0 || old + 1 > limit) return false;
    r.refs = old + 1;
    return true;
  },
);
/** Drop a reference that is not the last one (warns if it was). */
export const refcount_dec: (r: Refcount) => Op<void> = refOp("refcount_dec", (r, _n, ex) => {
  if (refSubAndTest(ex, r, 1)) {
    refcountWarn(ex, r, "decrement hit 0; leaking memory.", "refcount_dec() dropped the last reference, so nobody frees the object: use refcount_dec_and_test().");
  }
});
/** Drop a reference; true if it was the last one (the caller frees). */
export const refcount_dec_and_test: (r: Refcount) => Op<boolean> = refOp("refcount_dec_and_test", (r, _n, ex) => refSubAndTest(ex, r, 1));
export const refcount_sub_and_test: (r: Refcount, n: number) => Op<boolean> = refOp("refcount_sub_and_test", (r, n, ex) => refSubAndTest(ex, r, n));

/* ======================================================================== */
/* RCU                                                                        */
/* ======================================================================== */

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
    if (t.rcuDepth === 0) {
      ex.fail("unbalanced", "WARNING: rcu_read_unlock() without rcu_read_lock()", `${t.name} called rcu_read_unlock() outside any RCU read-side critical section.`);
    }
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
  enabled: (op, _t, ex) => op.phase === 0 || readersDone(ex, op.aux as Array<[ThreadState, number]>),
  perform(op, t, ex) {
    if (op.phase === 0) {
      op.aux = rcuReaders(ex, t);
      return AGAIN;
    }
    return undefined;
  },
};

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
      label: `call_rcu callback for ${obj?.name ?? "?"}`,
      run: () => runAtomically(ex, fn(obj), "an RCU callback"),
    });
    if (obj) ex.note(obj, "call_rcu");
  },
  args: (op) => op.obj?.name,
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
      const s = op.impl.sleeps;
      if (s === true || (typeof s === "function" && s(op))) {
        ex.fail("sleep-in-atomic", `BUG: sleeping function called from invalid context at ${op.impl.name}`, `${op.impl.name}() may sleep, but ${where} runs in softirq context and must not sleep.`);
      }
      if (op.impl.enabled && !op.impl.enabled(op, rcu, ex)) {
        ex.fail("deadlock", `deadlock: ${where} would wait in ${op.impl.name}`, `${where} cannot wait for ${op.obj?.name ?? "anything"}: it runs in softirq context.`);
      }
      rcu.pending = op;
      ex.direct = op;
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

/* ======================================================================== */
/* Slab caches                                                                */
/* ======================================================================== */

export interface CacheFlags {
  /** SLAB_TYPESAFE_BY_RCU: a freed object may be reused at once for a new object of the same type; its memory is not returned while RCU readers may look at it. */
  typesafe: boolean;
}

/** A kmem cache, named as in the kernel. The per-execution state is created on first use. */
export class KmemCache<T extends KObject> {
  constructor(
    readonly name: string,
    readonly create: () => T,
    readonly flags: CacheFlags = { typesafe: false },
  ) {
    // Shared by every execution: code under test must not swap the constructor or the flags.
    Object.freeze(flags);
    Object.freeze(this);
  }
}

export interface CacheState {
  name: string;
  typesafe: boolean;
  live: Set<KObject>;
  freelist: KObject[];
  allocs: number;
  frees: number;
}

/** Per-scenario overrides of cache flags, installed by the scenario runner. */
export function cacheState(ex: Execution, cache: KmemCache<KObject>): CacheState {
  let s = ex.caches.get(cache.name) as CacheState | undefined;
  if (s === undefined) {
    const override = (ex.modules.get("cache-flags") as Record<string, Partial<CacheFlags>> | undefined)?.[cache.name];
    s = {
      name: cache.name,
      typesafe: override?.typesafe ?? cache.flags.typesafe,
      live: new Set(),
      freelist: [],
      allocs: 0,
      frees: 0,
    };
    ex.caches.set(cache.name, s);
  }
  return s;
}

/** Allocation flags: GFP_KERNEL may sleep; GFP_ATOMIC and GFP_NOWAIT may not. */
export type Gfp = "GFP_KERNEL" | "GFP_ATOMIC" | "GFP_NOWAIT";
export const GFP_KERNEL: Gfp = "GFP_KERNEL";
export const GFP_ATOMIC: Gfp = "GFP_ATOMIC";
export const GFP_NOWAIT: Gfp = "GFP_NOWAIT";

function allSlots(ex: Execution, o: KObject): void {
  const slots = (o.constructor as { fieldSlots?: Map<string, number> }).fieldSlots;
  ex.touch(o, true);
  if (slots) for (const s of slots.values()) ex.fp.push((o.id * 64 + s) * 2 + 1);
  if (o.embedded) for (const e of o.embedded) allSlots(ex, e);
}

/** Allocate an object from a cache outside any thread (scenario setup). */
export function allocateNow<T extends KObject>(ex: Execution, cache: KmemCache<T>, thread: string): T {
  const s = cacheState(ex, cache as unknown as KmemCache<KObject>);
  let o: T;
  if (s.typesafe && s.freelist.length > 0) {
    o = s.freelist.pop() as T;
    M(o).gen++;
    markFreed(o, false);
    if (ex.tracking) allSlots(ex, o);
  } else {
    o = cache.create();
  }
  M(o).cacheName = cache.name;
  M(o).allocStep = ex.running ? ex.stepIndex : -1;
  M(o).allocThread = thread;
  M(o).allocLoc = ex.tracing && ex.running ? ex.locate() : undefined;
  M(o).freeStep = -1;
  s.live.add(o);
  s.allocs++;
  if (ex.tracing) ex.note(o, `allocated from ${cache.name}${o.gen ? ` (reused, generation ${o.gen})` : ""}`);
  return o;
}

export function freeNow(ex: Execution, cache: KmemCache<KObject>, o: KObject, fn: string): void {
  const s = cacheState(ex, cache);
  if (o.freed) {
    ex.fail(
      "double-free",
      `BUG: KASAN: double-free in ${fn}`,
      `${o.type} ${o.name} from cache ${cache.name} is freed a second time.\n\n` +
        `Allocated by task ${o.allocThread || "setup"} at step ${o.allocStep}${fmtLoc(o.allocLoc)}\n` +
        `Freed by task ${o.freeThread || "setup"} at step ${o.freeStep}${fmtLoc(o.freeLoc)}`,
      { object: o.id, allocStep: o.allocStep, freeStep: o.freeStep },
    );
  }
  if (o.cacheName !== cache.name) {
    ex.fail(
      "double-free",
      `BUG: ${fn}: Wrong slab cache. ${cache.name} but object is from ${o.cacheName ?? "no cache"}`,
      `${o.name} is freed to ${cache.name} but was allocated from ${o.cacheName ?? "no cache"}.`,
    );
  }
  if (ex.tracking) allSlots(ex, o);
  markFreed(o, true);
  M(o).freeStep = ex.running ? ex.stepIndex : -1;
  M(o).freeThread = ex.running?.name ?? "";
  M(o).freeLoc = ex.tracing && ex.running ? ex.locate() : undefined;
  s.live.delete(o);
  s.frees++;
  if (s.typesafe) {
    s.freelist.push(o);
    ex.touch(cacheAnchor(ex, s), true);
  }
  if (ex.tracing) ex.note(o, `freed to ${cache.name}`);
}

/** A pseudo-object whose location stands for a type-safe cache's free list (reuse order). */
function cacheAnchor(ex: Execution, s: CacheState): KObject {
  const key = `cache-anchor:${s.name}`;
  let a = ex.modules.get(key) as KObject | undefined;
  if (!a) {
    a = new Anchor(s.name);
    ex.modules.set(key, a);
  }
  return a;
}
class Anchor extends KObject {
  get type(): string {
    return "kmem_cache";
  }
}

const KMEM_CACHE_ALLOC: OpImpl = {
  name: "kmem_cache_alloc",
  sleeps: (op) => op.arg2 === "GFP_KERNEL",
  faultable: (op, ex) => {
    const f = ex.opts.faults;
    if (f === null) return false;
    const c = op.arg as KmemCache<KObject>;
    return f.caches === "all" || f.caches.has(c.name);
  },
  perform(op, t, ex) {
    const c = op.arg as KmemCache<KObject>;
    if (op.fail) {
      ex.traceNote(`fault injection: kmem_cache_alloc(${c.name}) fails`);
      return null;
    }
    const s = cacheState(ex, c);
    if (s.typesafe) ex.touch(cacheAnchor(ex, s), true);
    return allocateNow(ex, c, t.name);
  },
  args: (op) => [(op.arg as KmemCache<KObject>).name, op.arg2],
};

/**
 * Allocate an object. Returns null when the allocation fails (fault
 * injection explores that outcome). GFP_KERNEL may sleep.
 */
export function kmem_cache_alloc<T extends KObject>(cachep: KmemCache<T>, gfp: Gfp = GFP_KERNEL): Op<T | null> {
  if (!(cachep instanceof KmemCache)) throw new TypeError("kmem_cache_alloc() expects a kmem cache");
  return new Op(KMEM_CACHE_ALLOC, null, cachep, gfp);
}

const KMEM_CACHE_FREE: OpImpl = {
  name: "kmem_cache_free",
  perform(op, _t, ex) {
    freeNow(ex, op.arg as KmemCache<KObject>, op.obj!, "kmem_cache_free");
  },
  args: (op) => (op.arg as KmemCache<KObject>).name,
};

/** Return an object to its cache. Any later access is a use-after-free (KASAN). */
export function kmem_cache_free<T extends KObject>(cachep: KmemCache<T>, obj: T): Op<void> {
  if (!(cachep instanceof KmemCache)) throw new TypeError("kmem_cache_free() expects a kmem cache");
  if (!(obj instanceof KObject)) throw new TypeError(`kmem_cache_free(${cachep.name}) expects an object, got ${obj === null ? "null" : typeof obj}`);
  return new Op(KMEM_CACHE_FREE, obj, cachep);
}

/* ======================================================================== */
/* Lists (list_head)                                                          */
/* ======================================================================== */

/** The poison a deleted entry's pointers carry (LIST_POISON1 / LIST_POISON2). */
export const LIST_POISON1 = "LIST_POISON1 (0xdead000000000100)";
export const LIST_POISON2 = "LIST_POISON2 (0xdead000000000122)";

/**
 * A doubly linked list head or entry, embedded in its structure. An entry's
 * `entry` is the structure it belongs to. A list head may name the lock that
 * protects it; list operations then assert it is held (lockdep_assert_held).
 */
export class ListHead<E extends KObject = KObject> extends KObject {
  get type(): string {
    return "list_head";
  }
  declare next: ListHead<E> | string;
  declare prev: ListHead<E> | string;
  /** For an entry: the structure it is embedded in. */
  readonly entry: E | null;
  /** For a head: the lock that must be held to change the list ("write") or to walk it. */
  protector: (() => LockLike | null) | null = null;
  constructor(entry: E | null = null, label?: string) {
    super(label);
    this.entry = entry;
    F(this)[1] = this;
    F(this)[2] = this;
  }
  override describe(): Record<string, unknown> {
    const n = F(this)[1];
    if (this.entry !== null) return { linked: typeof n !== "string" && n !== this };
    let count = 0;
    for (let p = F(this)[1] as ListHead | string; typeof p !== "string" && p !== this && count < 1000; p = F(p)[1] as ListHead | string) count++;
    return { length: count };
  }
}
trackFields(ListHead, ["next", "prev"]);

function listCheckLock(ex: Execution, head: ListHead, mode: "any" | "write"): void {
  const p = head.protector;
  if (p === null) return;
  const lock = p();
  if (lock !== null) lockdep_assert_held(lock, mode);
}

function deref(ex: Execution, p: ListHead | string, what: string): ListHead {
  if (typeof p === "string") {
    ex.fail(
      "list-corruption",
      `general protection fault, probably for non-canonical address ${p.slice(p.indexOf("(") + 1, -1)}`,
      `${what} followed a ${p.slice(0, 12)} pointer: the entry was removed with list_del() and the code still walked through it.\n` +
        "Walking a list while deleting from it needs list_for_each_entry_safe(); walking a list another thread changes needs the list's lock.",
    );
  }
  return p;
}

/** Which list an entry is on (for lock assertions on deletion). */
const entryHead = new WeakMap<ListHead, ListHead>();

/*
 * list_add and list_del take two steps, as the pointer updates of the real
 * ones are not atomic: the first reads the neighbours, the second checks
 * them (CONFIG_DEBUG_LIST's __list_add_valid / __list_del_entry_valid) and
 * writes the links. Two unlocked updates of one list interleave between the
 * two and are caught as list corruption.
 */
const LIST_ADD: OpImpl = {
  name: "list_add",
  phaseNames: ["list_add (read neighbours)", "list_add (link)"],
  perform(op, _t, ex) {
    const nu = op.obj as ListHead;
    const head = op.arg as ListHead;
    const tail = op.arg2 === true;
    if (op.phase === 0) {
      listCheckLock(ex, head, "write");
      const n = nu.next;
      if (typeof n !== "string" && n !== nu && nu.entry !== null) {
        ex.fail("list-corruption", "list_add double add", `list_add double add: new=${nu.name} is already on a list (prev=${nameOf(nu.prev)}, next=${nameOf(n)}).`);
      }
      const prev = tail ? deref(ex, head.prev, "list_add_tail") : head;
      const next = tail ? head : deref(ex, head.next, "list_add");
      op.aux = [prev, next];
      return AGAIN;
    }
    const [prev, next] = op.aux as [ListHead, ListHead];
    if (next.prev !== prev || prev.next !== next) {
      ex.fail(
        "list-corruption",
        "list_add corruption",
        (next.prev !== prev
          ? `list_add corruption. next->prev should be prev (${prev.name}), but was ${nameOf(next.prev)}. (next=${next.name}).`
          : `list_add corruption. prev->next should be next (${next.name}), but was ${nameOf(prev.next)}. (prev=${prev.name}).`) +
          "\nThe list changed between reading the neighbours and linking the new entry: another thread updated it at the same time. Updates of a shared list need its lock.",
        { list: head.name },
      );
    }
    next.prev = nu;
    nu.next = next;
    nu.prev = prev;
    prev.next = nu;
    entryHead.set(nu, head);
    return undefined;
  },
  args: (op) => (op.arg as ListHead).name,
};

const LIST_DEL: OpImpl = {
  name: "list_del",
  phaseNames: ["list_del (read neighbours)", "list_del (unlink)"],
  perform(op, _t, ex) {
    const e = op.obj as ListHead;
    if (op.phase === 0) {
      const head = entryHead.get(e);
      if (head) listCheckLock(ex, head, "write");
      op.aux = [deref(ex, e.prev, "list_del"), deref(ex, e.next, "list_del")];
      return AGAIN;
    }
    const [prev, next] = op.aux as [ListHead, ListHead];
    if (prev.next !== e || next.prev !== e) {
      ex.fail(
        "list-corruption",
        "list_del corruption",
        (prev.next !== e
          ? `list_del corruption. prev->next should be ${e.name}, but was ${nameOf(prev.next)}. (prev=${prev.name})`
          : `list_del corruption. next->prev should be ${e.name}, but was ${nameOf(next.prev)}. (next=${next.name})`) +
          "\nThe list changed while the entry was being removed: another thread updated it at the same time.",
      );
    }
    next.prev = prev;
    prev.next = next;
    e.next = LIST_POISON1;
    e.prev = LIST_POISON2;
    entryHead.delete(e);
    return undefined;
  },
};

function nameOf(p: ListHead | string): string {
  return typeof p === "string" ? p : p.name;
}

/** Add `entry` after `head` (at the front). Asserts the list's lock when the list declares one. */
export function list_add(entry: ListHead, head: ListHead): Op<void> {
  return new Op(LIST_ADD, entry, head, false);
}
const LIST_ADD_TAIL: OpImpl = {
  ...LIST_ADD,
  name: "list_add_tail",
  phaseNames: ["list_add_tail (read neighbours)", "list_add_tail (link)"],
};

/** Add `entry` before `head` (at the back). */
export function list_add_tail(entry: ListHead, head: ListHead): Op<void> {
  return new Op(LIST_ADD_TAIL, entry, head, true);
}
/** Unlink `entry` and poison its pointers: walking through it afterwards is caught. */
export function list_del(entry: ListHead): Op<void> {
  return new Op(LIST_DEL, entry);
}

/** Is the list empty? (A plain read, not a scheduling point.) */
export function list_empty(head: ListHead): boolean {
  return head.next === head;
}

/**
 * Walk a list's entries: list_for_each_entry(). The walk reads the list
 * without a scheduling point between entries; removing the current entry
 * inside the loop is caught (use list_for_each_entry_safe). If the list
 * declares its lock, the walker must hold it.
 */
export function* list_for_each_entry<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined> {
  const ex = cur();
  listCheckLock(ex, head as ListHead, "any");
  for (let p = deref(ex, head.next, "list_for_each_entry"); p !== head; p = deref(ex, p.next, "list_for_each_entry")) {
    if (p.entry !== null) yield p.entry as E;
  }
}

/** list_for_each_entry_safe(): the next entry is read before the body runs, so the body may list_del() the current one. */
export function* list_for_each_entry_safe<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined> {
  const ex = cur();
  listCheckLock(ex, head as ListHead, "any");
  let p = deref(ex, head.next, "list_for_each_entry_safe");
  while (p !== head) {
    const n = deref(ex, p.next, "list_for_each_entry_safe");
    if (p.entry !== null) yield p.entry as E;
    p = n;
  }
}

/* ======================================================================== */
/* Waiting and assertions                                                     */
/* ======================================================================== */

const WAIT_EVENT: OpImpl = {
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
    op.aux = { locs, cursor: fp.length, changed } satisfies RelaxState;
  },
  enabled(op, _t, ex) {
    const st = op.aux as RelaxState;
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

/* ======================================================================== */
/* Nondeterministic choice, threads created at run time, marked accesses     */
/* ======================================================================== */

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

/** A thread created with kthread_run(): pass it to kthread_join(). */
export type TaskHandle = ThreadHandle;

const KTHREAD_RUN: OpImpl = {
  name: "kthread_run",
  perform(op, t, ex) {
    const body = op.arg as () => Iterable<unknown>;
    const name = (op.arg2 as string | undefined) ?? `kthread${ex.threads.length}`;
    const nt = ex.addThread(name, () => body());
    nt.createdBy = t;
    ex.touchThreadSlot(nt, THREAD_CREATED, true);
    return nt.handle;
  },
  args: (op) => op.arg2,
};

/**
 * Create and start a thread running `fn` (kthread_run / pthread_create).
 * The new thread is one more choice for the scheduler from the next step on.
 */
export function kthread_run(fn: () => Iterable<unknown>, name?: string): Op<TaskHandle> {
  if (typeof fn !== "function") throw new TypeError("kthread_run() expects a generator function");
  return new Op(KTHREAD_RUN, null, fn, name);
}

function joinTarget(ex: Execution, h: TaskHandle): ThreadState {
  const t = ex.threads[h.index];
  if (t === undefined || t.handle !== h) throw new SimUsageError("kthread_join() expects a handle returned by kthread_run() or a scenario thread");
  return t;
}

const KTHREAD_JOIN: OpImpl = {
  name: "kthread_join",
  sleeps: true,
  enabled(op, _t, ex) {
    const target = joinTarget(ex, op.arg as TaskHandle);
    ex.touchThreadSlot(target, THREAD_EXITED, false);
    return target.finished;
  },
  perform: (op, _t, ex) => joinTarget(ex, op.arg as TaskHandle).result,
  args: (op) => (op.arg as TaskHandle).name,
};

/** Wait until a thread created by kthread_run() has returned; returns its return value (pthread_join). */
export function kthread_join(task: TaskHandle): Op<unknown> {
  return new Op(KTHREAD_JOIN, null, task);
}

const READ_ONCE_OP: OpImpl = {
  name: "READ_ONCE",
  perform: (op) => (op.obj as unknown as Record<string, unknown>)[op.arg as string],
  args: (op) => `${op.obj!.name}.${String(op.arg)}`,
};
const WRITE_ONCE_OP: OpImpl = {
  name: "WRITE_ONCE",
  perform(op) {
    (op.obj as unknown as Record<string, unknown>)[op.arg as string] = op.arg2;
  },
  args: (op) => `${op.obj!.name}.${String(op.arg)}`,
};

function checkField(obj: unknown, field: unknown, fn: string): KObject {
  if (!(obj instanceof KObject)) throw new TypeError(`${fn}() expects a kernel object and a field name`);
  const slots = (obj.constructor as { fieldSlots?: Map<string, number> }).fieldSlots;
  if (typeof field !== "string" || slots?.has(field) !== true) {
    throw new TypeError(`${fn}(${obj.name}, ${String(field)}): not a tracked field of ${obj.type}`);
  }
  return obj;
}

/**
 * READ_ONCE(obj, "field"): a marked read of a shared field, for a read
 * that is lockless on purpose (a fast-path check before taking the lock, a
 * flag polled in a loop). It is a scheduling point of its own, so other
 * threads can run between it and what the thread does next.
 */
export function READ_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K): Op<T[K]> {
  return new Op<T[K]>(READ_ONCE_OP, checkField(obj, field, "READ_ONCE"), field);
}

/** WRITE_ONCE(obj, "field", v): a marked store to a shared field; a scheduling point of its own. */
export function WRITE_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K, value: T[K]): Op<void> {
  return new Op<void>(WRITE_ONCE_OP, checkField(obj, field, "WRITE_ONCE"), field, value);
}

/**
 * data_race(() => expr): evaluate `expr` with its plain reads exempt from
 * the data-race detector (the kernel's data_race()), for a lockless read
 * whose value may be stale on purpose: a statistic, a hint that is checked
 * again under the lock. Not a scheduling point.
 */
export function data_race<T>(expr: () => T): T {
  const k = cur().kcsan;
  if (k === null) return expr();
  k.quiet++;
  try {
    return expr();
  } finally {
    k.quiet--;
  }
}

const YIELD_POINT: OpImpl = { name: "barrier", perform() {} };
/** A scheduling point that does nothing else: lets another thread run here. */
export function sched_point(): Op<void> {
  return new Op(YIELD_POINT, null);
}

/** BUG_ON(): an invariant of the kernel code itself. */
export function BUG_ON(condition: unknown, what = "BUG_ON"): void {
  if (!condition) return;
  const ex = cur();
  ex.fail("assertion", `kernel BUG: ${what}`, `kernel BUG: the invariant checked by BUG_ON (${what}) does not hold.`);
}

/** WARN_ON(): a condition that should never be true. Reported like BUG_ON. */
export function WARN_ON(condition: unknown, what = "WARN_ON"): boolean {
  if (!condition) return false;
  const ex: Execution = cur();
  return ex.fail("assertion", `WARNING: ${what}`, `WARNING: the condition checked by WARN_ON (${what}) is true.`);
}

/** The running simulated thread's name. */
export function current_name(): string {
  return cur().running?.name ?? "setup";
}

/* ======================================================================== */
/* Plain structures                                                           */
/* ======================================================================== */

const structClasses = new Map<string, new () => KObject>();

/**
 * A plain structure with tracked fields, for exercises and tests that need a
 * small shared object of their own: kstruct("event_log", { nr_events: 0 }).
 * Every field read and write is part of the step's footprint and is checked
 * against use-after-free like the kernel objects' fields.
 */
export function kstruct<T extends Record<string, unknown>>(type: string, init: T, label?: string): T & KObject {
  const fields = Object.keys(init);
  const key = `${type}\u0000${fields.join(",")}`;
  let cls = structClasses.get(key);
  if (cls === undefined) {
    const C = class extends KObject {
      get type(): string {
        return type;
      }
      override describe(): Record<string, unknown> {
        const f = F(this);
        const slots = (C as unknown as { fieldSlots: Map<string, number> }).fieldSlots;
        const out: Record<string, unknown> = {};
        for (const [name, slot] of slots) {
          const v = f[slot];
          out[name] = v instanceof KObject ? v.name : typeof v === "object" && v !== null ? String(v) : v;
        }
        return out;
      }
    };
    trackFields(C, fields);
    structClasses.set(key, (cls = C as unknown as new () => KObject));
  }
  const o = new cls() as KObject;
  if (label) o.label = label;
  const slots = (cls as unknown as { fieldSlots: Map<string, number> }).fieldSlots;
  for (const f of fields) F(o)[slots.get(f)!] = init[f];
  return o as T & KObject;
}

/* ======================================================================== */
/* Setup helpers and constants                                               */
/* ======================================================================== */

/**
 * Allocate from a cache in a scenario's setup (outside any thread): no
 * scheduling point, no fault injection. Inside a thread use
 * `yield* kmem_cache_alloc(cachep)`.
 */
export function kmem_cache_alloc_now<T extends KObject>(cachep: KmemCache<T>): T {
  const ex = cur();
  if (ex.running !== null) {
    throw new SimUsageError("kmem_cache_alloc_now() is for scenario setup; a thread allocates with yield* kmem_cache_alloc()");
  }
  return allocateNow(ex, cachep, "setup");
}

/** Does the list hold exactly one entry? (A plain read.) */
export function list_is_singular(head: ListHead): boolean {
  const n = head.next;
  return n !== head && typeof n !== "string" && n.next === head;
}

export const ENOMEM = 12;
export const EAGAIN = 11;
export const EFAULT = 14;
