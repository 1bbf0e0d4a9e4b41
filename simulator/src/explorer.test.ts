import { describe, expect, it } from "vitest";
import {
  allocateNow,
  atomic_dec_and_test,
  atomic_inc_not_zero,
  Atomic,
  decodeSchedule,
  down_read,
  down_write,
  encodeSchedule,
  explore,
  kmem_cache_alloc,
  kmem_cache_free,
  KmemCache,
  kstruct,
  list_add_tail,
  list_for_each_entry,
  ListHead,
  rcu_read_lock,
  rcu_read_unlock,
  replay,
  type Scenario,
  sched_point,
  type Sim,
  spin_lock,
  spin_unlock,
  Spinlock,
  synchronize_rcu,
  up_read,
  up_write,
  wait_event,
  ScheduleTokenError,
  RwSemaphore,
  list_del,
  cpu_relax,
  spin_trylock,
  nondet_int,
  kthread_run,
  kthread_join,
  READ_ONCE,
  type KObject,
} from "./testing";
import { cur } from "./current";
import { KNOWN_BUGS } from "./scenarios/known-bugs";
import { REFERENCE_SCENARIOS } from "./scenarios/reference";
import { SVCOMP_PORTS } from "./scenarios/svcomp";

/* Small scenarios whose final states are easy to enumerate. */

function counter(nThreads: number, locked: boolean): Scenario<{ c: { v: number }; l: Spinlock }> {
  const inc = function* (s: { c: { v: number }; l: Spinlock }): Sim {
    if (locked) yield* spin_lock(s.l);
    const v = s.c.v;
    yield* sched_point();
    s.c.v = v + 1;
    if (locked) yield* spin_unlock(s.l);
  };
  return {
    name: `counter x${nThreads}${locked ? " locked" : ""}`,
    models: "increments of a shared counter",
    setup: () => ({ c: kstruct("counter", { v: 0 }), l: new Spinlock("&l") }),
    threads: Array.from({ length: nThreads }, (_, i) => ({ name: `t${i}`, run: inc })),
    finalState: (s) => s.c.v,
  };
}

function listOrder(): Scenario<{ head: ListHead; l: Spinlock; ents: ListHead[] }> {
  const add = (i: number) =>
    function* (s: { head: ListHead; l: Spinlock; ents: ListHead[] }): Sim {
      yield* spin_lock(s.l);
      yield* list_add_tail(s.ents[i]!, s.head);
      yield* spin_unlock(s.l);
    };
  return {
    name: "list order",
    models: "three locked appends",
    setup: () => {
      const head = new ListHead(null);
      const ents = [0, 1, 2].map((i) => {
        const e = kstruct("ent", { idx: i });
        return e.embed(new ListHead(e), "node");
      });
      return { head, l: new Spinlock("&l"), ents };
    },
    threads: [0, 1, 2].map((i) => ({ name: `add${i}`, run: add(i) })),
    finalState: (s) => [...list_for_each_entry(s.head)].map((e) => (e as unknown as { idx: number }).idx).join(""),
  };
}

const obj_cachep = new KmemCache("obj", () => kstruct("obj", { value: 7 }));

function rcuSync(): Scenario<{ gp: { p: { value: number } | null }; seen: { v: number } }> {
  return {
    name: "rcu publish and reclaim",
    models: "a reader under RCU and an updater that unpublishes, waits a grace period, frees",
    setup: () => ({ gp: kstruct("gp", { p: allocateNow(cur(), obj_cachep, "setup") as { value: number } | null }), seen: kstruct("seen", { v: -1 }) }),
    threads: [
      {
        name: "reader",
        run: function* (s) {
          yield* rcu_read_lock();
          const p = s.gp.p;
          yield* sched_point();
          s.seen.v = p ? p.value : 0;
          yield* rcu_read_unlock();
        },
      },
      {
        name: "updater",
        run: function* (s) {
          const p = s.gp.p as never;
          s.gp.p = null;
          yield* synchronize_rcu();
          yield* kmem_cache_free(obj_cachep, p);
        },
      },
    ],
    finalState: (s) => s.seen.v,
    leakCheck: ["obj"],
  };
}

