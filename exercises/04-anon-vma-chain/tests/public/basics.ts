/*
 * Public tests of the anon_vma_chain functions: fork, split and merge, munmap,
 * each followed by the oracle (every list well linked, every mapped page
 * reachable by the rmap walk) and, at the end, kmemleak.
 */
import { PAGE_SIZE, defineSuite, vma_alloc_now, type Scenario } from "rmap-sim/testing";
import {
  type AvcWorld,
  avc_oracle,
  avc_world_now,
  exit_all,
  fork_mm,
  merge_next,
  split_vma,
  unmap_vma,
  write_fault,
} from "../../../lib/avc";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;

export default defineSuite<typeof Rmap>((rmap) => {
  const scenario = (name: string, models: string, body: (w: AvcWorld) => Generator<unknown, void, unknown>): Scenario<AvcWorld> => ({
    name,
    models,
    setup: () => {
      const w = avc_world_now();
      vma_alloc_now(w.mms[0]!, BASE, BASE + 4 * PAGE_SIZE);
      return w;
    },
    threads: [{ name: "task", run: body }],
    teardown: (w) => exit_all(rmap, w),
    leakCheck: true,
  });
  return [
    {
      name: "fork links the child to the parent's anon_vma",
      description:
        "A process faults a page in, then forks. The child's copy of the vma must be on the chain of the parent's " +
        "anon_vma (the page is shared until someone writes) and on one of its own (for the pages it will copy). " +
        "The rmap walk of the page must reach both processes. At exit everything is freed.",
      scenarios: [
        scenario("fault, fork, write in the child", "a process with one anonymous page forks; the child writes to another page", function* (w) {
          const parent = w.mms[0]!;
          yield* write_fault(parent, BASE);
          avc_oracle(w, "the first fault");
          const child = (yield* fork_mm(rmap, w, parent))!;
          avc_oracle(w, "fork");
          yield* write_fault(child, BASE + PAGE_SIZE);
          avc_oracle(w, "a fault in the child");
          yield* write_fault(child, BASE);
          avc_oracle(w, "a copy-on-write fault in the child");
        }),
      ],
      explore: { maxExecutions: 1 },
    },
    {
      name: "split and merge back",
      description:
        "A forked child's vma is split in two (mprotect or munmap of a middle part does this) and merged back. " +
        "The split-off part must be on every anon_vma of the original; after the merge, the pages of both halves " +
        "must still be reachable through the vma that remains.",
      scenarios: [
        scenario("split, then merge", "a child splits a vma with shared pages and merges it back", function* (w) {
          const parent = w.mms[0]!;
          yield* write_fault(parent, BASE);
          yield* write_fault(parent, BASE + 3 * PAGE_SIZE);
          const child = (yield* fork_mm(rmap, w, parent))!;
          const vma = child.vmas[0]!;
          const upper = yield* split_vma(rmap, vma, BASE + 2 * PAGE_SIZE);
          avc_oracle(w, "split");
          yield* merge_next(rmap, vma, upper!);
          avc_oracle(w, "merge");
        }),
      ],
      explore: { maxExecutions: 1 },
    },
    {
      name: "munmap frees what nobody needs",
      description:
        "After a fork the parent unmaps its vma. The parent's anon_vma must stay (the child still maps its page " +
        "through it); when the child exits too, every anon_vma and anon_vma_chain must be freed.",
      scenarios: [
        scenario("parent unmaps, then both exit", "munmap in the parent after fork, then exit", function* (w) {
          const parent = w.mms[0]!;
          yield* write_fault(parent, BASE);
          yield* fork_mm(rmap, w, parent);
          yield* unmap_vma(rmap, parent.vmas[0]!);
          avc_oracle(w, "munmap in the parent");
        }),
      ],
      explore: { maxExecutions: 1 },
    },
  ];
});
