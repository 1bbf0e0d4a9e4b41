/*
 * Hidden: a guest faults through the secondary MMU while the parent forks.
 */
import { PAGE_SIZE, defineSuite, type Scenario } from "rmap-sim/testing";
import {
  check_fork_result,
  check_secondary_mmu,
  exit_fork_world,
  fork_world_now,
  kvm_fault,
  type ForkWorld,
  type ForkWorldOptions,
  fork_copy,
} from "../../../lib/cow";
import type * as Memory from "../../starter/memory";

export default defineSuite<typeof Memory>((mm) => {
  const race = (name: string, models: string, o: ForkWorldOptions, page: number): Scenario<ForkWorld> => ({
    name,
    models,
    setup: () => fork_world_now(o),
    threads: [
      { name: "fork", run: (w) => fork_copy(mm, w) },
      { name: "kvm", run: (w) => kvm_fault(w, w.vma.vm_start + page * PAGE_SIZE) },
    ],
    teardown: exit_fork_world,
    check: (w, ctx) => {
      check_fork_result(w, ctx.results.fork);
      check_secondary_mmu(w);
    },
  });
  return [
    {
      name: "guest fault races fork",
      description:
        "A guest vCPU faults on the parent's page while the parent forks, in every interleaving. The secondary " +
        "MMU reads the primary pte and installs its translation unless an invalidation started or ran meanwhile. " +
        "When fork write-protects the pte, the guest must never end up with a writable translation of the page " +
        "the child now shares.",
      weight: 2,
      scenarios: [
        race("guest fault vs fork", "a KVM vCPU faulting on a private page during fork", { pages: 2 }, 1),
        race(
          "guest fault vs fork, mapping already cached",
          "a KVM vCPU that mapped one page before fork and faults on another during it",
          { pages: 2, sptes: [0] },
          1,
        ),
      ],
      explore: { strategy: "dpor", maxExecutions: 200 },
    },
    {
      name: "guest fault races fork of a hugetlb vma",
      description:
        "The same race on a hugetlb mapping. Its copy takes a separate path, which write-protects the parent's " +
        "ptes just the same: the secondary MMU must be told on that path too.",
      scenarios: [
        race("guest fault vs hugetlb fork", "a KVM vCPU faulting on a hugetlb page during fork", { pages: 2, hugetlb: true }, 0),
        race(
          "guest fault vs hugetlb fork, mapping already cached",
          "a KVM vCPU that mapped a hugetlb page before fork",
          { pages: 2, hugetlb: true, sptes: [1] },
          0,
        ),
      ],
      explore: { strategy: "dpor", maxExecutions: 200 },
    },
  ];
});
