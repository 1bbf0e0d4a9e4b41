/*
 * Hidden: processes of one fork tree tearing down the same anon_vmas at
 * once, and what anon_vma_fork() promises of the child's vma.
 */
import { PAGE_SIZE, type AnonVma, type Sim, check_that, defineSuite, mm_alloc_now, vma_alloc_now, nameOf } from "rmap-sim/testing";
import { type ForkTree, avc_oracle, exit_all, exit_mm, fault_then_fork, fork_mm, fork_tree_now, write_fault } from "../../../lib/avc";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;

type S = ForkTree;

const setup = (): S => fork_tree_now(BASE, BASE + 4 * PAGE_SIZE);

/** The anon_vma's own-root and list-lock promises (anon_vma_alloc), as the test expects them of a fork's new anon_vma. */
function checkNewAnonVma(av: AnonVma, where: string): void {
  check_that(av.root === av, `${where}: the test expected the new anon_vma ${nameOf(av)} to be its own root, but its root is ${(av.root ? nameOf(av.root) : "NULL")}`);
  const lock = av.head.protector?.() ?? null;
  check_that(
    lock === av.lock,
    `${where}: the test expected the new anon_vma ${nameOf(av)} to declare its list protected by its own lock (anon_vma_alloc does), but it declares ${lock === null ? "none" : "another lock"}`,
  );
}

