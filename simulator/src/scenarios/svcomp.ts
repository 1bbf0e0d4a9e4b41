/*
 * Ports of SV-COMP concurrency benchmarks (sosy-lab/sv-benchmarks,
 * c/pthread/ and c/pthread-atomic/), to test the explorer against programs
 * and verdicts nobody here wrote. Each port names its benchmark and the
 * verdict its .yml file gives for the unreach-call property: `true` (the
 * error is unreachable: the explorer must find no bug) or `false` (some
 * interleaving reaches reach_error(): the explorer must find it).
 *
 * The ports are written from the benchmarks' descriptions in TypeScript
 * against the simulator; no C is kept here. How C maps to the simulator:
 *
 *   global variables            fields of one kstruct, `g`
 *   a plain C access            READ_ONCE / WRITE_ONCE: each its own step, as
 *                               every shared access is an interleaving point in C
 *   __VERIFIER_atomic_* block   one step: a scheduling point, then plain code
 *   __VERIFIER_assume(c), or    assume(c): the path is excluded (a thread whose
 *   `if (!c) abort()`           assumption fails stops; nothing is reported)
 *   an atomic block that        assume_wait(c) then the block, in one step (the
 *   begins with assume(c)       thread waits until c holds: the same reachable states)
 *   `while (local) {}`          assume(!local): the thread spins forever
 *   `while (shared) {}`         a READ_ONCE loop with cpu_relax(): fair spinning
 *   __VERIFIER_nondet_*         nondet_int(lo, hi): both ways explored, like a fault
 *   pthread_create / _join      kthread_run / kthread_join
 *   pthread_mutex_t             Mutex
 *   reach_error()               BUG_ON(true): an assertion report
 *
 * Where a port bounds something unbounded (a loop that runs forever, an
 * input range, a thread count) its comment says so and why the verdict is
 * the same.
 */

import { BUG_ON } from "../bug";
import { READ_ONCE, sched_point, WRITE_ONCE } from "../compiler";
import { kstruct } from "../kobject";
import { kthread_join, kthread_run, type TaskHandle } from "../kthread";
import { Mutex, mutex_lock, mutex_unlock } from "../mutex";
import { type Sim } from "../op";
import { assume, assume_wait, nondet_int } from "../verifier";
import { cpu_relax } from "../wait";
import type { KObject } from "../kobject";
import type { Scenario } from "../scenario";

export interface SvcompPort {
  /** The benchmark's file in sv-benchmarks, without extension. */
  benchmark: string;
  /** expected_verdict of unreach-call in its .yml: true = safe. */
  expected: boolean;
  scenario: Scenario<unknown>;
  /** Brute force enumerates it in a few thousand executions: the cross-checks compare traces. */
  small: boolean;
}

type G<T extends Record<string, number>> = T & KObject;

/** reach_error(): the property violated. */
function reach_error(): never {
  BUG_ON(true, "reach_error()");
  throw new Error("unreachable");
}

function* read<T extends Record<string, number>>(g: G<T>, f: keyof T & string): Sim<number> {
  return (yield* READ_ONCE(g, f)) as number;
}
function* write<T extends Record<string, number>>(g: G<T>, f: keyof T & string, v: number): Sim {
  yield* WRITE_ONCE(g, f, v as never);
}
/** An atomic block (__VERIFIER_atomic_begin/end): one step. */
function* atomic<R>(body: () => R): Sim<R> {
  yield* sched_point();
  return body();
}

/** main(): start `bodies` as threads, then join them all (or not, with join false). */
function* spawnAll(bodies: Array<() => Sim<unknown>>, names: string[]): Sim<TaskHandle[]> {
  const ts: TaskHandle[] = [];
  for (let i = 0; i < bodies.length; i++) ts.push(yield* kthread_run(bodies[i]!, names[i]));
  return ts;
}
function* joinAll(ts: TaskHandle[]): Sim {
  for (const t of ts) yield* kthread_join(t);
}

