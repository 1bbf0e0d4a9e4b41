/*
 * What code under test cannot do to the runtime: swap or re-drive an
 * operation, rewrite an object's identity, end a thread silently with a
 * forged bug report, start an execution inside a step, or pass a test whose
 * exhaustive search it cut short.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SimBug } from "./report";
import {
  defineSuite,
  explore,
  kstruct,
  nondet_bool,
  runTest,
  sched_point,
  type Scenario,
  type Sim,
  Spinlock,
  KObject,
  KmemCache,
  GFP_KERNEL,
  kmem_cache_alloc,
  kmem_cache_free,
  spin_lock,
  spin_unlock,
  Mutex,
  mutex_lock,
  mutex_unlock,
  RwSemaphore,
  down_read,
  up_read,
  synchronize_rcu,
  rcu_read_lock,
  rcu_read_unlock,
  nameOf,
  setLabel,
  setNeutralNames,
} from "./testing";

type S = { c: { v: number } & { id: number }; l: Spinlock };

/** Two unlocked increments around `trick`: a lost update unless the trick fools the explorer. */
function racy(trick: (s: S, step: "read" | "write", thread: number) => void): Scenario<S> {
  const inc = (thread: number) =>
    function* (s: S): Sim {
      trick(s, "read", thread);
      const v = s.c.v;
      yield* sched_point();
      trick(s, "write", thread);
      s.c.v = v + 1;
    };
  return {
    name: "racy counter",
    models: "two unlocked increments",
    setup: () => ({ c: kstruct("counter", { v: 0 }) as S["c"], l: new Spinlock("&l") }),
    threads: [
      { name: "t0", run: inc(0) },
      { name: "t1", run: inc(1) },
    ],
    check: (s) => {
      if (s.c.v !== 2) throw new Error(`lost update: ${s.c.v}`);
    },
  };
}

describe("operations are the simulator's", () => {
  it("an op's impl, state and fields cannot be swapped or added", () => {
    let swapped = 0;
    const r = explore(
      racy(() => {
        const op = sched_point() as unknown as Record<string, unknown>;
        for (const key of ["impl", "state", "phase", "aux", "fail", "obj"]) {
          try {
            op[key] = { name: "barrier", perform: () => undefined };
            swapped++;
          } catch {
            /* read-only */
          }
        }
        try {
          Object.defineProperty(op, "impl", { value: {} });
          swapped++;
        } catch {
          /* not extensible */
        }
        // Created but never driven: drive it so the step stays well-formed.
        (op as unknown as Iterator<unknown>).next();
      }),
    );
    expect(swapped).toBe(0);
    expect(r.bug?.report.message).toMatch(/lost update/);
  });

  it("a pending op cannot be driven again by hand to skip its scheduling point", () => {
    const sc: Scenario<{ n: number }> = {
      name: "re-drive",
      models: "a grace period waited for twice by hand",
      setup: () => ({ n: 0 }),
      threads: [
        {
          name: "reader",
          run: function* (): Sim {
            yield* rcu_read_lock();
            yield* sched_point();
            yield* rcu_read_unlock();
          },
        },
        {
          name: "updater",
          run: function* (): Generator<unknown, void, unknown> {
            const op = synchronize_rcu() as unknown as Iterator<unknown>;
            yield op.next().value; // started: now the thread's pending op
            op.next(); // phase 0, granted by the scheduler
            op.next(); // phase 1 without the scheduler: refused
          },
        },
      ],
    };
    expect(() => explore(sc)).toThrow(/synchronize_rcu\(\) was resumed outside the scheduler/);
  });

  it("each iterator result is fresh: a kept one does not see later ops", () => {
    let kept: IteratorResult<unknown> | null = null;
    let sawOther = false;
    explore({
      name: "kept result",
      models: "an iterator result kept across steps",
      setup: () => ({}),
      threads: [
        {
          name: "a",
          run: function* (): Generator<unknown, void, unknown> {
            const op = sched_point() as unknown as Iterator<unknown>;
            kept = op.next();
            const mine = kept.value;
            yield mine;
            yield* sched_point();
            sawOther ||= kept.value !== mine;
          },
        },
        { name: "b", run: function* (): Sim { yield* sched_point(); } },
      ],
    });
    expect(kept).not.toBeNull();
    expect(sawOther).toBe(false);
  });
});

