/*
 * The shared scenario builders: the single-vma world of lessons 1 and 2,
 * its fault-then-fork driver and the unmap-result check, and lesson 4's
 * fork tree with its fault-then-fork driver.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, explore, mm_ptes, type Scenario } from "rmap-sim/testing";
import * as Rmap1 from "../01-anon-vma/solution/rmap";
import * as Rmap4 from "../04-anon-vma-chain/solution/rmap";
import { type ForkTree, avc_oracle, exit_all, fault_then_fork, fork_tree_now } from "./avc";
import { type ForkedVma, check_unmap_result, fault_and_fork, one_vma_world, teardown } from "./objrmap";

describe("one_vma_world", () => {
  it("makes one mm with one vma that never faulted, in a world that arms the given list lock", () => {
    const r = explore(
      {
        name: "world",
        models: "the single-vma world, checked as built",
        setup: () => one_vma_world((av) => av.lock, "p", 0x40000, 0x50000),
        threads: [{ name: "t", run: function* () {} }],
        check: (s) => {
          expect(s.mm.name).toBe("p");
          expect(s.mm.vmas).toEqual([s.vma]);
          expect([s.vma.vm_start, s.vma.vm_end, s.vma.anon_vma]).toEqual([0x40000, 0x50000, null]);
          expect(s.w.mms).toEqual([s.mm]);
          expect(s.w.listLock).not.toBeNull();
        },
      },
      { maxExecutions: 1 },
    );
    expect(r.bug?.report).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});

describe("fault_and_fork and check_unmap_result", () => {
  const scenario = (lie: boolean): Scenario<ForkedVma> => ({
    name: "fault, fork, unmap",
    models: "one thread: a fault and a fork, then try_to_unmap_anon of the shared page",
    setup: () => ({ ...one_vma_world((av) => av.lock), page: null, child: null }),
    threads: [
      {
        name: "t",
        run: function* (s: ForkedVma) {
          yield* fault_and_fork(Rmap1, s, 0x10000);
          const r = yield* Rmap1.try_to_unmap_anon(s.page!);
          // A walk that claims nothing is left where a pte still maps the page is caught.
          check_unmap_result(Rmap1, s.w, s.page!, lie ? Rmap1.SWAP_AGAIN : r);
        },
      },
    ],
    check: (s) => {
      expect(s.child).not.toBeNull();
      expect(s.page!.mapping).toBe(s.vma.anon_vma);
    },
    teardown: (s) => teardown(Rmap1, s.w),
  });

  it("faults the page in the parent and forks a child that maps it too", () => {
    const r = explore(scenario(false), { maxExecutions: 1 });
    expect(r.bug?.report).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it("reports a result that does not match the ptes left", () => {
    const r = explore(scenario(true), { maxExecutions: 1 });
    expect(r.bug?.report.kind).toBe("assertion");
    expect(r.bug?.report.message).toMatch(/try_to_unmap_anon returned \d+, but afterwards no pte maps the page: the test expected SWAP_SUCCESS/);
  });
});

describe("fork_tree_now and fault_then_fork", () => {
  it("builds a parent with a faulted vma and a forked child sharing its page", () => {
    const r = explore(
      {
        name: "fault then fork",
        models: "the prelude of lesson 4's exit races",
        setup: () => fork_tree_now(0x10000, 0x10000 + 4 * PAGE_SIZE),
        threads: [{ name: "t", run: (t: ForkTree) => fault_then_fork(Rmap4, t, 0x10000) }],
        check: (t) => {
          expect(t.child).not.toBeNull();
          expect(t.grandchild).toBeNull();
          expect(t.w.mms).toEqual([t.parent, t.child]);
          expect(mm_ptes(t.child!)[0]![1].page).toBe(mm_ptes(t.parent)[0]![1].page);
          avc_oracle(t.w, "fault then fork");
        },
        teardown: (t) => exit_all(Rmap4, t.w),
        leakCheck: true,
      },
      { maxExecutions: 1 },
    );
    expect(r.bug?.report).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
