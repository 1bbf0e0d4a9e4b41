/*
 * Hidden: generated sequences of fork, mmap, fault, split, merge, munmap
 * and exit in one thread, on generated vma layouts, checked by the oracle
 * after every operation.
 */
import { PAGE_SIZE, type MmStruct, type Sim, type Vma, defineSuite, vma_alloc_now, type Scenario, nameOf } from "rmap-sim/testing";
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
import { type Draw, shapeTest } from "../../../lib/shapes";
import type * as Rmap from "../../starter/rmap";

const BASE = 0x10000;
/** The address space used: 12 pages from BASE. */
const SLOTS = 12;

/** One operation: its kind (0-99) and the numbers it draws its choices from, each taken modulo the choices at hand. */
type Op = readonly number[];

/** A shape: the initial vmas of the first process (slot, pages, vm_pgoff) and the operations. */
interface Shape {
  vmas: ReadonlyArray<{ slot: number; pages: number; pgoff: number }>;
  ops: readonly Op[];
}

/** A shape drawn: up to four vmas (overlapping ones are dropped), vm_pgoff mostly linear, and 1 to 50 operations. */
function generate(d: Draw): Shape {
  return {
    vmas: d.array(1, 4, 60, (e) => ({ slot: e.int(0, SLOTS - 1), pages: e.int(1, 6), pgoff: e.chance(25) ? e.int(1, 64) : 0 })),
    ops: d.array(1, 50, 96, (e) => [0, 1, 2, 3, 4, 5].map(() => e.int(0, 99))),
  };
}

/** The first process's vmas of a shape: non-overlapping, inside the slots; vm_pgoff as after an mremap when not 0. */
function layout(shape: Shape): Array<{ start: number; end: number; pgoff: number | null }> {
  const out: Array<{ start: number; end: number; pgoff: number | null }> = [];
  for (const v of shape.vmas) {
    const start = BASE + v.slot * PAGE_SIZE;
    const end = Math.min(BASE + SLOTS * PAGE_SIZE, start + v.pages * PAGE_SIZE);
    if (out.some((o) => o.start < end && start < o.end)) continue;
    // At most 8 pages in all: the cost of a shape grows with its pages times its processes.
    if (out.reduce((n, o) => n + (o.end - o.start) / PAGE_SIZE, 0) + (end - start) / PAGE_SIZE > 8) continue;
    out.push({ start, end, pgoff: v.pgoff === 0 ? null : v.pgoff });
  }
  return out;
}

function describeLayout(shape: Shape): string {
  return layout(shape)
    .map((v) => `[${v.start.toString(16)}, ${v.end.toString(16)})${v.pgoff === null ? "" : ` pgoff ${v.pgoff}`}`)
    .join(", ");
}

function pick<T>(rnd: (n: number) => number, xs: readonly T[]): T | undefined {
  return xs.length ? xs[rnd(xs.length)] : undefined;
}