const SMALL = new Set([
  "c/pthread-atomic/time_var_mutex",
  "c/pthread/fib_bench-2",
  "c/pthread/triangular-2",
  "c/pthread/stateful01-1",
  "c/pthread/stateful01-2",
  "c/pthread/lazy01",
  "c/pthread/sigma",
]);

function port<S>(benchmark: string, expected: boolean, models: string, setup: () => S, main: (s: S) => Sim): SvcompPort {
  return {
    benchmark,
    expected,
    small: SMALL.has(benchmark),
    scenario: {
      name: `sv-comp ${benchmark}`,
      models,
      setup,
      threads: [{ name: "main", run: main }],
      limits: { maxSteps: 2000 },
    } as Scenario<unknown>,
  };
}

/* ---- c/pthread-atomic/peterson: Peterson's mutual exclusion, safe ---- */
function peterson(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { flag1: 0, flag2: 0, turn: 0, x: 0 }) });
  type S = ReturnType<typeof setup>;
  function* thr1(s: S): Sim {
    yield* write(s.g, "flag1", 1);
    yield* write(s.g, "turn", 1); // atomic block of one store
    const f21 = yield* read(s.g, "flag2");
    const t1 = yield* read(s.g, "turn");
    yield* assume(!(f21 === 1 && t1 === 1), "while (f21==1 && t1==1) {}");
    yield* write(s.g, "x", 0);
    if (!((yield* read(s.g, "x")) <= 0)) reach_error();
    yield* write(s.g, "flag1", 0);
  }
  function* thr2(s: S): Sim {
    yield* write(s.g, "flag2", 1);
    yield* write(s.g, "turn", 0);
    const f12 = yield* read(s.g, "flag1");
    const t2 = yield* read(s.g, "turn");
    yield* assume(!(f12 === 1 && t2 === 0), "while (f12==1 && t2==0) {}");
    yield* write(s.g, "x", 1);
    if (!((yield* read(s.g, "x")) >= 1)) reach_error();
    yield* write(s.g, "flag2", 0);
  }
  return port("c/pthread-atomic/peterson", true, "Peterson's algorithm for two threads", setup, function* (s) {
    yield* joinAll(yield* spawnAll([() => thr1(s), () => thr2(s)], ["thr1", "thr2"]));
  });
}

/*
 * ---- c/pthread-atomic/dekker: Dekker's mutual exclusion, safe ----
 * A thread that reads the other's flag set loops forever (the flag is read
 * once, before the loop), writing its own flag 0 and 1 in turn. The port
 * runs that loop twice, then stops the thread (assume(false)): the other
 * thread reads the flag once, so two rounds already give it every value in
 * every order.
 */
function dekker(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { flag1: 0, flag2: 0, turn: 0, x: 0 }) });
  type S = ReturnType<typeof setup>;
  const body = (me: 1 | 2) =>
    function* (s: S): Sim {
      const mine = me === 1 ? "flag1" : "flag2";
      const other = me === 1 ? "flag2" : "flag1";
      const wantTurn = me === 1 ? 0 : 1;
      yield* write(s.g, mine, 1);
      const f = yield* read(s.g, other);
      if (f >= 1) {
        for (let round = 0; round < 2; round++) {
          let t = yield* read(s.g, "turn");
          if (t !== wantTurn) {
            yield* write(s.g, mine, 0);
            t = yield* read(s.g, "turn");
            yield* assume(t === wantTurn, "while (t != turn) {}");
            yield* write(s.g, mine, 1);
          }
        }
        yield* assume(false, `while (f${me === 1 ? 2 : 1} >= 1) {...}: forever`);
      }
      yield* write(s.g, "x", me === 1 ? 0 : 1);
      const x = yield* read(s.g, "x");
      if (me === 1 ? !(x <= 0) : !(x >= 1)) reach_error();
      yield* write(s.g, "turn", 1);
      yield* write(s.g, mine, 0);
    };
  return port("c/pthread-atomic/dekker", true, "Dekker's algorithm for two threads", setup, function* (s) {
    yield* joinAll(yield* spawnAll([() => body(1)(s), () => body(2)(s)], ["thr1", "thr2"]));
  });
}

