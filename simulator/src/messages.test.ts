/*
 * Whose check failed: a check of the test (check_that) is reported as the
 * test's expectation, a BUG_ON of the kernel code as a kernel BUG.
 */
import { describe, expect, it } from "vitest";
import { BUG_ON, check_that, explore, kstruct, sched_point, type Sim } from "./testing";

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
});