function faulty(): Scenario<{ got: { a: number; b: number } }> {
  const take = (key: "a" | "b") =>
    function* (s: { got: { a: number; b: number } }): Sim {
      const o = yield* kmem_cache_alloc(obj_cachep);
      yield* sched_point();
      s.got[key] = o ? 1 : 0;
      if (o) yield* kmem_cache_free(obj_cachep, o);
    };
  return {
    name: "allocations that may fail",
    models: "two threads allocating while one allocation may fail",
    setup: () => ({ got: kstruct("got", { a: -1, b: -1 }) }),
    threads: [
      { name: "a", run: take("a") },
      { name: "b", run: take("b") },
    ],
    faults: { caches: ["obj"], maxFailures: 1 },
    finalState: (s) => `${s.got.a}${s.got.b}`,
  };
}

function rwsem(): Scenario<{ sem: ReturnType<typeof newSem>; d: { v: number; r1: number; r2: number } }> {
  return {
    name: "readers and a writer",
    models: "two readers and a writer of one value under an rw_semaphore",
    setup: () => ({ sem: newSem(), d: kstruct("d", { v: 0, r1: -1, r2: -1 }) }),
    threads: [
      { name: "r1", run: function* (s) { yield* down_read(s.sem); s.d.r1 = s.d.v; yield* up_read(s.sem); } },
      { name: "r2", run: function* (s) { yield* down_read(s.sem); s.d.r2 = s.d.v; yield* up_read(s.sem); } },
      { name: "w", run: function* (s) { yield* down_write(s.sem); s.d.v = 1; yield* sched_point(); s.d.v = 2; yield* up_write(s.sem); } },
    ],
    finalState: (s) => `${s.d.r1}${s.d.r2}`,
  };
}
function newSem(): RwSemaphore {
  return new RwSemaphore("&sem");
}

function refGet(): Scenario<{ r: Atomic; o: { seen: number } }> {
  return {
    name: "get vs put",
    models: "a lookup with atomic_inc_not_zero racing the last put",
    setup: () => ({ r: new Atomic(1), o: kstruct("o", { seen: -1 }) }),
    threads: [
      {
        name: "get",
        run: function* (s) {
          const ok = yield* atomic_inc_not_zero(s.r);
          s.o.seen = ok ? 1 : 0;
          if (ok) yield* atomic_dec_and_test(s.r);
        },
      },
      { name: "put", run: function* (s) { yield* atomic_dec_and_test(s.r); } },
    ],
    finalState: (s) => s.o.seen,
  };
}

function handoff(): Scenario<{ f: { ready: number; out: number } }> {
  return {
    name: "handoff",
    models: "a consumer waiting for a producer's flag",
    setup: () => ({ f: kstruct("f", { ready: 0, out: 0 }) }),
    threads: [
      { name: "consumer", run: function* (s) { yield* wait_event(() => s.f.ready === 1, "ready"); s.f.out = s.f.out * 10 + 1; } },
      { name: "producer", run: function* (s) { s.f.out = s.f.out * 10 + 2; yield* sched_point(); s.f.ready = 1; } },
      { name: "other", run: function* (s) { yield* sched_point(); s.f.out = s.f.out * 10 + 3; } },
    ],
    finalState: (s) => s.f.out,
  };
}

