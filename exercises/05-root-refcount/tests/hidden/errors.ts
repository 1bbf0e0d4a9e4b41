/*
 * Hidden: fork with every allocation failing in turn, and two in one run. Error paths put what
 * they allocated, they never free it directly.
 */
import { atomic_read, check_that, defineSuite } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import { ROOTREF_CACHES, anon_fault, check_root_last, exit_proc, fork_proc, mmap_anon, proc, world, type World } from "../../../lib/rootref";

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "fork fails at every allocation",
    description:
      "A three-generation fork chain is built while allocations of an anon_vma or anon_vma_chain fail, each in turn " +
      "and up to two in one run (a failed fork is retried once, and the retry can fail too); then every process " +
      "exits. The failed fork must return -ENOMEM, leave the parent's anon_vma as it was having released what it took (by put, " +
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
              const names = ["P", "C", "G"];
              if ((yield* mmap_anon(proc(w, "P"))) && (yield* anon_fault(rmap, w, proc(w, "P")))) {
                for (let i = 1; i < names.length; i++) {
                  const parent = proc(w, names[i - 1]!);
                  const child = proc(w, names[i]!);
                  // A failed fork is retried once, as a caller would: its rollback must leave the parent as it was.
                  const av = parent.vma!.anon_vma;
                  const refs = av ? yield* atomic_read(av.refcount) : null;
                  let err = yield* fork_proc(rmap, w, parent, child);
                  if (err !== 0) {
                    const after = av ? yield* atomic_read(av.refcount) : null;
                    check_that(
                      after === refs,
                      `a failed anon_vma_fork() left the parent's anon_vma with refcount ${String(after)}: the test expected ${String(refs)}, as before the fork`,
                    );
                    err = yield* fork_proc(rmap, w, parent, child);
                  }
                  if (err !== 0) break;
                }
              }
              for (const n of ["G", "C", "P"]) yield* exit_proc(rmap, proc(w, n));
            },
          },
        ],
        check: (w: World) => {
          if (w.anon_vmas.length) check_root_last(w);
        },
        leakCheck: ROOTREF_CACHES,
        faults: { caches: ["anon_vma", "anon_vma_chain"], maxFailures: 2 },
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 200 },
    requireComplete: true,
  },
]);
