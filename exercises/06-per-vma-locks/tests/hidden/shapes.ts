/*
 * Hidden, lesson 6: page faults on generated layouts. Each shape is an mm
 * with 1 to 3 vmas of 1 to 4 pages, adjacent or with holes between them;
 * one or two faults at drawn addresses (a vma's first or last page, the
 * address equal to its vm_end, a hole, beyond the last vma); and, at the
 * same time, a writer: nothing, munmap of a vma, mprotect of a vma, or
 * munmap and a new mmap that reuses the freed vma (the vma cache is
 * SLAB_TYPESAFE_BY_RCU) in the same or another mm. Every interleaving is
 * explored (DPOR, within the budget); a failing shape is shrunk.
 *
 * Oracles: the fault driver checks the vma it was given (its mm, its range,
 * the reader's count, no change while read-locked); an address in no vma
 * ends in SIGSEGV; an address in a vma no writer touches is found (per-VMA
 * lock or mmap_lock); nothing leaks.
 */
import { check_that, defineSuite, hex, mm_alloc_now, type MmStruct, PAGE_SIZE, type Scenario, type Vma } from "rmap-sim/testing";
import type * as Lock from "../../starter/mmap_lock";
import { PERVMA_TYPESAFE, handle_fault, mapped_vma_now, mmap_region, mprotect_vma, munmap_vma, unmap_all } from "../../../lib/pervma";
import { type Draw, shapeTest } from "../../../lib/shapes";

const BASE = 0x100000;
const WHERE = ["first page", "last page", "vm_end", "hole", "beyond"] as const;
const WRITERS = ["none", "munmap", "mprotect", "reuse in this mm", "reuse in another mm"] as const;

interface Shape {
  /** Per vma: pages before it (a hole, 0 = adjacent) and its length in pages. */
  vmas: Array<readonly [gap: number, pages: number]>;
  faults: Array<readonly [where: number, vma: number]>;
  writer: number;
  victim: number;
}

function generate(d: Draw): Shape {
  return {
    vmas: d.array(1, 3, 50, (e) => [e.chance(50) ? 0 : e.int(1, 2), e.int(1, 4)] as const),
    faults: d.array(1, 2, 40, (e) => [e.int(0, WHERE.length - 1), e.int(0, 2)] as const),
    writer: d.int(0, WRITERS.length - 1),
    victim: d.int(0, 2),
  };
}

interface Layout {
  ranges: Array<[number, number]>;
  addrs: number[];
}

function layout(sh: Shape): Layout {
  const ranges: Array<[number, number]> = [];
  let at = BASE;
  for (const [gap, pages] of sh.vmas) {
    at += gap * PAGE_SIZE;
    ranges.push([at, at + pages * PAGE_SIZE]);
    at += pages * PAGE_SIZE;
  }
  const addrs = sh.faults.map(([w, i]) => {
    const [start, end] = ranges[i % ranges.length]!;
    switch (WHERE[w]) {
      case "first page":
        return start;
      case "last page":
        return end - PAGE_SIZE;
      case "vm_end":
        return end;
      case "hole": {
        const hole = ranges.findIndex(([s], k) => k > 0 && s > ranges[k - 1]![1]);
        return hole > 0 ? ranges[hole - 1]![1] : BASE - PAGE_SIZE;
      }
      default:
        return at + PAGE_SIZE;
    }
  });
  return { ranges, addrs };
}

interface S {
  mm: MmStruct;
  other: MmStruct;
  vmas: Vma[];
}

export default defineSuite<typeof Lock>((lk) => {
  const scenario = (sh: Shape): Scenario<S> => {
    const { ranges, addrs } = layout(sh);
    const writer = WRITERS[sh.writer]!;
    const victim = sh.victim % ranges.length;
    const covering = (a: number) => ranges.findIndex(([s, e]) => s <= a && a < e);
    const vmasText = ranges.map(([s, e]) => `[${hex(s)}, ${hex(e)})`).join(", ");
    return {
      name:
        `vmas ${vmasText}; faults at ${addrs.map(hex).join(" and ")}` +
        (writer === "none" ? "" : `; ${writer} of [${hex(ranges[victim]![0])}, ${hex(ranges[victim]![1])}) at once`),
      models: "page faults on a generated layout racing a writer of one of its vmas",
      setup: () => {
        const mm = mm_alloc_now("mm");
        const other = mm_alloc_now("mm2");
        other.mm_lock_seq = 100;
        return { mm, other, vmas: ranges.map(([s, e]) => mapped_vma_now(mm, s, e)) };
      },
      threads: [
        ...addrs.map((a, i) => ({ name: `fault${i + 1}`, run: (s: S) => handle_fault(lk, s.mm, a) })),
        ...(writer === "none"
          ? []
          : [
              {
                name: writer.replace(/ /g, "-"),
                run: function* (s: S) {
                  const v = s.vmas[victim]!;
                  if (writer === "mprotect") return yield* mprotect_vma(lk, s.mm, v, 0x1);
                  yield* munmap_vma(lk, s.mm, v);
                  if (writer === "reuse in this mm") yield* mmap_region(lk, s.mm, BASE + 64 * PAGE_SIZE, BASE + 65 * PAGE_SIZE);
                  if (writer === "reuse in another mm") yield* mmap_region(lk, s.other, ranges[victim]![0], ranges[victim]![1]);
                },
              },
            ]),
      ],
      check: (_s: S, ctx) => {
        addrs.forEach((a, i) => {
          const got = ctx.results[`fault${i + 1}`];
          const k = covering(a);
          if (k < 0) {
            check_that(got === "segv", `the fault at ${hex(a)}, in no vma, ended on the ${String(got)} path; the test expected SIGSEGV`);
          } else if (writer === "none" || k !== victim) {
            check_that(
              got === "per-vma" || got === "mmap_lock",
              `the fault at ${hex(a)}, inside [${hex(ranges[k]![0])}, ${hex(ranges[k]![1])}) which no writer touched, ended on the ${String(got)} path; the test expected the vma found`,
            );
          }
        });
      },
      teardown: function* (s: S) {
        yield* unmap_all(lk, s.mm, s.other);
      },
      leakCheck: ["vm_area_struct"],
      caches: PERVMA_TYPESAFE,
    };
  };
  return [
    shapeTest({
      name: "faults on generated layouts",
      description:
        "Address spaces of 1 to 3 vmas, adjacent or with holes, one or two faults at a vma's first or last page, at " +
        "its vm_end, in a hole or beyond, racing munmap, mprotect or the reuse of a freed vma. A fault must lock only " +
        "the vma that contains its address, end in SIGSEGV outside every vma, find every vma no writer touches, and " +
        "never use a vma freed or changed under it.",
      generates: "1 to 3 vmas with holes, 1 or 2 faults at boundary addresses, a racing munmap, mprotect or reuse",
      weight: 2,
      generate,
      seed: 0x6fa1,
      runs: 8,
      scenario,
      explore: { strategy: "dpor", maxExecutions: 250 },
    }),
  ];
});
