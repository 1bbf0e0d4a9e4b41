/*
 * Hidden: fork and split with every anon_vma and anon_vma_chain allocation
 * failing in turn.
 */
import { PAGE_SIZE, defineSuite, type Scenario } from "rmap-sim/testing";
import { type AvcWorld, avc_oracle, exit_all, fork_mm, fork_tree_now, split_vma, write_fault } from "../../../lib/avc";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;

export default defineSuite<typeof Rmap>((rmap) => {
  const failing = (name: string, models: string, body: (w: AvcWorld) => Generator<unknown, void, unknown>): Scenario<AvcWorld> => ({
    name,
    models,
    setup: () => fork_tree_now(BASE, BASE + 4 * PAGE_SIZE).w,
    threads: [{ name: "task", run: body }],
    teardown: (w) => exit_all(rmap, w),
    faults: { caches: ["anon_vma", "anon_vma_chain"], maxFailures: 2 },
    leakCheck: true,
  });
  return [
    {
      name: "fork and split under memory pressure",
      description:
        "A forked child forks again and splits a vma, with each anon_vma and anon_vma_chain allocation failing " +
        "in its own run, and up to two failing in one run (a failed fork is retried once). A failed anon_vma_fork " +
        "or anon_vma_clone must leave the new vma with an empty chain and undo every link it made; nothing may " +
        "leak, and the rmap state must stay consistent.",
      scenarios: [
        failing("fork, fork again, split", "allocation failures during fork of a forked process and a split", function* (w) {
          const parent = w.mms[0]!;
          yield* write_fault(parent, BASE);
          // A failed fork is retried once, as a caller would: the rollback must leave a state a retry can use.
          let child = yield* fork_mm(rmap, w, parent);
          avc_oracle(w, "fork");
          if (child === null) {
            child = yield* fork_mm(rmap, w, parent);
            avc_oracle(w, "a retried fork");
            if (child === null) return;
          }
          const grandchild = yield* fork_mm(rmap, w, child);
          avc_oracle(w, "the second fork");
          if (grandchild === null) return;
          yield* split_vma(rmap, grandchild.vmas[0]!, BASE + 2 * PAGE_SIZE);
          avc_oracle(w, "split");
        }),
      ],
      explore: { strategy: "dpor", maxExecutions: 100 },
      requireComplete: true,
    },
  ];
});