/** Two consumers of objects that a prelude allocates and links before they start. */
function preluded(): Scenario<{ head: ListHead; l: Spinlock; got: { a: number; b: number } }> {
  const take = (key: "a" | "b") =>
    function* (s: { head: ListHead; l: Spinlock; got: { a: number; b: number } }): Sim {
      yield* spin_lock(s.l);
      const first = s.head.next;
      if (first !== s.head && typeof first !== "string") {
        yield* list_del(first);
        s.got[key] = (first.entry as unknown as { idx: number }).idx;
      }
      yield* spin_unlock(s.l);
    };
  return {
    name: "prelude then race",
    models: "a prelude builds a list with primitives; two threads then pop from it",
    setup: () => ({ head: new ListHead(null), l: new Spinlock("&l"), got: kstruct("got", { a: -1, b: -1 }) }),
    prelude: function* (s) {
      for (let i = 0; i < 2; i++) {
        const o = yield* kmem_cache_alloc(ent_cachep);
        if (o === null) return;
        o.idx = i;
        yield* spin_lock(s.l);
        yield* list_add_tail(o.embed(new ListHead(o), "node"), s.head);
        yield* spin_unlock(s.l);
      }
    },
    threads: [
      { name: "a", run: take("a") },
      { name: "b", run: take("b") },
    ],
    finalState: (s) => `${s.got.a}${s.got.b}`,
  };
}
const ent_cachep = new KmemCache("ent", () => kstruct("ent", { idx: -1 }));

/* Blocking: a thread that waits is a race with the step that made it wait (issue 6). */

/** B waits for a flag that A sets and, two steps later, clears: B may run before A. */
function waitSetThenCleared(): Scenario<{ f: { busy: number; x: number; seen: number } }> {
  return {
    name: "wait on a flag set then cleared",
    models: "wait_event on a flag that the other thread sets, then clears",
    setup: () => ({ f: kstruct("f", { busy: 0, x: 0, seen: -1 }) }),
    threads: [
      { name: "A", run: function* (s) { s.f.busy = 1; yield* sched_point(); s.f.x = 1; yield* sched_point(); s.f.busy = 0; } },
      { name: "B", run: function* (s) { yield* wait_event(() => s.f.busy === 0, "idle"); s.f.seen = s.f.x; } },
    ],
    finalState: (s) => s.f.seen,
  };
}

/** W writes under down_write; R reads right after down_read: R may run before W. */
function readerRightAfterDownRead(): Scenario<{ sem: RwSemaphore; f: { v: number; seen: number } }> {
  return {
    name: "reader right after down_read",
    models: "a writer under down_write and a reader right after down_read",
    setup: () => ({ sem: newSem(), f: kstruct("f", { v: 0, seen: -1 }) }),
    threads: [
      { name: "W", run: function* (s) { yield* sched_point(); yield* down_write(s.sem); s.f.v = 1; yield* sched_point(); s.f.v = 2; yield* up_write(s.sem); } },
      { name: "R", run: function* (s) { yield* down_read(s.sem); s.f.seen = s.f.v; yield* up_read(s.sem); } },
    ],
    finalState: (s) => s.f.seen,
  };
}

/** A waits for a lock that the other thread takes after an unrelated step. */
function lockAfterStep(): Scenario<{ l: Spinlock; f: { v: number; x: number } }> {
  return {
    name: "lock taken after an unrelated step",
    models: "two lockers, one of which does an unrelated step first",
    setup: () => ({ l: new Spinlock("&l"), f: kstruct("f", { v: 0, x: 0 }) }),
    threads: [
      { name: "a", run: function* (s) { yield* spin_lock(s.l); s.f.v = s.f.v * 10 + 1; yield* sched_point(); yield* spin_unlock(s.l); } },
      { name: "b", run: function* (s) { s.f.x = 1; yield* sched_point(); yield* spin_lock(s.l); s.f.v = s.f.v * 10 + 2; yield* spin_unlock(s.l); } },
    ],
    finalState: (s) => s.f.v,
  };
}

/** synchronize_rcu waits for a reader that entered its section first. */
function gracePeriod(): Scenario<{ f: { p: number; seen: number } }> {
  return {
    name: "grace period waits for a reader",
    models: "an updater's synchronize_rcu against a reader's critical section",
    setup: () => ({ f: kstruct("f", { p: 1, seen: -1 }) }),
    threads: [
      { name: "reader", run: function* (s) { yield* rcu_read_lock(); yield* sched_point(); s.f.seen = s.f.p; yield* rcu_read_unlock(); } },
      { name: "updater", run: function* (s) { yield* synchronize_rcu(); s.f.p = 2; } },
    ],
    finalState: (s) => s.f.seen,
  };
}

