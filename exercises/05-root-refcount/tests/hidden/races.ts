/*
 * Hidden: references taken under RCU racing the final put, and a migration
 * that holds a reference across the unmap and the remap of a page.
 */
import { check_that, defineSuite } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  ROOTREF_CACHES,
  build_chain,
  check_root_last,
  exit_proc,
  migrate_page,
  proc,
  reclaim_walk,
  built,
  world,
  type World,
} from "../../../lib/rootref";

function lastPage(w: World) {
  const page = w.pages[w.pages.length - 1];
  check_that(page !== undefined, "the setup mapped no page");
  return page!;
}

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "page_get_anon_vma races the final put",
    description:
      "Reclaim walks the rmap of a page (page_lock_anon_vma) while the last process mapping it exits and puts the " +
      "anon_vma. In every interleaving the walker either pins the anon_vma before it dies (and its own put may be the " +
      "final one) or gets NULL: it must never revive or touch a freed anon_vma, and nothing may leak.",
    weight: 2,
    scenarios: [
      {
        name: "reclaim vs exit (root anon_vma)",
        models: "reclaim walking a page of a process's own anon_vma while that process exits",
        setup: () => world("P"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P"]));
        },
        threads: [
          { name: "exit", run: (w: World) => exit_proc(rmap, proc(w, "P")) },
          { name: "reclaim", run: (w: World) => reclaim_walk(rmap, w, lastPage(w)) },
        ],
        check: (w: World) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
      {
        name: "reclaim vs exit (child anon_vma)",
        models: "reclaim walking a child's copy-on-write page while the child, last user of the tree, exits",
        setup: () => world("P", "C"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P", "C"], true));
          yield* exit_proc(rmap, proc(w, "P"));
        },
        threads: [
          { name: "exit", run: (w: World) => exit_proc(rmap, proc(w, "C")) },
          { name: "reclaim", run: (w: World) => reclaim_walk(rmap, w, lastPage(w)) },
        ],
        check: (w: World) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "migration holds a reference across unmap and remap",
    description:
      "Migration pins the anon_vma of a child's page, unmaps the page, copies it and walks the anon_vma again to " +
      "restore the ptes, while the parent and the child exit. The reference must keep the child's anon_vma and, " +
      "through it, the root (whose lock the walk takes) alive until migration puts it; then everything is freed.",
    weight: 2,
    scenarios: [
      {
        name: "migration vs exit",
        models: "page migration of a child's copy-on-write page while both processes exit",
        setup: () => world("P", "C"),
        prelude: function* (w: World) {
          built(yield* build_chain(rmap, w, ["P", "C"], true));
        },
        threads: [
          {
            name: "exit",
            run: function* (w: World) {
              yield* exit_proc(rmap, proc(w, "P"));
              yield* exit_proc(rmap, proc(w, "C"));
            },
          },
          { name: "migrate", run: (w: World) => migrate_page(rmap, w, lastPage(w)) },
        ],
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
]);