/* ---- c/pthread-atomic/read_write_lock-1 (safe) and -2 (unsafe: the reader's release is not atomic) ---- */
function readWriteLock(variant: 1 | 2): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { w: 0, r: 0, x: 0, y: 0 }) });
  type S = ReturnType<typeof setup>;
  function* writer(s: S): Sim {
    // __VERIFIER_atomic_take_write_lock: assume(w==0 && r==0); w = 1
    yield* assume_wait(() => s.g.w === 0 && s.g.r === 0, "w==0 && r==0");
    s.g.w = 1;
    yield* write(s.g, "x", 3);
    yield* write(s.g, "w", 0);
  }
  function* reader(s: S): Sim {
    yield* assume_wait(() => s.g.w === 0, "w==0");
    s.g.r = s.g.r + 1;
    const l = yield* read(s.g, "x");
    yield* write(s.g, "y", l);
    const y = yield* read(s.g, "y");
    const x = yield* read(s.g, "x");
    if (y !== x) reach_error();
    if (variant === 1) {
      yield* atomic(() => {
        s.g.r = s.g.r - 1;
      });
    } else {
      const l2 = (yield* read(s.g, "r")) - 1;
      yield* write(s.g, "r", l2);
    }
  }
  return port(
    `c/pthread-atomic/read_write_lock-${variant}`,
    variant === 1,
    "a reader-writer lock built from two counters, two writers and two readers",
    setup,
    function* (s) {
      yield* joinAll(
        yield* spawnAll([() => writer(s), () => reader(s), () => writer(s), () => reader(s)], ["w1", "r1", "w2", "r2"]),
      );
    },
  );
}

/* ---- c/pthread-atomic/time_var_mutex: two mutexes, a flag and a block, safe ---- */
function timeVarMutex(): SvcompPort {
  const setup = () => ({
    g: kstruct("globals", { block: 0, busy: 0, inode: 0 }),
    m_inode: new Mutex("m_inode"),
    m_busy: new Mutex("m_busy"),
  });
  type S = ReturnType<typeof setup>;
  function* allocator(s: S): Sim {
    yield* mutex_lock(s.m_inode);
    if ((yield* read(s.g, "inode")) === 0) {
      yield* mutex_lock(s.m_busy);
      yield* write(s.g, "busy", 1);
      yield* mutex_unlock(s.m_busy);
      yield* write(s.g, "inode", 1);
    }
    yield* write(s.g, "block", 1);
    if ((yield* read(s.g, "block")) !== 1) reach_error();
    yield* mutex_unlock(s.m_inode);
  }
  function* deAllocator(s: S): Sim {
    yield* mutex_lock(s.m_busy);
    if ((yield* read(s.g, "busy")) === 0) {
      yield* write(s.g, "block", 0);
      if ((yield* read(s.g, "block")) !== 0) reach_error();
    }
    yield* mutex_unlock(s.m_busy);
  }
  return port("c/pthread-atomic/time_var_mutex", true, "an allocator and a de-allocator under two mutexes", setup, function* (s) {
    yield* assume(s.g.inode === s.g.busy);
    yield* joinAll(yield* spawnAll([() => allocator(s), () => deAllocator(s)], ["allocator", "de_allocator"]));
  });
}

/*
 * ---- c/pthread-atomic/gcd-2: parallel GCD by subtraction, safe ----
 * The inputs are nondeterministic positive integers; the port takes them in
 * [1, 4] (and the guessed divisor in [2, 4]): every pair of small inputs,
 * which covers equal, coprime and common-divisor cases. A thread whose
 * subtraction did nothing spins re-reading a and b: cpu_relax() makes that
 * spin fair (the benchmark's termination verdict is also true).
 */
