/*
 * Hidden: long random sequences of fork, mmap, fault, split, merge, munmap
 * and exit in one thread, checked by the oracle after every operation.
 */
import { PAGE_SIZE, type MmStruct, type Sim, type Vma, defineSuite, vma_alloc_now, type Scenario } from "rmap-sim/testing";
import {
  type AvcWorld,
  avc_oracle,
  avc_world_now,
  exit_all,
  exit_mm,
  fork_mm,
  merge_next,
  mergeable_next,
  mmap_now,
  split_vma,
  unmap_vma,
  write_fault,
} from "../../../lib/avc";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;
/** The address space used: 12 pages from BASE. */
const SLOTS = 12;

/** mulberry32: a small seeded PRNG, so every run of a seed does the same operations. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) | 0;
  };
}

function pick<T>(rnd: (n: number) => number, xs: readonly T[]): T | undefined {
  return xs.length ? xs[rnd(xs.length)] : undefined;
}

export default defineSuite<typeof Rmap>((rmap) => {
  function* run(w: AvcWorld, seed: number, ops: number): Sim<void> {
    const rnd = prng(seed);
    for (let i = 0; i < ops; i++) {
      const mm = pick(rnd, w.mms) as MmStruct | undefined;
      if (mm === undefined) return;
      const vma = pick(rnd, mm.vmas) as Vma | undefined;
      const r = rnd(100);
      let op: string;
      if (r < 30) {
        if (!vma) continue;
        const addr = vma.vm_start + rnd((vma.vm_end - vma.vm_start) / PAGE_SIZE) * PAGE_SIZE;
        op = `write fault at ${addr.toString(16)} in ${mm.name}`;
        yield* write_fault(mm, addr);
      } else if (r < 42) {
        if (w.mms.length >= 4) continue;
        op = `fork of ${mm.name}`;
        yield* fork_mm(rmap, w, mm);
      } else if (r < 57) {
        if (!vma || vma.vm_end - vma.vm_start < 2 * PAGE_SIZE) continue;
        const pages = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
        const addr = vma.vm_start + (1 + rnd(pages - 1)) * PAGE_SIZE;
        op = `split of ${vma.name} at ${addr.toString(16)}`;
        yield* split_vma(rmap, vma, addr);
      } else if (r < 75) {
        const cands = mm.vmas.filter((v) => mergeable_next(v) !== null);
        const v = pick(rnd, cands);
        if (!v) continue;
        op = `merge of ${v.name} with the vma after it`;
        yield* merge_next(rmap, v, mergeable_next(v)!);
      } else if (r < 87) {
        // mmap a new vma in a free slot, preferably next to a vma (so it may reuse its anon_vma).
        const free: number[] = [];
        for (let s = 0; s < SLOTS; s++) {
          const a = BASE + s * PAGE_SIZE;
          if (!mm.vmas.some((v2) => v2.vm_start <= a && a < v2.vm_end)) free.push(a);
        }
        const a = pick(rnd, free);
        if (a === undefined) continue;
        let end = a + PAGE_SIZE;
        while (end < BASE + SLOTS * PAGE_SIZE && free.includes(end) && rnd(2) === 0) end += PAGE_SIZE;
        op = `mmap of [${a.toString(16)}, ${end.toString(16)}) in ${mm.name}`;
        mmap_now(mm, a, end);
      } else if (r < 96) {
        if (!vma) continue;
        op = `munmap of ${vma.name}`;
        yield* unmap_vma(rmap, vma);
      } else {
        if (w.mms.length < 2) continue;
        op = `exit of ${mm.name}`;
        yield* exit_mm(rmap, w, mm);
      }
      avc_oracle(w, `operation ${i} (${op})`);
    }
  }
  const sequence = (seed: number, ops: number): Scenario<AvcWorld> => ({
    name: `random operations, seed ${seed}`,
    models: `${ops} random forks, mmaps, faults, splits, merges, munmaps and exits of up to four processes`,
    setup: () => {
      const w = avc_world_now();
      vma_alloc_now(w.mms[0]!, BASE, BASE + 6 * PAGE_SIZE);
      vma_alloc_now(w.mms[0]!, BASE + 8 * PAGE_SIZE, BASE + 10 * PAGE_SIZE);
      return w;
    },
    threads: [{ name: "task", run: (w) => run(w, seed, ops) }],
    teardown: (w) => exit_all(rmap, w),
    leakCheck: true,
    limits: { maxSteps: 100_000 },
  });
  return [
    {
      name: "random fork, split, merge, munmap and fault",
      description:
        "Long random sequences of operations on a few processes. After every operation: every vma's chain and " +
        "every anon_vma's list are well linked and agree with each other, and the rmap walk of every mapped page " +
        "reaches every address where it is mapped. At the end every process exits and nothing may be left allocated.",
      weight: 3,
      scenarios: [1, 2, 3, 4].map((seed) => sequence(seed, 120)),
      explore: { maxExecutions: 1 },
    },
    {
      name: "merge with a forked neighbour",
      description:
        "A child maps a new vma just below one it inherited at fork and faults in it: the new vma reuses its " +
        "neighbour's anon_vma and holds the singleton chain. Then the two merge. The inherited vma's chain also " +
        "holds the parent's anon_vma, with the pages still shared with the parent: the merged vma must keep it.",
      scenarios: [
        {
          name: "singleton merge",
          models: "mmap next to an inherited vma, fault, then vma_merge",
          setup: () => {
            const w = avc_world_now();
            vma_alloc_now(w.mms[0]!, BASE + 2 * PAGE_SIZE, BASE + 4 * PAGE_SIZE);
            return w;
          },
          threads: [
            {
              name: "task",
              run: function* (w) {
                const parent = w.mms[0]!;
                yield* write_fault(parent, BASE + 2 * PAGE_SIZE);
                const child = (yield* fork_mm(rmap, w, parent))!;
                avc_oracle(w, "fork");
                const below = mmap_now(child, BASE, BASE + 2 * PAGE_SIZE)!;
                yield* write_fault(child, BASE);
                avc_oracle(w, "a fault in the new vma");
                yield* merge_next(rmap, below, mergeable_next(below)!);
                avc_oracle(w, "the merge");
                yield* unmap_vma(rmap, parent.vmas[0]!);
                avc_oracle(w, "munmap in the parent");
              },
            },
          ],
          teardown: (w) => exit_all(rmap, w),
          leakCheck: true,
        },
      ],
      explore: { maxExecutions: 1 },
    },
  ];
});
