/*
 * Public tests: one thread each, so a failure is about the rules, not about
 * an interleaving. They run in the browser as you work.
 */
import { check_that, defineSuite, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  ROOTREF_CACHES,
  anon_fault,
  build_chain,
  check_root_last,
  exit_proc,
  mmap_anon,
  proc,
  world,
} from "../../../lib/rootref";

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "a new anon_vma is in use and is its own root",
    description:
      "anon_vma_alloc() must return an anon_vma holding the one reference that stands for being in use (refcount 1) " +
      "and rooted at itself; one put_anon_vma() must then free it.",
    scenarios: [
      {
        name: "alloc then put",
        models: "an anon_vma allocated and dropped before anybody saw it",
        setup: () => ({ seen: { refs: -1, selfRoot: false } }),
        threads: [
          {
            name: "fault",
            run: function* (s) {
              const av = yield* rmap.anon_vma_alloc();
              if (!av) return;
              s.seen.refs = av.refcount.counter;
              s.seen.selfRoot = av.root === av;
              yield* rmap.put_anon_vma(av);
            },
          },
        ],
        check: (s) => {
          check_that(s.seen.refs === 1, `a new anon_vma must hold one reference (refcount 1), it held ${s.seen.refs}`);
          check_that(s.seen.selfRoot, "a new anon_vma must be its own root (anon_vma->root == anon_vma)");
        },
        leakCheck: ["anon_vma"],
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "one process maps a page and exits",
    description:
      "The vma's unlink empties the anon_vma's list: that drops the in-use reference, and the anon_vma is freed.",
    scenarios: [
      {
        name: "map, fault, exit",
        models: "a process that touches one anonymous page and exits",
        setup: () => world("P"),
        threads: [
          {
            name: "P",
            run: function* (w) {
              const p = proc(w, "P");
              if (!(yield* mmap_anon(p))) return;
              yield* anon_fault(rmap, w, p);
              yield* exit_proc(rmap, p);
            },
          },
        ],
        check: (w) => check_root_last(w),
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "fork, then the child and the parent exit",
    description:
      "The child's anon_vma pins the root with a reference of its own. When both processes have exited, every anon_vma " +
      "must be freed, the root last.",
    scenarios: (["child first", "parent first"] as const).map((order) => ({
      name: `fork, ${order}`,
      models: `a parent forks a child that writes its page; the ${order === "child first" ? "child" : "parent"} exits first`,
      setup: () => world("P", "C"),
      threads: [
        {
          name: "P",
          run: function* (w: ReturnType<typeof world>) {
            if (!(yield* build_chain(rmap, w, ["P", "C"], true))) return;
            const first = order === "child first" ? "C" : "P";
            const second = order === "child first" ? "P" : "C";
            yield* exit_proc(rmap, proc(w, first));
            yield* exit_proc(rmap, proc(w, second));
          },
        },
      ],
      check: (w: ReturnType<typeof world>) => check_root_last(w),
      leakCheck: ROOTREF_CACHES,
    })),
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
  {
    name: "page_get_anon_vma pins a mapped page's anon_vma",
    description:
      "page_get_anon_vma() on a mapped page returns its anon_vma with one more reference; put_anon_vma() gives it back. " +
      "A page that is no longer mapped has no anon_vma to pin: NULL.",
    scenarios: [
      {
        name: "get, put, exit, get",
        models: "a walker pins the anon_vma of a mapped page, then tries again after the process exited",
        setup: () => ({ w: world("P"), seen: { during: -1, after: -1, late: "unset" } }),
        threads: [
          {
            name: "P",
            run: function* (s) {
              const p = proc(s.w, "P");
              if (!(yield* mmap_anon(p))) return;
              const page = yield* anon_fault(rmap, s.w, p);
              if (!page) return;
              const av = yield* rmap.page_get_anon_vma(page);
              if (av) {
                s.seen.during = av.refcount.counter;
                yield* rmap.put_anon_vma(av);
                s.seen.after = av.refcount.counter;
              }
              yield* exit_proc(rmap, p);
              const late = yield* rmap.page_get_anon_vma(page);
              s.seen.late = late === null ? "null" : nameOf(late);
              if (late) yield* rmap.put_anon_vma(late);
            },
          },
        ],
        check: (s) => {
          check_that(s.seen.during !== -1, "page_get_anon_vma() returned NULL for a mapped page");
          check_that(s.seen.during === 2, `with a vma and a pin the refcount must be 2, it was ${s.seen.during}`);
          check_that(s.seen.after === 1, `after the put the refcount must be back to 1, it was ${s.seen.after}`);
          check_that(s.seen.late === "null", `page_get_anon_vma() of an unmapped page must return NULL, it returned ${s.seen.late}`);
          check_root_last(s.w);
        },
        leakCheck: ROOTREF_CACHES,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
]);