function gcd(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { a: 0, b: 0 }) });
  type S = ReturnType<typeof setup>;
  const dec = (which: "a" | "b") =>
    function* (s: S): Sim {
      for (;;) {
        const a = yield* read(s.g, "a");
        const b = yield* read(s.g, "b");
        if (a === b) return;
        const changed = yield* atomic(() => {
          if (which === "a" && s.g.a > s.g.b) {
            s.g.a = s.g.a - s.g.b;
            return true;
          }
          if (which === "b" && s.g.b > s.g.a) {
            s.g.b = s.g.b - s.g.a;
            return true;
          }
          return false;
        });
        if (!changed) yield* cpu_relax();
      }
    };
  return port("c/pthread-atomic/gcd-2", true, "two threads computing a GCD by subtraction", setup, function* (s) {
    const a_in = yield* nondet_int(1, 4, "a_in");
    const b_in = yield* nondet_int(1, 4, "b_in");
    s.g.a = a_in;
    s.g.b = b_in;
    yield* joinAll(yield* spawnAll([() => dec("a")(s), () => dec("b")(s)], ["dec_a", "dec_b"]));
    const result = yield* read(s.g, "a");
    const guessed = yield* nondet_int(2, 4, "guessed_gcd");
    yield* assume(a_in % guessed === 0 && b_in % guessed === 0);
    if (a_in % result !== 0) reach_error();
    if (b_in % result !== 0) reach_error();
    if (!(result >= guessed)) reach_error();
  });
}

/*
 * ---- c/pthread/fib_bench-1 (safe: i, j > 144 unreachable) and fib_bench-2
 * (unsafe: i or j >= 144 reachable): two threads add each other's number
 * five times, main checks while they run ----
 */
function fib(variant: 1 | 2): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { i: 1, j: 1 }) });
  type S = ReturnType<typeof setup>;
  const bad = (v: number) => (variant === 1 ? v > 144 : v >= 144);
  return port(`c/pthread/fib_bench-${variant}`, variant === 1, "two threads building Fibonacci numbers", setup, function* (s: S) {
    yield* kthread_run(function* () {
      for (let k = 0; k < 5; k++) yield* atomic(() => (s.g.i = s.g.i + s.g.j));
    }, "t1");
    yield* kthread_run(function* () {
      for (let k = 0; k < 5; k++) yield* atomic(() => (s.g.j = s.g.j + s.g.i));
    }, "t2");
    const condI = bad(yield* read(s.g, "i"));
    const condJ = bad(yield* read(s.g, "j"));
    if (condI || condJ) reach_error();
  });
}

/* ---- c/pthread/triangular-1 (safe: > 16 unreachable) and triangular-2 (unsafe: >= 16 reachable) ---- */
function triangular(variant: 1 | 2): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { i: 3, j: 6 }) });
  type S = ReturnType<typeof setup>;
  const LIMIT = 2 * 5 + 6;
  const bad = (v: number) => (variant === 1 ? v > LIMIT : v >= LIMIT);
  return port(`c/pthread/triangular-${variant}`, variant === 1, "two threads setting each other's number plus one", setup, function* (s: S) {
    yield* kthread_run(function* () {
      for (let k = 0; k < 5; k++) yield* atomic(() => (s.g.i = s.g.j + 1));
    }, "t1");
    yield* kthread_run(function* () {
      for (let k = 0; k < 5; k++) yield* atomic(() => (s.g.j = s.g.i + 1));
    }, "t2");
    const condI = bad(yield* read(s.g, "i"));
    const condJ = bad(yield* read(s.g, "j"));
    if (condI || condJ) reach_error();
  });
}