describe("objects are the simulator's", () => {
  it("an object's identity cannot be rewritten to hide a race", () => {
    const r = explore(
      racy((s, step, thread) => {
        try {
          // Each thread's reads and writes under ids of their own: no two accesses would conflict.
          s.c.id = (step === "read" ? 500 : 600) + thread;
        } catch {
          /* read-only */
        }
      }),
    );
    expect(r.bug?.report.message).toMatch(/lost update/);
  });
});

type L = { c: { v: number }; l: Spinlock; m: Mutex; sem: RwSemaphore };
/** Two increments under a lock of each kind; `trick` runs inside the critical section. */
function locked(trick: (s: L) => void): Scenario<L> {
  const inc = function* (s: L): Sim {
    yield* mutex_lock(s.m);
    yield* down_read(s.sem);
    yield* spin_lock(s.l);
    const v = s.c.v;
    trick(s);
    yield* sched_point();
    s.c.v = v + 1;
    yield* spin_unlock(s.l);
    yield* up_read(s.sem);
    yield* mutex_unlock(s.m);
  };
  return {
    name: "locked counter",
    models: "two locked increments",
    setup: () => ({ c: kstruct("counter", { v: 0 }), l: new Spinlock("&l"), m: new Mutex("&m"), sem: new RwSemaphore("&sem") }),
    threads: [
      { name: "t0", run: inc },
      { name: "t1", run: inc },
    ],
    check: (s) => {
      if (s.c.v !== 2) throw new Error(`lost update: ${s.c.v}`);
    },
  };
}


describe("lock state is the simulator's", () => {
  it("owner, writer and readers are read-only to code under test", () => {
    const refused: string[] = [];
    const r = explore(
      locked((s) => {
        const tries: Array<[string, () => void]> = [
          ["spinlock owner", () => ((s.l as unknown as { owner: unknown }).owner = null)],
          ["mutex owner", () => ((s.m as unknown as { owner: unknown }).owner = null)],
          ["rwsem readers", () => ((s.sem as unknown as { readers: number }).readers = 0)],
          ["rwsem writer", () => ((s.sem as unknown as { writer: unknown }).writer = null)],
        ];
        for (const [what, f] of tries) {
          try {
            f();
          } catch (e) {
            if (e instanceof TypeError && /changed only by its primitives/.test(e.message)) refused.push(what);
          }
        }
      }),
    );
    // Released by hand, the locks would let the other thread in and lose an update.
    expect(r.bug).toBeUndefined();
    expect(new Set(refused)).toEqual(new Set(["spinlock owner", "mutex owner", "rwsem readers", "rwsem writer"]));
  });

  it("the state stays readable, and a reader count is exact", () => {
    let seen = -1;
    const r = explore(
      locked((s) => {
        seen = Math.max(seen, s.sem.readers);
        if (s.l.owner === null || s.m.owner === null || s.sem.writer !== null) throw new Error("lock state not visible");
      }),
    );
    expect(r.bug).toBeUndefined();
    expect(seen).toBe(1);
  });
});

