/*
 * Hidden: fork trees torn down in every order. Nothing may leak, nothing
 * may be used after it was freed, and the root must be the last anon_vma
 * of its tree to be freed.
 */
import { defineSuite } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  ROOTREF_CACHES,
  anon_fault,
  build_chain,
  check_root_last,
  cow_fault,
  exit_proc,
  fork_proc,
  mmap_anon,
  proc,
  built,
  world,
  type World,
} from "../../../lib/rootref";

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "three generations exit in every order",
    description:
      "A parent forks a child, which forks a grandchild; each writes its page. The three processes exit in each of the " +
      "six possible orders. Every anon_vma must be freed, the root last, and none may be used after it was freed.",
    weight: 2,
    scenarios: permutations(["P", "C", "G"]).map((order) => ({
      name: `exit order ${order.join(", ")}`,
      models: `fork chain P -> C -> G torn down as ${order.join(" then ")}`,
      setup: () => world("P", "C", "G"),
      threads: [
        {
          name: "exit",
          run: function* (w: World) {
            if (!(yield* build_chain(rmap, w, ["P", "C", "G"], true))) return;
            for (const n of order) yield* exit_proc(rmap, proc(w, n));
          },
        },
      ],
      check: (w: World) => check_root_last(w),
      leakCheck: ROOTREF_CACHES,
    })),
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "siblings exit at the same time",
    description:
      "A parent forks two children and exits; the two children then exit concurrently, each unlinking its own anon_vma " +
      "and the shared root. In every interleaving everything is freed, the root last.",
    weight: 2,
    scenarios: [
      {
        name: "two children exit concurrently",
        models: "the last two users of a root anon_vma unlinking at once",
        setup: () => world("P", "C1", "C2"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P", "C1"], true));
          built((yield* fork_proc(rmap, w, proc(w, "P"), proc(w, "C2"))) === 0);
          yield* cow_fault(w, proc(w, "C2"));
          yield* exit_proc(rmap, proc(w, "P"));
        },
        threads: [
          { name: "C1", run: (w: World) => exit_proc(rmap, proc(w, "C1")) },
          { name: "C2", run: (w: World) => exit_proc(rmap, proc(w, "C2")) },
        ],
        check: (w: World) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "a new tree in a freed child's memory",
    description:
      "A child exits, freeing its anon_vma (whose root was its parent's); then an unrelated process takes its first " +
      "fault, and the type-safe cache hands it that memory again. The new anon_vma must be the root of its own tree, " +
      "not inherit the dead child's root; then everything is torn down and freed, each root last.",
    scenarios: [
      {
        name: "child exits, a new process faults",
        models: "fork P -> C, C exits, Q maps and faults (its anon_vma reuses C's), then P and Q exit",
        setup: () => world("P", "C", "Q"),
        threads: [
          {
            name: "exit+fault",
            run: function* (w: World) {
              if (!(yield* build_chain(rmap, w, ["P", "C"], true))) return;
              yield* exit_proc(rmap, proc(w, "C"));
              if ((yield* mmap_anon(proc(w, "Q"))) === null) return;
              yield* anon_fault(rmap, w, proc(w, "Q"));
              yield* exit_proc(rmap, proc(w, "Q"));
              yield* exit_proc(rmap, proc(w, "P"));
            },
          },
        ],
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
]);