/*
 * ---- c/pthread/stateful01-1 (unsafe) and stateful01-2 (safe): two threads
 * update two counters under one mutex; the sums are always the same, so
 * -1's "error if data1==16 && data2==5" is reached and -2's "error if both
 * differ" is not ----
 */
function stateful(variant: 1 | 2): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { data1: 0, data2: 0 }), ma: new Mutex("ma") });
  type S = ReturnType<typeof setup>;
  const add = (d1: number, d2: number) =>
    function* (s: S): Sim {
      yield* mutex_lock(s.ma);
      yield* write(s.g, "data1", (yield* read(s.g, "data1")) + d1);
      yield* mutex_unlock(s.ma);
      yield* mutex_lock(s.ma);
      yield* write(s.g, "data2", (yield* read(s.g, "data2")) + d2);
      yield* mutex_unlock(s.ma);
    };
  return port(`c/pthread/stateful01-${variant}`, variant === 2, "two threads adding to two counters under one mutex", setup, function* (s: S) {
    s.g.data1 = 10;
    s.g.data2 = 10;
    yield* joinAll(yield* spawnAll([() => add(1, 1)(s), () => add(5, -6)(s)], ["thread1", "thread2"]));
    const d1 = yield* read(s.g, "data1");
    const d2 = yield* read(s.g, "data2");
    if (variant === 1 ? d1 === 16 && d2 === 5 : d1 !== 16 && d2 !== 5) reach_error();
  });
}

/* ---- c/pthread/lazy01: three threads under one mutex; the third sees data >= 3 when it runs last: unsafe ---- */
function lazy01(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { data: 0 }), mutex: new Mutex("mutex") });
  type S = ReturnType<typeof setup>;
  const add = (n: number) =>
    function* (s: S): Sim {
      yield* mutex_lock(s.mutex);
      yield* write(s.g, "data", (yield* read(s.g, "data")) + n);
      yield* mutex_unlock(s.mutex);
    };
  function* thread3(s: S): Sim {
    yield* mutex_lock(s.mutex);
    if ((yield* read(s.g, "data")) >= 3) reach_error();
    yield* mutex_unlock(s.mutex);
  }
  return port("c/pthread/lazy01", false, "two adders and a checker under one mutex", setup, function* (s: S) {
    yield* joinAll(yield* spawnAll([() => add(1)(s), () => add(2)(s), () => thread3(s)], ["thread1", "thread2", "thread3"]));
  });
}

/*
 * ---- c/pthread/twostage_3: a two-stage update under two locks, released
 * in between; a reader can see the first stage done and the second not: unsafe ----
 */
function twostage(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { data1Value: 0, data2Value: 0 }), data1Lock: new Mutex("data1Lock"), data2Lock: new Mutex("data2Lock") });
  type S = ReturnType<typeof setup>;
  function* funcA(s: S): Sim {
    yield* mutex_lock(s.data1Lock);
    yield* write(s.g, "data1Value", 1);
    yield* mutex_unlock(s.data1Lock);
    yield* mutex_lock(s.data2Lock);
    yield* write(s.g, "data2Value", (yield* read(s.g, "data1Value")) + 1);
    yield* mutex_unlock(s.data2Lock);
  }
  function* funcB(s: S): Sim {
    yield* mutex_lock(s.data1Lock);
    if ((yield* read(s.g, "data1Value")) === 0) {
      yield* mutex_unlock(s.data1Lock);
      return;
    }
    const t1 = yield* read(s.g, "data1Value");
    yield* mutex_unlock(s.data1Lock);
    yield* mutex_lock(s.data2Lock);
    const t2 = yield* read(s.g, "data2Value");
    yield* mutex_unlock(s.data2Lock);
    if (t2 !== t1 + 1) reach_error();
  }
  return port("c/pthread/twostage_3", false, "two two-stage writers and a reader", setup, function* (s: S) {
    yield* joinAll(yield* spawnAll([() => funcA(s), () => funcA(s), () => funcB(s)], ["funcA1", "funcA2", "funcB"]));
  });
}

