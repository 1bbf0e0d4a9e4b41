/*
 * The runaway-code report names the loop that did not end (the primitives
 * the thread kept calling and the learner's line), says what to change in
 * the code, and never asks the learner to raise the test's step limit.
 */
import { describe, expect, it } from "vitest";
import {
  Atomic,
  atomic_inc_not_zero,
  atomic_set,
  cpu_relax,
  explore,
  kstruct,
  sched_point,
  type Sim,
  spin_lock,
  spin_trylock,
  spin_unlock,
  Spinlock,
  WRITE_ONCE,
} from "../testing";

/** Two threads take one lock: a holder, and a spinner that polls it with `pause` between tries. */
function pollingScenario(pause: () => Sim) {
  return {
    name: "spin",
    models: "a trylock loop against a holder",
    limits: { maxSteps: 300 },
    setup: () => ({ lock: new Spinlock("l") }),
    threads: [
      {
        name: "holder",
        run: function* (s: { lock: Spinlock }): Sim {
          yield* spin_lock(s.lock);
          yield* sched_point();
          yield* spin_unlock(s.lock);
        },
      },
      {
        name: "spinner",
        run: function* (s: { lock: Spinlock }): Sim {
          while (!(yield* spin_trylock(s.lock))) yield* pause();
          yield* spin_unlock(s.lock);
        },
      },
    ],
  };
}

/** Where "the learner's code" is, for the traced replay: the test's own frames are the simulator's. */
const learnerAt = {
  current: () => ({ file: "loop.ts", line: 7, column: 3 }),
  thrownAt: () => undefined,
  currentFunction: () => "spin_loop",
};

describe("runaway code report", () => {
  it("names the polling loop's primitives and recommends cpu_relax(), not a larger limit", () => {
    const r = explore(pollingScenario(function* () { yield* sched_point(); }), { locations: learnerAt });
    expect(r.bug?.report.kind).toBe("step-budget");
    const msg = r.bug!.report.message;
    expect(msg).toMatch(/thread spinner kept calling/);
    expect(msg).toMatch(/spin_trylock \(loop\.ts:7\)/);
    expect(msg).toMatch(/sched_point/);
    expect(msg).toMatch(/cpu_relax\(\)/);
    expect(msg).not.toMatch(/maxSteps|raise/i);
    expect(r.bug!.report.location).toEqual({ file: "loop.ts", line: 7, column: 3 });
  });

  it("the same loop with cpu_relax() between tries is explored like spin_lock()", () => {
    const r = explore(pollingScenario(function* () { yield* cpu_relax(); }));
    expect(r.ok).toBe(true);
    expect(r.complete).toBe(true);
  });

  it("a loop is polling by what its steps do, not by the names of its primitives", () => {
    // atomic_inc_not_zero() on a zero count takes nothing and writes nothing: retried, it polls like a trylock.
    const r = explore(
      {
        name: "revive",
        models: "a get retried on a count that another thread sets later",
        limits: { maxSteps: 200 },
        setup: () => ({ c: new Atomic(0) }),
        threads: [
          {
            name: "getter",
            run: function* (s: { c: Atomic }): Sim {
              while (!(yield* atomic_inc_not_zero(s.c))) yield* sched_point();
            },
          },
          {
            name: "setter",
            run: function* (s: { c: Atomic }): Sim {
              yield* sched_point();
              yield* atomic_set(s.c, 1);
            },
          },
        ],
      },
      { locations: learnerAt },
    );
    expect(r.bug?.report.kind).toBe("step-budget");
    const msg = r.bug!.report.message;
    expect(msg).toMatch(/thread getter kept calling .*atomic_inc_not_zero/);
    expect(msg).toMatch(/must call cpu_relax\(\) between attempts/);
    expect(msg).not.toMatch(/exit condition|maxSteps/);
  });

  it("a loop that takes and drops a lock writes: it is told to check its exit condition", () => {
    const r = explore(
      {
        name: "relock",
        models: "a loop that locks and unlocks forever",
        limits: { maxSteps: 200 },
        setup: () => ({ lock: new Spinlock("l") }),
        threads: [
          {
            name: "relocker",
            run: function* (s: { lock: Spinlock }): Sim {
              for (;;) {
                yield* spin_lock(s.lock);
                yield* spin_unlock(s.lock);
              }
            },
          },
        ],
      },
      { maxExecutions: 1 },
    );
    const msg = r.bug!.report.message;
    expect(msg).toMatch(/thread relocker kept calling spin_(un)?lock/);
    expect(msg).toMatch(/exit condition/);
    expect(msg).not.toMatch(/cpu_relax/);
  });

  it("a loop that writes is told to check its exit condition, not to relax", () => {
    const r = explore(
      {
        name: "writer",
        models: "a loop that never ends",
        limits: { maxSteps: 200 },
        setup: () => ({ n: kstruct("counter", { v: 0 }) }),
        threads: [
          {
            name: "looper",
            run: function* (s): Sim {
              for (let i = 0; ; i++) yield* WRITE_ONCE(s.n, "v", i);
            },
          },
        ],
      },
      { maxExecutions: 1 },
    );
    const msg = r.bug!.report.message;
    expect(msg).toMatch(/thread looper kept calling WRITE_ONCE/);
    expect(msg).toMatch(/exit condition/);
    expect(msg).not.toMatch(/cpu_relax|maxSteps/);
  });
});
