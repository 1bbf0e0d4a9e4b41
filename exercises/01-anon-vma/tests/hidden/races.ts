/*
 * Hidden tests, lesson 1: the rmap under concurrency. Every interleaving of
 * the threads is explored (DPOR).
 */
import { check_that, defineSuite, type Sim, list_for_each_entry, type MmStruct, type Page, type Vma, setLabel, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  do_anonymous_page,
  do_wp_page,
  dup_mmap,
  exit_mmap,
  ptes_mapping,
  split_vma,
  teardown,
  withInit,
  type World,
  one_vma_world,
  fault_and_fork,
  check_unmap_result,
} from "../../../lib/objrmap";

interface S {
  w: World;
  mm: MmStruct;
  vma: Vma;
  page: Page | null;
  child: MmStruct | null;
}

function setup(): S {
  const s = one_vma_world((av) => av.lock);
  setLabel(s.vma, "parent:vma@0x10000");
  return { ...s, page: null, child: null };
}

const caches = { anon_vma: { typesafe: false } };

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "two faults race on a fresh vma",
    description:
      "Two threads of one process take the first write fault of the same vma at once. Both see no anon_vma and both " +
      "allocate one; exactly one must be installed (under mm->page_table_lock) and the other freed. Checks that both " +
      "pages point to the one anon_vma, that the vma is queued on it once, and that no anon_vma leaks; and that a " +
      "page mapped through the fast path is found by the rmap walk (the vma is linked before the anon_vma is published).",
    scenarios: [
      {
        name: "fault vs fault",
        models: "two threads of one mm faulting the first pages of one vma",
        setup,
        threads: [
          { name: "fault1", run: (s: S) => do_anonymous_page(rmap, s.w, s.vma, 0x10000) },
          { name: "fault2", run: (s: S) => do_anonymous_page(rmap, s.w, s.vma, 0x11000) },
        ],
        check: (s: S, ctx) => {
          const av = s.vma.anon_vma;
          check_that(av !== null, "the vma has no anon_vma after two faults");
          for (const t of ["fault1", "fault2"]) {
            const p = ctx.results[t] as Page | null;
            check_that(p !== null, `${t} did not map a page`);
            check_that(p!.mapping === av, `${t}'s page points to ${(p!.mapping ? nameOf(p!.mapping) : "nothing")}, not to the vma's anon_vma ${nameOf(av!)}`);
          }
          const vmas = [...list_for_each_entry(av!.vmas)];
          check_that(vmas.length === 1 && vmas[0] === s.vma, `the anon_vma lists ${vmas.length} vmas, expected the faulting vma once`);
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
        // KCSAN: the re-check and the install must be ordered by the lock, not by luck.
        kcsan: true,
      },
      {
        name: "fault vs fault and reclaim",
        models: "a thread takes the first fault of a vma while another faults it too and reclaim walks that page",
        setup,
        threads: [
          { name: "fault1", run: (s: S) => do_anonymous_page(rmap, s.w, s.vma, 0x10000) },
          {
            name: "fault2",
            run: function* (s: S): Sim<number> {
              const page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x11000);
              check_that(page !== null, "fault2 did not map a page");
              return yield* rmap.page_referenced_anon(page!);
            },
          },
        ],
        check: (s: S, ctx) => {
          const n = ctx.results.fault2 as number;
          check_that(
            n === 1,
            `the walk of fault2's page found ${n} ptes, but its pte maps it: the vma was not yet on the anon_vma's list ` +
              "when the page could already point to that anon_vma (publish the anon_vma only once the vma is linked)",
          );
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 2000 },
  },
  {
    name: "reclaim after the parent exits",
    description:
      "A parent faults a page and forks; then the parent exits while reclaim walks the page, which the child still maps. " +
      "The anon_vma must live as long as a vma is queued on it (the child's), whatever the order: the walk must find " +
      "the child's pte and touch nothing freed.",
    scenarios: [
      {
        name: "reclaim vs parent exit",
        models: "page_referenced_anon() on a shared page while the parent process exits",
        setup,
        ...withInit<S>((s) => fault_and_fork(rmap, s, 0x10000), [
          { name: "exit", run: (s: S) => exit_mmap(rmap, s.w, s.mm) },
          { name: "reclaim", run: (s: S) => rmap.page_referenced_anon(s.page!) },
        ]),
        check: (s: S, ctx) => {
          const n = ctx.results.reclaim as number;
          check_that(n === 1 || n === 2, `page_referenced_anon found ${n} ptes; the page was mapped by the child and maybe the parent (1 or 2)`);
          check_that(ptes_mapping(s.w, s.page!).length === 1, "the child no longer maps the page");
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "fork while reclaim walks",
    description:
      "A fork links the child's vma on the anon_vma while reclaim walks the same list. The list must be changed and " +
      "walked under anon_vma->lock; the walk finds the parent's pte, and the child's if it was copied already.",
    scenarios: [
      {
        name: "fork vs reclaim",
        models: "anon_vma_link() at fork racing page_referenced_anon()",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
          },
          [
            { name: "fork", run: (s: S) => dup_mmap(rmap, s.w, s.mm, "child") },
            { name: "reclaim", run: (s: S) => rmap.page_referenced_anon(s.page!) },
          ],
        ),
        check: (s: S, ctx) => {
          const n = ctx.results.reclaim as number;
          check_that(n === 1 || n === 2, `page_referenced_anon found ${n} ptes, expected 1 (before the copy) or 2`);
          check_that(ptes_mapping(s.w, s.page!).length === 2, "after fork both processes must map the page");
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "a child exits while reclaim unmaps the page",
    description:
      "Reclaim unmaps a page shared by parent and child while the child exits and unlinks its vma from the anon_vma. " +
      "The walk must never follow a vma that is being unlinked and freed, and at the end no pte may map the page.",
    scenarios: [
      {
        name: "try_to_unmap vs child exit",
        models: "try_to_unmap_anon() racing exit_mmap() of the child",
        setup,
        ...withInit<S>((s) => fault_and_fork(rmap, s, 0x10000), [
          { name: "exit", run: (s: S) => exit_mmap(rmap, s.w, s.child!) },
          { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
        ]),
        check: (s: S, ctx) => {
          check_that(ctx.results.reclaim === rmap.SWAP_SUCCESS, `try_to_unmap_anon returned ${String(ctx.results.reclaim)}, expected SWAP_SUCCESS`);
          const left = ptes_mapping(s.w, s.page!);
          check_that(left.length === 0, `ptes still map the page after try_to_unmap_anon: ${left.join(", ")}`);
          check_that(s.page!._mapcount.counter === -1, `the page's _mapcount is ${s.page!._mapcount.counter}, expected -1 (unmapped)`);
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "a copy-on-write fault while reclaim unmaps the page",
    description:
      "Reclaim unmaps a page shared by parent and child while the child takes a copy-on-write fault on it. Both read " +
      "and write the child's pte, each under the child's mm->page_table_lock: try_to_unmap_anon must check and clear " +
      "a pte only while holding that lock. At the end no pte maps the old page, its _mapcount is -1, and " +
      "try_to_unmap_anon returned SWAP_SUCCESS.",
    scenarios: [
      {
        name: "try_to_unmap vs COW fault",
        models: "try_to_unmap_anon() racing do_wp_page() of the child on the same address",
        setup,
        ...withInit<S>((s) => fault_and_fork(rmap, s, 0x10000), [
          { name: "cow", run: (s: S) => do_wp_page(rmap, s.w, s.child!.vmas[0]!, 0x10000) },
          { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
        ]),
        check: (s: S, ctx) => {
          const left = ptes_mapping(s.w, s.page!);
          check_that(left.length === 0, `ptes still map the page after try_to_unmap_anon and the COW fault: ${left.join(", ")}`);
          check_that(s.page!._mapcount.counter === -1, `the page's _mapcount is ${s.page!._mapcount.counter}, expected -1 (unmapped)`);
          check_that(ctx.results.reclaim === rmap.SWAP_SUCCESS, `try_to_unmap_anon returned ${String(ctx.results.reclaim)}, expected SWAP_SUCCESS`);
        },
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "fork while reclaim unmaps the page",
    description:
      "A fork copies the parent's pte of a page while reclaim unmaps that page. Depending on the order, the child's " +
      "copy is made before the walk reaches the child's vma, after it, or never (the parent's pte was already gone). " +
      "What try_to_unmap_anon returns must say what it left: SWAP_SUCCESS only if no pte maps the page any more, " +
      "SWAP_AGAIN if one still does (the fork added it behind the walk).",
    scenarios: [
      {
        name: "try_to_unmap vs fork",
        models: "try_to_unmap_anon() racing dup_mmap() (anon_vma_link and the copy of the ptes)",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x10000);
          },
          [
            { name: "fork", run: (s: S) => dup_mmap(rmap, s.w, s.mm, "child") },
            { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
          ],
        ),
        check: (s: S, ctx) => check_unmap_result(rmap, s.w, s.page!, ctx.results.reclaim),
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
      {
        name: "try_to_unmap vs fork of a split vma",
        models: "the same after the page's vma was split at the page: the walk ends on the lower half, which does not cover the page",
        setup,
        ...withInit<S>(
          function* (s) {
            s.page = yield* do_anonymous_page(rmap, s.w, s.vma, 0x18000);
            yield* split_vma(rmap, s.vma, 0x18000);
          },
          [
            { name: "fork", run: (s: S) => dup_mmap(rmap, s.w, s.mm, "child") },
            { name: "reclaim", run: (s: S) => rmap.try_to_unmap_anon(s.page!) },
          ],
        ),
        check: (s: S, ctx) => check_unmap_result(rmap, s.w, s.page!, ctx.results.reclaim),
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
]);