const SMALL: Array<() => Scenario<any>> = [
  waitSetThenCleared,
  readerRightAfterDownRead,
  lockAfterStep,
  gracePeriod,
  preluded,
  () => counter(2, false),
  () => counter(3, false),
  () => counter(3, true),
  listOrder,
  rcuSync,
  faulty,
  rwsem,
  refGet,
  handoff,
];

/** Brute-force traces that no complete DPOR execution covers. */
function missedTraces(brute: { traceSet?: Set<string> }, dpor: { traceSet?: Set<string> }): number {
  let n = 0;
  for (const t of brute.traceSet!) if (!dpor.traceSet!.has(t)) n++;
  return n;
}

describe("DPOR covers every Mazurkiewicz trace of brute-force enumeration", () => {
  const cases: Array<() => Scenario<any>> = [
    ...SMALL,
    ...REFERENCE_SCENARIOS.filter((r) => r.small && r.threads === 2).map((r) => () => r.scenario),
  ];
  for (const make of cases) {
    const sc = make();
    it(sc.name, () => {
      const brute = explore(sc, { strategy: "brute", collectFinalStates: true, collectTraces: true, maxExecutions: 200_000 });
      const dpor = explore(sc, { strategy: "dpor", collectFinalStates: true, collectTraces: true });
      expect(brute.complete).toBe(true);
      expect(dpor.complete).toBe(true);
      expect(missedTraces(brute, dpor)).toBe(0);
      expect(dpor.finalStates).toEqual(brute.finalStates);
      expect(dpor.ok).toBe(brute.ok);
      // Partial-order reduction: never more executions than brute force, and at most 2x the distinct traces.
      expect(dpor.executions).toBeLessThanOrEqual(brute.executions);
      expect(dpor.executions).toBeLessThanOrEqual(2 * brute.traces!);
    });
  }
});

describe("DPOR finds a bug exactly when brute force does (known bugs and twins)", () => {
  for (const kb of KNOWN_BUGS) {
    for (const [label, sc] of [["buggy", kb.buggy], ["fixed", kb.fixed]] as const) {
      it(`${kb.id} (${label})`, () => {
        const brute = explore(sc, { strategy: "brute", maxExecutions: 200_000, trace: false, shrink: false, collectTraces: true });
        const dpor = explore(sc, { strategy: "dpor", trace: false, shrink: false, collectTraces: true });
        expect(dpor.ok).toBe(brute.ok);
        if (dpor.ok && brute.complete) expect(missedTraces(brute, dpor)).toBe(0);
      });
    }
  }
});

describe("schedules are data", () => {
  it("token encode/decode round trip", () => {
    const choices = [0, 0, 0, 2, 3, 2, 2, 4, 0, 1, 1];
    const token = encodeSchedule(choices);
    expect(token).toBe("s1:a3bb!b2caa!a!");
    expect(decodeSchedule(token)).toEqual(choices);
  });
  it("a bad token is a clear error", () => {
    expect(() => decodeSchedule("x")).toThrow(ScheduleTokenError);
    expect(() => decodeSchedule("s1:a3#")).toThrow(/position 5/);
  });
  it("the same scenario gives a byte-identical trace", () => {
    const kb = KNOWN_BUGS.find((k) => k.id === "inc-not-zero")!;
    const a = explore(kb.buggy);
    const b = explore(kb.buggy);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const r1 = replay(kb.buggy, a.bug!.token);
    const r2 = replay(kb.buggy, a.bug!.token);
    expect(JSON.stringify(r1.trace)).toBe(JSON.stringify(r2.trace));
  });
  it("a token that does not fit the code is reported as nondeterminism", () => {
    const r = replay(counter(2, false), "s1:a");
    expect(r.report?.kind).toBe("nondeterminism");
  });
  it("code that keeps state between executions is reported as nondeterminism", () => {
    let calls = 0;
    const sc: Scenario<{ c: { v: number; w: number } }> = {
      name: "leaky module state",
      models: "a thread whose behaviour depends on a variable outside the simulation",
      setup: () => ({ c: kstruct("c", { v: 0, w: 0 }) }),
      threads: [
        { name: "a", run: function* (s) { calls++; if (calls > 1) s.c.w = 1; yield* sched_point(); s.c.v++; } },
        { name: "b", run: function* (s) { yield* sched_point(); s.c.v++; } },
      ],
    };
    const r = explore(sc);
    expect(r.bug?.report.kind).toBe("nondeterminism");
  });
});

