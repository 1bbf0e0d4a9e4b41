import { describe, it, expect } from "vitest";
import { explore, Spinlock, spin_lock, spin_unlock, Atomic, atomic_read, atomic_set, type Scenario, check_that, KObject, trackFields, sched_point } from "./index";

class Counter extends KObject { readonly type = "counter"; declare value: number; constructor(){ super(); this._f[1] = 0; } }
trackFields(Counter, ["value"]);

function scenario(locked: boolean): Scenario<{ c: Counter; l: Spinlock }> {
  const inc = function* (s: { c: Counter; l: Spinlock }) {
    if (locked) yield* spin_lock(s.l);
    const v = s.c.value;
    yield* sched_point();
    s.c.value = v + 1;
    if (locked) yield* spin_unlock(s.l);
  };
  return {
    name: "counter", models: "two increments",
    setup: () => ({ c: new Counter(), l: new Spinlock("&lock") }),
    threads: [{ name: "A", run: inc }, { name: "B", run: inc }],
    check: (s) => check_that(s.c.value === 2, `lost update: ${s.c.value}`),
    finalState: (s) => s.c.value,
  };
}

describe("smoke", () => {
  it("finds lost update", () => {
    const r = explore(scenario(false));
    console.log(JSON.stringify({ ...r, bug: r.bug && { ...r.bug, trace: r.bug.trace?.length } }, null, 1));
    expect(r.ok).toBe(false);
  });
  it("locked passes", () => {
    const r = explore(scenario(true), { collectFinalStates: true });
    console.log(r);
    expect(r.ok).toBe(true);
  });
  it("brute", () => {
    const r = explore(scenario(true), { strategy: "brute", collectFinalStates: true });
    console.log(r);
  });
});