describe("kernel objects cannot lie", () => {
  it("a class cannot extend a kernel object or a primitive's object", () => {
    const made: string[] = [];
    const r = explore({
      name: "subclasses",
      models: "code under test defines look-alikes",
      setup: () => ({}),
      threads: [
        {
          name: "t",
          *run() {
            const tries: Array<[string, () => unknown]> = [
              ["Spinlock", () => new (class extends Spinlock {})("&fake")],
              ["Mutex", () => new (class extends Mutex {})("&fake")],
              ["RwSemaphore", () => new (class extends RwSemaphore {})("&fake")],
              ["KObject", () => new (class extends KObject { get type() { return "fake"; } })()],
            ];
            for (const [what, f] of tries) {
              try {
                f();
                made.push(what);
              } catch (e) {
                if (!(e instanceof TypeError) || !/cannot extend/.test(e.message)) made.push(`${what}: ${String(e)}`);
              }
            }
            yield* sched_point();
          },
        },
      ],
    });
    expect(r.bug).toBeUndefined();
    expect(made).toEqual([]);
  });

  it("a Proxy of a lock is not a lock: the primitive refuses it before anything runs", () => {
    const refused = explore({
      name: "proxied lock",
      models: "a lock whose reads are rewritten",
      setup: () => ({ l: new Spinlock("&l") }),
      threads: [{ name: "t", *run(s) { yield* spin_lock(new Proxy(s.l, {})); yield* spin_unlock(s.l); } }],
    });
    expect(refused.bug?.report.message).toMatch(/spin_lock\(\) expects a Spinlock/);
  });

  it("liveness and reuse bookkeeping are not members of an object", () => {
    const o = explore({
      name: "bookkeeping",
      models: "code under test looks for an oracle",
      setup: () => ({ c: kstruct("thing", { v: 0 }) }),
      threads: [
        {
          name: "t",
          *run(s) {
            const c = s.c as unknown as Record<string, unknown>;
            for (const k of ["freed", "gen", "cacheName", "allocStep", "freeStep", "allocThread", "freeThread", "embeddedIn", "embedded"]) {
              if (k in c) throw new Error(`${k} is readable`);
            }
            yield* sched_point();
          },
        },
      ],
    });
    expect(o.bug).toBeUndefined();
  });

  it("a leak check that names caches still finds a leak in a cache of any other name", () => {
    const theirs = new KmemCache("their_events", () => kstruct("ev", { v: 0 }));
    const r = explore({
      name: "private cache",
      models: "code under test allocates from a cache of its own",
      setup: () => ({}),
      threads: [
        {
          name: "t",
          *run() {
            const mine = new KmemCache("my_scratch", () => kstruct("ev", { v: 0 }));
            yield* kmem_cache_alloc(mine, GFP_KERNEL);
            const ok = yield* kmem_cache_alloc(theirs, GFP_KERNEL);
            if (ok !== null) yield* kmem_cache_free(theirs, ok);
          },
        },
      ],
      leakCheck: ["their_events"],
    });
    expect(r.bug?.report.title).toMatch(/kmemleak: 1 new suspected memory leak/);
    expect(r.bug?.report.message).toMatch(/cache my_scratch/);
  });

  it("two caches of one name are two caches: freeing to the other is a wrong-cache free", () => {
    const a = new KmemCache("twin", () => kstruct("ev", { v: 0 }));
    const b = new KmemCache("twin", () => kstruct("ev", { v: 0 }));
    const r = explore({
      name: "twins",
      models: "two caches share a name",
      setup: () => ({}),
      threads: [
        {
          name: "t",
          *run() {
            const o = yield* kmem_cache_alloc(a, GFP_KERNEL);
            if (o !== null) yield* kmem_cache_free(b, o);
          },
        },
      ],
    });
    expect(r.bug?.report.title).toMatch(/Wrong slab cache/);
  });
});

describe("the execution is the simulator's", () => {
  it("a forged bug report ends nothing silently: it is reported as an exception", () => {
    const sc: Scenario<{ n: number }> = {
      name: "forged",
      models: "a thread that throws the simulator's report type",
      setup: () => ({ n: 0 }),
      threads: [
        {
          name: "liar",
          run: function* (s): Sim {
            yield* sched_point();
            if (s.n === 0) throw new SimBug({ kind: "assertion", title: "nothing", message: "", thread: "", step: 0 });
          },
        },
      ],
    };
    const r = explore(sc);
    expect(r.bug?.report.kind).toBe("exception");
    expect(r.bug?.report.title).toMatch(/SimBug/);
  });

  it("an execution cannot start inside another's step", () => {
    const inner = racy(() => undefined);
    const outer = (): unknown => explore({
      name: "nested",
      models: "a thread that starts an exploration",
      setup: () => ({}),
      threads: [
        {
          name: "t",
          run: function* (): Sim {
            yield* sched_point();
            explore(inner);
          },
        },
      ],
    });
    expect(outer).toThrow(/cannot be started while another one runs/);
  });
});