describe("the prelude", () => {
  it("runs before the threads and is not part of the schedule", () => {
    const r = explore(preluded(), { collectFinalStates: true });
    expect(r.finalStates).toEqual(['"01"', '"10"']);
    const traced = replay(preluded(), "s1:a5b5");
    expect(traced.report).toBeNull();
    expect(traced.trace!.filter((s) => s.thread === "prelude").every((s) => s.i === -1)).toBe(true);
    expect(traced.trace!.filter((s) => s.thread !== "prelude")[0]!.i).toBe(0);
  });
  it("a prelude that blocks is reported", () => {
    const sc: Scenario<{ f: { v: number } }> = {
      name: "blocked prelude",
      models: "a prelude waiting for a thread that has not started",
      setup: () => ({ f: kstruct("f", { v: 0 }) }),
      prelude: function* (s) { yield* wait_event(() => s.f.v === 1, "v"); },
      threads: [{ name: "t", run: function* (s) { s.f.v = 1; } }],
    };
    expect(explore(sc).bug?.report.title).toMatch(/prelude is blocked/);
  });
});

describe("search strategies", () => {
  it("preemption-bounded search finds the lost update with one preemption", () => {
    const sc = { ...counter(2, false), check: (s: { c: { v: number } }) => { if (s.c.v !== 2) throw new Error(`lost update: ${s.c.v}`); } };
    const r = explore(sc, { strategy: "bounded", preemptionBound: 2 });
    expect(r.bug?.report.kind).toBe("assertion");
    expect(r.bug?.report.title).toMatch(/lost update: 1/);
    expect(r.bug?.foundWithPreemptions).toBe(1);
  });
  it("PCT with a fixed seed is deterministic and finds the lost update", () => {
    const sc = { ...counter(3, false), check: (s: { c: { v: number } }) => { if (s.c.v !== 3) throw new Error(`lost update: ${s.c.v}`); } };
    const a = explore(sc, { strategy: "pct", seed: 42, runs: 200 });
    const b = explore(sc, { strategy: "pct", seed: 42, runs: 200 });
    expect(a.ok).toBe(false);
    expect(a.bug!.token).toBe(b.bug!.token);
    expect(a.executions).toBe(b.executions);
  });
  it("a failing schedule is shrunk to the fewest preemptions", () => {
    const sc = { ...counter(3, false), check: (s: { c: { v: number } }) => { if (s.c.v !== 3) throw new Error(`lost update: ${s.c.v}`); } };
    const r = explore(sc, { strategy: "pct", seed: 7, runs: 500 });
    expect(r.bug!.preemptions).toBeLessThanOrEqual(r.bug!.foundWithPreemptions);
    expect(r.bug!.preemptions).toBe(1);
    expect(replay(sc, r.bug!.token).report?.kind).toBe("assertion");
  });
  it("hitting the execution budget says so and what to do", () => {
    const r = explore(counter(3, false), { maxExecutions: 3 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toMatch(/maxExecutions/);
  });
});

describe("SV-COMP concurrency benchmarks: every verdict matches the benchmark's", () => {
  for (const p of SVCOMP_PORTS) {
    it(`${p.benchmark} (expected ${p.expected ? "safe" : "unsafe"})`, () => {
      const r = explore(p.scenario, { trace: false, shrink: false });
      if (p.expected) {
        expect(r.bug?.report.title).toBeUndefined();
        expect(r.complete).toBe(true);
      } else {
        expect(r.bug?.report.title).toBe("kernel BUG: reach_error()");
      }
      if (p.small) {
        const b = explore(p.scenario, { strategy: "brute", trace: false, shrink: false, collectTraces: true, maxExecutions: 5_000 });
        expect(b.complete || !b.ok).toBe(true);
        expect(b.ok).toBe(r.ok);
        if (r.ok) {
          const d = explore(p.scenario, { trace: false, shrink: false, collectTraces: true });
          expect(missedTraces(b, d)).toBe(0);
        }
      }
    });
  }
});

describe("spin loops, nondeterminism, threads created at run time", () => {
  const spin = (): Scenario<{ l: Spinlock; f: { v: number } }> => ({
    name: "trylock spin",
    models: "a spin_trylock loop with cpu_relax",
    setup: () => ({ l: new Spinlock("&l"), f: kstruct("f", { v: 0 }) }),
    threads: [
      {
        name: "holder",
        run: function* (s) {
          yield* spin_lock(s.l);
          s.f.v = 1;
          yield* sched_point();
          yield* spin_unlock(s.l);
        },
      },
      {
        name: "spinner",
        run: function* (s) {
          while (!(yield* spin_trylock(s.l))) yield* cpu_relax();
          s.f.v = s.f.v * 10 + 2;
          yield* spin_unlock(s.l);
        },
      },
    ],
    finalState: (s) => s.f.v,
  });
  it("a spin_trylock loop with cpu_relax is explored like spin_lock, not as runaway code", () => {
    const brute = explore(spin(), { strategy: "brute", collectFinalStates: true, collectTraces: true });
    const dpor = explore(spin(), { collectFinalStates: true, collectTraces: true });
    expect(dpor.bug?.report.message).toBeUndefined();
    expect(dpor.complete).toBe(true);
    expect(dpor.finalStates).toEqual(["1", "12"]);
    const missed = [...brute.traceSet!].filter((t) => !dpor.traceSet!.has(t));
    expect(missed, JSON.stringify({ missed, dpor: [...dpor.traceSet!] }, null, 1)).toEqual([]);
  });
  it("a spin nothing can end is reported as every thread blocked", () => {
    const r = explore({
      name: "spin on a flag nobody sets",
      models: "a polling loop with cpu_relax and no other thread",
      setup: () => ({ f: kstruct("f", { ready: 0 }) }),
      threads: [{ name: "poller", run: function* (s) { while ((yield* READ_ONCE(s.f, "ready")) === 0) yield* cpu_relax(); } }],
    });
    expect(r.bug?.report.kind).toBe("deadlock");
    expect(r.bug?.report.message).toMatch(/cpu_relax.*spin loop/);
  });
  it("nondet_int explores every value; kthread_run/kthread_join order the threads", () => {
    const sc: Scenario<{ f: { v: number; w: number } & KObject }> = {
      name: "nondet and join",
      models: "main picks a value, a child doubles it, main joins",
      setup: () => ({ f: kstruct("f", { v: 0, w: 0 }) }),
      threads: [
        {
          name: "main",
          run: function* (s) {
            s.f.v = yield* nondet_int(1, 3);
            const t = yield* kthread_run(function* () {
              s.f.w = ((yield* READ_ONCE(s.f, "v")) as number) * 2;
              return 7;
            }, "child");
            const r = yield* kthread_join(t);
            s.f.v = s.f.w + (r as number);
          },
        },
      ],
      kcsan: true,
      finalState: (s) => s.f.v,
    };
    const r = explore(sc, { collectFinalStates: true });
    expect(r.bug?.report.message).toBeUndefined();
    expect(r.finalStates).toEqual(["11", "13", "9"]);
  });
});