/* ---- c/pthread/reorder_2: two setters (a = 1; b = -1) and two checkers of the pair: unsafe ---- */
function reorder(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { a: 0, b: 0 }) });
  type S = ReturnType<typeof setup>;
  function* setThread(s: S): Sim {
    yield* write(s.g, "a", 1);
    yield* write(s.g, "b", -1);
  }
  function* checkThread(s: S): Sim {
    const a = yield* read(s.g, "a");
    const b = yield* read(s.g, "b");
    if (!((a === 0 && b === 0) || (a === 1 && b === -1))) reach_error();
  }
  return port("c/pthread/reorder_2", false, "two setters of a pair and two checkers", setup, function* (s: S) {
    yield* joinAll(
      yield* spawnAll([() => setThread(s), () => setThread(s), () => checkThread(s), () => checkThread(s)], ["set1", "set2", "check1", "check2"]),
    );
  });
}

/*
 * ---- c/pthread/sigma: each thread writes array[array_index] while main
 * increments the index; two threads can use one slot: unsafe ----
 * SIGMA is 16 in the benchmark; the port uses 3 threads (the simulator
 * runs at most 15, and two already collide).
 */
function sigma(): SvcompPort {
  const SIGMA = 3;
  const setup = () => ({ g: kstruct("globals", { array_index: -1, e0: 0, e1: 0, e2: 0 }) });
  type S = ReturnType<typeof setup>;
  function* thread(s: S): Sim {
    const idx = yield* read(s.g, "array_index");
    yield* write(s.g, `e${idx}` as "e0", 1);
  }
  return port("c/pthread/sigma", false, "threads writing the array slot main's index names", setup, function* (s: S) {
    const ts: TaskHandle[] = [];
    for (let tid = 0; tid < SIGMA; tid++) {
      yield* write(s.g, "array_index", (yield* read(s.g, "array_index")) + 1);
      ts.push(yield* kthread_run(() => thread(s), `thread${tid}`));
    }
    yield* joinAll(ts);
    let sum = 0;
    for (let tid = 0; tid < SIGMA; tid++) sum += yield* read(s.g, `e${tid}` as "e0");
    if (sum !== SIGMA) reach_error();
  });
}

/* ---- c/pthread-atomic/szymanski: Szymanski's mutual exclusion for two threads, safe ---- */
function szymanski(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { flag1: 0, flag2: 0, x: 0 }) });
  type S = ReturnType<typeof setup>;
  const body = (me: 1 | 2) =>
    function* (s: S): Sim {
      const mine = me === 1 ? "flag1" : "flag2";
      const other = me === 1 ? "flag2" : "flag1";
      yield* write(s.g, mine, 1);
      let f = yield* read(s.g, other);
      yield* assume(!(f >= 3), "while (f >= 3);");
      yield* write(s.g, mine, 3);
      f = yield* read(s.g, other);
      if (f === 1) {
        yield* write(s.g, mine, 2);
        f = yield* read(s.g, other);
        yield* assume(f === 4, "while (f != 4);");
      }
      yield* write(s.g, mine, 4);
      f = yield* read(s.g, other);
      yield* assume(!(f >= 2), "while (f >= 2);");
      yield* write(s.g, "x", me === 1 ? 0 : 1);
      const x = yield* read(s.g, "x");
      if (me === 1 ? !(x <= 0) : !(x >= 1)) reach_error();
      f = yield* read(s.g, other);
      yield* assume(!(2 <= f && f <= 3), "while (2 <= f && f <= 3);");
      yield* write(s.g, mine, 0);
    };
  return port("c/pthread-atomic/szymanski", true, "Szymanski's algorithm for two threads", setup, function* (s) {
    yield* joinAll(yield* spawnAll([() => body(1)(s), () => body(2)(s)], ["thr1", "thr2"]));
  });
}

