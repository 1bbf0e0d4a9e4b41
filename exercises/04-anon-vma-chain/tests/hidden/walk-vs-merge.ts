/*
 * Hidden: an rmap walk of a shared page runs while the child merges the vma
 * that maps it into its neighbour.
 */
import { PAGE_SIZE, type Page, type Vma, defineSuite, kstruct, mm_ptes, vma_alloc_now, type Sim, nameOf } from "rmap-sim/testing";
import {
  type AvcWorld,
  type Mapping,
  avc_world_now,
  exit_all,
  fork_mm,
  merge_next,
  mergeable_next,
  mmap_now,
  rmap_walk,
  write_fault,
} from "../../../lib/avc";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;

interface State {
  w: AvcWorld;
  ready: { page: Page | null };
  found: Mapping[] | null;
  /** The child's new vma below the inherited one: merge_next() merges the inherited vma into it. */
  below: Vma | null;
}

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "rmap walk during a merge",
    description:
      "Reclaim walks the rmap of a page shared by parent and child while the child merges the vma that maps it " +
      "into a new neighbour holding the singleton chain. In every interleaving the walk must find the page in " +
      "both processes: before the merge through the old vma, after it through the merged one, never through neither.",
    scenarios: [
      {
        name: "reclaim vs vma_merge",
        models: "page_referenced on a page shared since fork, racing vma_merge in the child",
        setup: (): State => {
          const w = avc_world_now();
          vma_alloc_now(w.mms[0]!, BASE + 2 * PAGE_SIZE, BASE + 4 * PAGE_SIZE);
          return { w, ready: kstruct("ready", { page: null as Page | null }), found: null, below: null };
        },
        // Build the state alone, before the race: a shared page, a child, a new vma below the inherited one.
        prelude: function* (s: State): Sim<void> {
          const parent = s.w.mms[0]!;
          yield* write_fault(parent, BASE + 2 * PAGE_SIZE);
          const child = (yield* fork_mm(rmap, s.w, parent))!;
          s.below = mmap_now(child, BASE, BASE + 2 * PAGE_SIZE)!;
          yield* write_fault(child, BASE);
          s.ready.page = mm_ptes(parent)[0]![1].page;
        },
        threads: [
          { name: "mm", run: (s: State) => merge_next(rmap, s.below!, mergeable_next(s.below!)!) },
          {
            name: "reclaim",
            run: function* (s: State): Sim<void> {
              s.found = yield* rmap_walk(s.ready.page!);
            },
          },
        ],
        teardown: (s: State) => exit_all(rmap, s.w),
        check: (s: State) => {
          const page = s.ready.page!;
          const want = s.w.mms.flatMap((mm) => mm_ptes(mm).filter(([, p]) => p.page === page).map(([a]) => `${nameOf(mm)}@${a.toString(16)}`));
          const got = new Set((s.found ?? []).map(([mm, a]) => `${nameOf(mm)}@${a.toString(16)}`));
          for (const m of want) {
            if (!got.has(m)) throw new Error(`the rmap walk of ${nameOf(page)} missed its mapping ${m}: found only ${[...got].join(", ") || "nothing"}`);
          }
        },
        leakCheck: true,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 500 },
  },
]);
