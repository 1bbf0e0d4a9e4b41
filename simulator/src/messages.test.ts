/*
 * Whose check failed: a check of the test (check_that) is reported as the
 * test's expectation, a BUG_ON of the kernel code as a kernel BUG. A lock
 * still held when a thread ends is reported as such, with where it was
 * taken; a use-after-free names the field accessed and the line.
 */
import { describe, expect, it } from "vitest";
import {
  BUG_ON,
  check_that,
  explore,
  kmem_cache_alloc,
  kmem_cache_free,
  KmemCache,
  kstruct,
  sched_point,
  type Sim,
  spin_lock,
  Spinlock,
} from "./testing";

/** Where "the learner's code" is, for the traced replay: the test's own frames are the simulator's. */
const learnerAt = {
  current: () => ({ file: "mine.ts", line: 12, column: 5 }),
  thrownAt: () => undefined,
  currentFunction: () => "my_function",
};

describe("reports say whose check failed", () => {
  it("a failed check_that() of a test is titled as the test's, not as a kernel BUG", () => {
    const r = explore(
      {
        name: "check",
        models: "a counter the test expects at 2",
        setup: () => ({ n: kstruct("counter", { v: 1 }) }),
        threads: [{ name: "t", run: function* (): Sim { yield* sched_point(); } }],
        check: (s) => check_that(s.n.v === 2, "the test expected the counter at 2, found 1"),
      },
      { maxExecutions: 1 },
    );
    expect(r.bug?.report.kind).toBe("assertion");
    expect(r.bug?.report.title).toBe("Test failed: the test expected the counter at 2, found 1");
    expect(r.bug?.report.message).toMatch(/check failed/);
    expect(`${r.bug?.report.title}\n${r.bug?.report.message}`).not.toMatch(/kernel BUG|in the kernel code/);
  });

  it("a BUG_ON() of the kernel code is a kernel BUG", () => {
    const r = explore(
      {
        name: "bug_on",
        models: "a BUG_ON that fires",
        setup: () => ({}),
        threads: [{ name: "t", run: function* (): Sim { yield* sched_point(); BUG_ON(true, "list_empty(&anon_vma->head)"); } }],
      },
      { maxExecutions: 1 },
    );
    expect(r.bug?.report.kind).toBe("assertion");
    expect(r.bug?.report.title).toBe("kernel BUG: list_empty(&anon_vma->head)");
  });

  it("a lock held when a thread ends is reported as such, with where it was taken", () => {
    const r = explore(
      {
        name: "forgot unlock",
        models: "a thread that returns holding a spinlock",
        setup: () => ({ l: new Spinlock("&obj->lock") }),
        threads: [{ name: "t", run: function* (s: { l: Spinlock }): Sim { yield* spin_lock(s.l); } }],
      },
      { maxExecutions: 1, locations: learnerAt },
    );
    const rep = r.bug!.report;
    expect(rep.kind).toBe("lock-held-at-exit");
    expect(rep.title).toMatch(/lock held when returning/);
    expect(rep.message).toMatch(/\(&obj->lock\), taken at step \d+ \(mine\.ts:12\)/);
    expect(`${rep.title}\n${rep.message}`).not.toMatch(/recursive|nesting|annotation/i);
  });

  it("a use-after-free names the field accessed and the learner's line", () => {
    const cache = new KmemCache("thing", () => kstruct("thing", { v: 0 }));
    const r = explore(
      {
        name: "uaf",
        models: "a field read after the object was freed",
        setup: () => ({}),
        threads: [
          {
            name: "t",
            run: function* (): Sim {
              const o = (yield* kmem_cache_alloc(cache))!;
              yield* kmem_cache_free(cache, o);
              yield* sched_point();
              if (o.v === 1) yield* sched_point();
            },
          },
        ],
      },
      { maxExecutions: 1, locations: learnerAt },
    );
    const rep = r.bug!.report;
    expect(rep.kind).toBe("use-after-free");
    expect(rep.message).toMatch(/^Read of v of .* by task t at mine\.ts:12/);
    expect(rep.location).toEqual({ file: "mine.ts", line: 12, column: 5 });
  });
});
