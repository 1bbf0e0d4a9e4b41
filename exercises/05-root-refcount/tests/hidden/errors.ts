/*
 * Hidden: fork with every allocation failing in turn. Error paths put what
 * they allocated, they never free it directly.
 */
import { defineSuite } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { ROOTREF_CACHES, build_chain, check_root_last, exit_proc, proc, world, type World } from "../../../lib/rootref";

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "fork fails at every allocation",
    description:
      "A three-generation fork chain is built while one allocation of an anon_vma or anon_vma_chain fails, each in " +
      "turn; then every process exits. The failed fork must return -ENOMEM having released what it took (by put, " +
      "not by free: an anon_vma is only ever freed when its count drops to zero), and nothing may leak.",
    scenarios: [
      {
        name: "fork under allocation failure",
        models: "fork of P -> C -> G with one failing allocation, then exit",
        setup: () => world("P", "C", "G"),
        threads: [
          {
            name: "fork",
            run: function* (w: World) {
              yield* build_chain(rmap, w, ["P", "C", "G"]);
              for (const n of ["G", "C", "P"]) yield* exit_proc(rmap, proc(w, n));
            },
          },
        ],
        check: (w: World) => {
          if (w.anon_vmas.length) check_root_last(w);
        },
        leakCheck: ROOTREF_CACHES,
        faults: { caches: ["anon_vma", "anon_vma_chain"], maxFailures: 1 },
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 200 },
    requireComplete: true,
  },
]);