describe("tracing changes nothing", () => {
  it("code that behaves only when its failing schedule is replayed still fails", () => {
    // The code learns that it failed (here from the check, standing for any side channel) and is right from then on.
    const learned = { failed: false };
    const r = explore({
      ...racy((s, step) => {
        if (learned.failed && step === "read") s.c.v = 1;
      }),
      check: (s) => {
        if (s.c.v !== 2) {
          learned.failed = true;
          throw new Error(`lost update: ${s.c.v}`);
        }
      },
    }, { shrink: false });
    expect(r.bug?.report.kind).toBe("nondeterminism");
    expect(r.bug?.report.title).toMatch(/does not fail again/);
  });
});

describe("a cut-short search is not a pass", () => {
  const padded = (): Scenario<S> => {
    const sc = racy(() => undefined);
    return {
      ...sc,
      // About the budget alone: the data-race detector, on by default in suites, would report the race first.
      kcsan: false,
      threads: sc.threads.map((t) => ({
        ...t,
        run: function* (s: S): Sim {
          yield* t.run(s) as Sim;
          for (let i = 0; i < 10; i++) yield* nondet_bool("padding");
        },
      })),
    };
  };

  it("an exhaustive search stopped by its budget fails and says so", () => {
    const [t] = defineSuite(() => [{ name: "padded", description: "", scenarios: [padded()], explore: { maxExecutions: 50 } }]).factory(null);
    const o = runTest(t!);
    expect(o.passed).toBe(false);
    expect(o.message).toMatch(/the search was cut short/);
  });

  it("a test may still accept a partial search explicitly", () => {
    const [t] = defineSuite(() => [
      { name: "padded", description: "", scenarios: [padded()], explore: { maxExecutions: 50 }, requireComplete: false },
    ]).factory(null);
    const o = runTest(t!);
    expect(o.passed).toBe(true);
    expect(o.limitHit).toMatch(/maxExecutions/);
  });
});