export default defineSuite<typeof Rmap>((rmap) => [
  {
    name: "parent and child exit at once",
    description:
      "A parent faults a page and forks; parent and child then exit at the same time. Both unlink an entry of the " +
      "parent's anon_vma, which only they use: whoever removes the last entry must see the list empty under " +
      "anon_vma->lock and free it, exactly once, whatever the order. Nothing may leak or be freed twice.",
    scenarios: [
      {
        name: "parent exit vs child exit",
        models: "unlink_anon_vmas() of the parent's and the child's vma at once, on the anon_vma they share",
        setup,
        prelude: (s: S) => fault_then_fork(rmap, s, BASE),
        threads: [
          { name: "parent-exit", run: (s: S) => exit_mm(rmap, s.w, s.parent) },
          { name: "child-exit", run: (s: S) => exit_mm(rmap, s.w, s.child!) },
        ],
        teardown: (s: S) => exit_all(rmap, s.w),
        leakCheck: true,
      },
      {
        name: "child exit vs grandchild exit",
        models: "unlink_anon_vmas() of a child and its own child at once: both leave the root's and the child's anon_vmas",
        setup,
        prelude: function* (s: S): Sim<void> {
          yield* fault_then_fork(rmap, s, BASE);
          s.grandchild = yield* fork_mm(rmap, s.w, s.child!);
          yield* write_fault(s.child!, BASE + PAGE_SIZE);
        },
        threads: [
          { name: "child-exit", run: (s: S) => exit_mm(rmap, s.w, s.child!) },
          { name: "grandchild-exit", run: (s: S) => exit_mm(rmap, s.w, s.grandchild!) },
        ],
        check: (s: S) => avc_oracle(s.w, "the child and the grandchild exited"),
        teardown: (s: S) => exit_all(rmap, s.w),
        leakCheck: true,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "a fork races a sibling's exit",
    description:
      "The parent forks a second child while the first child exits. The fork adds entries to the anon_vmas of the " +
      "parent's vma while the exit removes the first child's entries from the same anon_vmas; both change the lists " +
      "under each anon_vma's lock, and the anon_vma both share stays alive for the parent and the new child. When one " +
      "of the fork's allocations fails, its rollback frees what it made exactly once and unlinks what it linked.",
    scenarios: [
      {
        name: "fork vs sibling exit",
        models: "anon_vma_fork() in the parent racing unlink_anon_vmas() in a child",
        setup,
        prelude: (s: S) => fault_then_fork(rmap, s, BASE),
        threads: [
          {
            name: "fork",
            run: function* (s: S): Sim<void> {
              s.grandchild = yield* fork_mm(rmap, s.w, s.parent);
            },
          },
          { name: "sibling-exit", run: (s: S) => exit_mm(rmap, s.w, s.child!) },
        ],
        check: (s: S) => {
          check_that(s.grandchild !== null, "the fork failed with no allocation failing");
          avc_oracle(s.w, "the fork and the sibling's exit");
        },
        teardown: (s: S) => exit_all(rmap, s.w),
        leakCheck: true,
      },
      {
        name: "failing fork vs sibling exit",
        models: "anon_vma_fork() in the parent, with one of its anon_vma or anon_vma_chain allocations failing, racing unlink_anon_vmas() in a child",
        setup,
        prelude: (s: S) => fault_then_fork(rmap, s, BASE),
        threads: [
          {
            name: "fork",
            run: function* (s: S): Sim<void> {
              s.grandchild = yield* fork_mm(rmap, s.w, s.parent);
            },
          },
          { name: "sibling-exit", run: (s: S) => exit_mm(rmap, s.w, s.child!) },
        ],
        check: (s: S) => avc_oracle(s.w, s.grandchild === null ? "the failed fork and the sibling's exit" : "the fork and the sibling's exit"),
        teardown: (s: S) => exit_all(rmap, s.w),
        // The fork's allocations each fail in turn (the exit allocates nothing): its rollback, the new anon_vma's
        // included, runs while the sibling's exit changes the same anon_vmas.
        faults: { caches: ["anon_vma", "anon_vma_chain"], maxFailures: 2 },
        leakCheck: true,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 3000 },
  },
  {
    name: "what anon_vma_fork promises",
    description:
      "Fork of a vma that never faulted (no anon_vma) must succeed and give the child's vma no anon_vma and an empty " +
      "chain. Fork of a vma that did gives the child's vma a new anon_vma of its own, which is its own root and " +
      "declares its list protected by its lock, linked last on the child's chain.",
    scenarios: [
      {
        name: "fork of a faulted and of a never-faulted vma",
        models: "one thread forking a process with one faulted and one untouched vma, twice",
        setup: (): S => {
          const s = setup();
          vma_alloc_now(s.parent, BASE + 8 * PAGE_SIZE, BASE + 10 * PAGE_SIZE);
          return s;
        },
        threads: [
          {
            name: "task",
            run: function* (s: S): Sim<void> {
              yield* write_fault(s.parent, BASE);
              for (const [from, to] of [["parent", "child"], ["child", "grandchild"]] as const) {
                const src = from === "parent" ? s.parent : s.child!;
                const mm = yield* fork_mm(rmap, s.w, src);
                check_that(mm !== null, `fork of the ${from} failed with no allocation failing (anon_vma_fork returned an error)`);
                if (to === "child") s.child = mm;
                else s.grandchild = mm;
                for (const vma of mm!.vmas) {
                  if (vma.vm_start === BASE + 8 * PAGE_SIZE) {
                    check_that(
                      vma.anon_vma === null && vma.anon_vma_chain.next === vma.anon_vma_chain,
                      `the ${to}'s copy of a vma that never faulted got ${vma.anon_vma === null ? "entries on its chain" : `an anon_vma (${nameOf(vma.anon_vma)})`}: the test expected none`,
                    );
                  } else {
                    checkNewAnonVma(vma.anon_vma!, `after the fork of the ${from}`);
                  }
                }
                avc_oracle(s.w, `the fork of the ${from}`);
              }
              // anon_vma_fork() called directly, as dup_mmap() does, before any driver looks at the new anon_vma.
              const pvma = s.parent.vmas.find((v) => v.vm_start === BASE)!;
              const mm = mm_alloc_now(`mm${s.w.nr_mms++}`);
              s.w.mms.push(mm);
              const vma = vma_alloc_now(mm, pvma.vm_start, pvma.vm_end, pvma.vm_flags);
              vma.anon_vma = pvma.anon_vma;
              const r = yield* rmap.anon_vma_fork(vma, pvma);
              check_that(r === 0, `anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)}) returned ${r} with no allocation failing, the test expected 0`);
              checkNewAnonVma(vma.anon_vma!, `after anon_vma_fork(${nameOf(vma)}, ${nameOf(pvma)})`);
            },
          },
        ],
        teardown: (s: S) => exit_all(rmap, s.w),
        leakCheck: true,
      },
    ],
    explore: { strategy: "dpor", maxExecutions: 1 },
  },
]);