export default defineSuite<typeof Rmap>((rmap) => {
  function* run(w: AvcWorld, ops: readonly Op[]): Sim<void> {
    for (let i = 0; i < ops.length; i++) {
      const draw = ops[i]!;
      let k = 1;
      const rnd = (n: number): number => (draw[k++ % draw.length]! % n) | 0;
      const r = draw[0]!;
      // Half the operations go to the newest process, so a child gets several operations in a row after its fork.
      const mm = (rnd(2) === 0 ? w.mms[w.mms.length - 1] : pick(rnd, w.mms)) as MmStruct | undefined;
      if (mm === undefined) return;
      const vma = pick(rnd, mm.vmas) as Vma | undefined;
      let op: string;
      if (r < 30) {
        if (!vma) continue;
        const addr = vma.vm_start + rnd((vma.vm_end - vma.vm_start) / PAGE_SIZE) * PAGE_SIZE;
        op = `write fault at ${addr.toString(16)} in ${nameOf(mm)}`;
        yield* write_fault(mm, addr);
      } else if (r < 42) {
        if (w.mms.length >= 4) continue;
        op = `fork of ${nameOf(mm)}`;
        yield* fork_mm(rmap, w, mm);
      } else if (r < 57) {
        if (!vma || vma.vm_end - vma.vm_start < 2 * PAGE_SIZE) continue;
        const pages = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
        const addr = vma.vm_start + (1 + rnd(pages - 1)) * PAGE_SIZE;
        op = `split of ${nameOf(vma)} at ${addr.toString(16)}`;
        yield* split_vma(rmap, vma, addr);
      } else if (r < 75) {
        const cands = mm.vmas.filter((v) => mergeable_next(v) !== null);
        const v = pick(rnd, cands);
        if (!v) continue;
        op = `merge of ${nameOf(v)} with the vma after it`;
        yield* merge_next(rmap, v, mergeable_next(v)!);
      } else if (r < 87) {
        // mmap a new vma in a free slot; half the time just below or above a vma, so it may reuse its anon_vma and merge.
        const free: number[] = [];
        for (let s = 0; s < SLOTS; s++) {
          const a = BASE + s * PAGE_SIZE;
          if (!mm.vmas.some((v2) => v2.vm_start <= a && a < v2.vm_end)) free.push(a);
        }
        let a: number | undefined;
        if (vma && rnd(2) === 0) {
          const below = vma.vm_start - PAGE_SIZE;
          a = free.includes(below) ? below : free.includes(vma.vm_end) ? vma.vm_end : undefined;
        }
        a ??= pick(rnd, free);
        if (a === undefined) continue;
        let end = a + PAGE_SIZE;
        while (end < BASE + SLOTS * PAGE_SIZE && free.includes(end) && rnd(2) === 0) end += PAGE_SIZE;
        op = `mmap of [${a.toString(16)}, ${end.toString(16)}) in ${nameOf(mm)}`;
        mmap_now(mm, a, end);
      } else if (r < 96) {
        if (!vma) continue;
        op = `munmap of ${nameOf(vma)}`;
        yield* unmap_vma(rmap, vma);
      } else {
        if (w.mms.length < 2) continue;
        op = `exit of ${nameOf(mm)}`;
        yield* exit_mm(rmap, w, mm);
      }
      avc_oracle(w, `operation ${i} (${op})`);
    }
  }
  const sequence = (shape: Shape): Scenario<AvcWorld> => ({
    name: `${shape.ops.length} operation${shape.ops.length === 1 ? "" : "s"} on ${describeLayout(shape)}`,
    models:
      `a first process with the vmas ${describeLayout(shape)}, then ${shape.ops.length} forks, mmaps, faults, splits, ` +
      "merges, munmaps and exits of up to five processes (each failure message names the operation)",
    setup: () => {
      const w = avc_world_now();
      for (const v of layout(shape)) {
        const vma = vma_alloc_now(w.mms[0]!, v.start, v.end);
        if (v.pgoff !== null) vma.vm_pgoff = v.pgoff;
      }
      return w;
    },
    threads: [{ name: "task", run: (w) => run(w, shape.ops) }],
    teardown: (w) => exit_all(rmap, w),
    leakCheck: true,
    limits: { maxSteps: 100_000 },
  });
  return [
    shapeTest({
      name: "random fork, split, merge, munmap and fault",
      description:
        "Generated sequences of operations on a few processes, from generated vma layouts (adjacent vmas, holes, " +
        "vm_pgoff as after mremap). After every operation: every vma's chain and every anon_vma's list are well " +
        "linked and agree with each other, every forked vma has an anon_vma of its own, and the rmap walk of every " +
        "mapped page reaches every address where it is mapped. At the end every process exits and nothing may be " +
        "left allocated. A failing sequence is shrunk to a short one before it is shown.",
      weight: 3,
      generate,
      seed: 4,
      runs: 10,
      scenario: sequence,
      // One thread: one schedule. PCT runs it without DPOR's race analysis, which has nothing to find here.
      explore: { strategy: "pct", runs: 1, maxExecutions: 1 },
    }),
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