describe("object names are the simulator's", () => {
  type N = { c: { v: number } & KObject; l: Spinlock; cache: KmemCache<KObject & { v: number }> };
  const named = (body: (s: N) => Sim): Scenario<N> => ({
    name: "named objects",
    models: "code under test reads or rewrites the names of a test's objects",
    setup: () => ({
      c: kstruct("thing", { v: 0 }, "the_counter"),
      l: new Spinlock("&counter->lock", "counter.lock"),
      cache: new KmemCache("events", () => kstruct("ev", { v: 0 })),
    }),
    threads: [
      { name: "t0", run: body },
      { name: "t1", run: body },
    ],
    check: (s) => {
      if (s.c.v !== 2) throw new Error(`lost update: ${s.c.v}`);
    },
  });

  afterEach(() => setNeutralNames(false));

  it("while names are neutral, code reads an object's type and id, never the test's label", () => {
    setNeutralNames(true);
    const seen: string[] = [];
    const r = explore(
      named(function* (s) {
        seen.push(s.c.label, s.c.name, s.l.label, s.l.name);
        // Right only for the test's own objects: neutral names make it take the racy path.
        const watched = [s.c.label, s.c.name, s.l.name].some((n) => /counter/.test(n));
        if (watched) yield* spin_lock(s.l);
        const v = s.c.v;
        yield* sched_point();
        s.c.v = v + 1;
        if (watched) yield* spin_unlock(s.l);
      }),
    );
    expect(r.bug?.report.message).toMatch(/lost update/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => /^(thing|spinlock_t)#\d+$/.test(n))).toBe(true);
    // Reports and traces keep the test's names.
    expect(r.bug?.objects?.map((o) => o.name)).toEqual(expect.arrayContaining(["the_counter", "counter.lock"]));
  });

  it("outside a grading the label is readable, and nobody but the simulator and tests renames an object", () => {
    const refused: string[] = [];
    const r = explore(
      named(function* (s) {
        expect(s.c.label).toBe("the_counter");
        for (const [what, o] of [["counter", s.c], ["lock", s.l]] as const) {
          try {
            (o as unknown as { label: string }).label = "";
          } catch (e) {
            if (e instanceof TypeError && /cannot rename an object/.test(e.message)) refused.push(what);
          }
        }
        yield* spin_lock(s.l);
        const v = s.c.v;
        yield* sched_point();
        s.c.v = v + 1;
        yield* spin_unlock(s.l);
      }),
    );
    expect(r.bug).toBeUndefined();
    expect(new Set(refused)).toEqual(new Set(["counter", "lock"]));
    const o = kstructOutside();
    setLabel(o, "renamed\u001b[2J\u202e");
    expect(nameOf(o)).toBe("renamed[2J");
  });

  it("a leaked object is reported under the test's name whatever code under test tried", () => {
    const r = explore({
      name: "hidden leak",
      models: "code under test renames what it leaks",
      setup: () => ({ cache: new KmemCache("events", () => kstruct("ev", { v: 0 })) }),
      leakCheck: true,
      threads: [
        {
          name: "t",
          *run(s) {
            const ev = yield* kmem_cache_alloc(s.cache, GFP_KERNEL);
            try {
              (ev as unknown as { label: string }).label = "not a leak";
            } catch {
              /* refused */
            }
          },
        },
      ],
    });
    expect(r.bug?.report.title).toMatch(/kmemleak: 1 new suspected memory leak/);
    expect(r.bug?.report.message).toMatch(/unreferenced object ev#\d+ \(ev, cache events\)/);
  });

  it("a name or a lock class given by code under test is a plain string, read once, with no control characters", () => {
    const trap = { [Symbol.toPrimitive]: () => "counter", toString: () => "counter" };
    const made: string[] = [];
    const r = explore({
      name: "names",
      models: "code under test names its own objects",
      setup: () => ({}),
      threads: [
        {
          name: "t",
          *run() {
            const tries: Array<[string, () => unknown]> = [
              ["kstruct label", () => kstruct("ev", { v: 0 }, trap as unknown as string)],
              ["kstruct type", () => kstruct(trap as unknown as string, { v: 0 })],
              ["lock label", () => new Spinlock("&l", trap as unknown as string)],
              ["lock class", () => new Mutex(trap as unknown as string)],
              ["cache name", () => new KmemCache(trap as unknown as string, () => kstruct("ev", { v: 0 }))],
            ];
            for (const [what, f] of tries) {
              try {
                f();
                made.push(what);
              } catch (e) {
                if (!(e instanceof TypeError) || !/must be a string/.test(e.message)) made.push(`${what}: ${String(e)}`);
              }
            }
            const l = new Spinlock("&l\u001b[31m\u202e", "x\u0000y");
            expect([l.lockClass, nameOf(l)]).toEqual(["&l[31m", "xy"]);
            yield* sched_point();
          },
        },
      ],
    });
    expect(r.bug).toBeUndefined();
    expect(made).toEqual([]);
  });

  it("a lock's class and kind are the simulator's: rewriting them hides no inversion and no sleep under a spinlock", () => {
    const rewritten: string[] = [];
    const tryWrite = (o: object, k: string, v: unknown) => {
      try {
        (o as Record<string, unknown>)[k] = v;
        rewritten.push(k);
      } catch {
        /* frozen or a getter */
      }
    };
    const ab = explore({
      name: "inversion",
      models: "two threads take two locks in opposite orders, one after renaming a class",
      setup: () => ({ a: new Mutex("&a"), b: new Mutex("&b") }),
      threads: [
        { name: "t0", *run(s) { yield* mutex_lock(s.a); yield* mutex_lock(s.b); yield* mutex_unlock(s.b); yield* mutex_unlock(s.a); } },
        {
          name: "t1",
          *run(s) {
            tryWrite(s.a, "lockClass", "&a2");
            tryWrite(s.b, "lockClass", "&b2");
            yield* mutex_lock(s.b);
            yield* mutex_lock(s.a);
            yield* mutex_unlock(s.a);
            yield* mutex_unlock(s.b);
          },
        },
      ],
    });
    expect(ab.bug?.report.title).toMatch(/circular locking dependency|deadlock/);
    const sleep = explore({
      name: "sleep under spinlock",
      models: "a mutex taken under a spinlock whose kind was rewritten",
      setup: () => ({ l: new Spinlock("&l"), m: new Mutex("&m") }),
      threads: [
        {
          name: "t",
          *run(s) {
            tryWrite(s.l, "spins", false);
            yield* spin_lock(s.l);
            yield* mutex_lock(s.m);
            yield* mutex_unlock(s.m);
            yield* spin_unlock(s.l);
          },
        },
      ],
    });
    expect(sleep.bug?.report.title).toMatch(/sleeping function called from invalid context/);
    expect(rewritten).toEqual([]);
  });
});

/** A structure made outside any test: an execution of its own holds it. */
function kstructOutside(): KObject {
  let o: KObject | null = null;
  explore({ name: "make", models: "", setup: () => ((o = kstruct("thing", { v: 0 })), {}), threads: [] });
  return o!;
}

describe("the traces' view of an object is the simulator's", () => {
  afterEach(() => setNeutralNames(false));

  it("while grading, describe() is refused to code under test, and traces still show every object's state", () => {
    setNeutralNames(true);
    const refused: string[] = [];
    const sc: Scenario<{ c: { v: number } & KObject; l: Spinlock }> = {
      name: "describe",
      models: "code under test reads state and names through describe(), recording no access",
      setup: () => ({ c: kstruct("thing", { v: 0 }, "the_counter"), l: new Spinlock("&l", "the_lock") }),
      threads: [
        {
          name: "t",
          *run(s) {
            for (const [what, o] of [["struct", s.c], ["lock", s.l]] as const) {
              try {
                o.describe();
              } catch (e) {
                if (e instanceof TypeError && /describe\(\) is the simulator's view/.test(e.message)) refused.push(what);
              }
            }
            yield* spin_lock(s.l);
            s.c.v = 1;
            yield* spin_unlock(s.l);
            throw new Error("stop here for a trace");
          },
        },
      ],
    };
    const r = explore(sc);
    expect(new Set(refused)).toEqual(new Set(["struct", "lock"]));
    const objects = r.bug?.objects ?? [];
    expect(objects.find((o) => o.name === "the_counter")?.state).toEqual({ v: 1 });
    expect(objects.find((o) => o.name === "the_lock")?.state).toBeDefined();
  });

  it("embed() only makes a new object a member of a structure: an object in use cannot be moved", () => {
    const refused: string[] = [];
    const r = explore({
      name: "embed",
      models: "code under test re-parents objects",
      setup: () => ({ c: kstruct("thing", { v: 0 }), l: new Spinlock("&l") }),
      threads: [
        {
          name: "t",
          *run(s) {
            const mine = kstruct("mine", { v: 0 });
            const tries: Array<[string, () => unknown]> = [
              ["a lock in use", () => mine.embed(s.l, "lock")],
              ["twice", () => (s.c.embed(mine, "x"), kstruct("other", { v: 0 }).embed(mine, "y"))],
            ];
            for (const [what, f] of tries) {
              try {
                f();
              } catch (e) {
                if (e instanceof TypeError && /an object already in use cannot be embedded/.test(e.message)) refused.push(what);
              }
            }
            yield* sched_point();
          },
        },
      ],
    });
    expect(r.bug).toBeUndefined();
    expect(refused).toEqual(["a lock in use", "twice"]);
  });
});

describe("reports name objects by the test's labels", () => {
  afterEach(() => setNeutralNames(false));

  it("while grading too, and a primitive called without yield* names its object by label", () => {
    setNeutralNames(true);
    const r = explore({
      name: "forgotten yield",
      models: "a primitive called and never run",
      setup: () => ({ l: new Spinlock("&l", "the_lock") }),
      threads: [
        {
          name: "t",
          *run(s) {
            yield* sched_point();
            spin_lock(s.l);
          },
        },
      ],
    });
    expect(r.bug?.report.message).toMatch(/spin_lock\(the_lock\)/);
  });

  it("a value that is not a kernel object is named without running any of its code", () => {
    let ran = false;
    const trap = {
      get name() {
        ran = true;
        return "lie";
      },
    };
    expect(nameOf(trap as unknown as KObject)).toBe("(not a kernel object)");
    expect(ran).toBe(false);
  });
});