/*
 * ---- c/pthread-atomic/lamport: Lamport's fast mutual exclusion for two
 * threads, safe ----
 * A thread that loses retries from the top; the port allows two retries
 * per thread, then stops it (assume(false)): fewer behaviours, never a
 * different one, so a reachable error would still be one of the benchmark's.
 * thr1's wait for y to drop to 0 re-reads y: a fair spin with cpu_relax().
 */
function lamport(): SvcompPort {
  const setup = () => ({ g: kstruct("globals", { x: 0, y: 0, b1: 0, b2: 0, X: 0 }) });
  type S = ReturnType<typeof setup>;
  const RETRIES = 2;
  function* thr1(s: S): Sim {
    for (let retry = 0; ; retry++) {
      if (retry > RETRIES) yield* assume(false, "retry bound");
      yield* write(s.g, "b1", 1);
      yield* write(s.g, "x", 1);
      let y1 = yield* read(s.g, "y");
      if (y1 !== 0) {
        yield* write(s.g, "b1", 0);
        y1 = yield* read(s.g, "y");
        while ((yield* read(s.g, "y")) !== 0) yield* cpu_relax();
        continue;
      }
      yield* write(s.g, "y", 1);
      const x1 = yield* read(s.g, "x");
      if (x1 !== 1) {
        yield* write(s.g, "b1", 0);
        const b21 = yield* read(s.g, "b2");
        yield* assume(!(b21 >= 1), "while (b21 >= 1) {}");
        y1 = yield* read(s.g, "y");
        if (y1 !== 1) {
          y1 = yield* read(s.g, "y");
          yield* assume(y1 === 0, "while (y1 != 0) {}");
          continue;
        }
      }
      break;
    }
    yield* write(s.g, "X", 0);
    if (!((yield* read(s.g, "X")) <= 0)) reach_error();
    yield* write(s.g, "y", 0);
    yield* write(s.g, "b1", 0);
  }
  function* thr2(s: S): Sim {
    for (let retry = 0; ; retry++) {
      if (retry > RETRIES) yield* assume(false, "retry bound");
      yield* write(s.g, "b2", 1);
      yield* write(s.g, "x", 2);
      let y2 = yield* read(s.g, "y");
      if (y2 !== 0) {
        yield* write(s.g, "b2", 0);
        y2 = yield* read(s.g, "y");
        yield* assume(y2 === 0, "while (y2 != 0) {}");
        continue;
      }
      yield* write(s.g, "y", 2);
      const x2 = yield* read(s.g, "x");
      if (x2 !== 2) {
        yield* write(s.g, "b2", 0);
        const b12 = yield* read(s.g, "b1");
        yield* assume(!(b12 >= 1), "while (b12 >= 1) {}");
        y2 = yield* read(s.g, "y");
        if (y2 !== 2) {
          y2 = yield* read(s.g, "y");
          yield* assume(y2 === 0, "while (y2 != 0) {}");
          continue;
        }
      }
      break;
    }
    yield* write(s.g, "X", 1);
    if (!((yield* read(s.g, "X")) >= 1)) reach_error();
    yield* write(s.g, "y", 0);
    yield* write(s.g, "b2", 0);
  }
  return port("c/pthread-atomic/lamport", true, "Lamport's fast mutual exclusion for two threads", setup, function* (s) {
    yield* joinAll(yield* spawnAll([() => thr1(s), () => thr2(s)], ["thr1", "thr2"]));
  });
}

export const SVCOMP_PORTS: SvcompPort[] = [
  peterson(),
  dekker(),
  szymanski(),
  lamport(),
  readWriteLock(1),
  readWriteLock(2),
  timeVarMutex(),
  gcd(),
  fib(1),
  fib(2),
  triangular(1),
  triangular(2),
  stateful(1),
  stateful(2),
  lazy01(),
  twostage(),
  reorder(),
  sigma(),
];
