/*
 * Generated process trees for the 2004-2008 rmap (lessons 1 and 2): a vma
 * of any size (vm_pgoff as after mremap), faults at its first, last and
 * other pages, then forks of any process, copy-on-write faults, mremap,
 * vma splits and exits; after every step the rmap walk of every mapped page
 * is checked against the page tables, and at the end try_to_unmap_anon()
 * must unmap everything.
 */
import { type AnonVma, type LockLike, type MmStruct, type Page, type Sim, type TestCase, check_that, mm_alloc_now, vma_alloc_now, nameOf } from "rmap-sim/testing";
import {
  PAGE,
  type RmapOps,
  type World,
  do_anonymous_page,
  do_wp_page,
  dup_mmap,
  exit_mmap,
  move_vma,
  newLockedWorld,
  ptes_mapping,
  split_vma,
  teardown,
} from "./objrmap";
import { type Draw, shapeTest } from "./shapes";

/** What the walk tests need of the learner's module. */
export interface WalkRmap extends RmapOps {
  page_referenced_anon(page: Page): Sim<number>;
  try_to_unmap_anon(page: Page): Sim<number>;
  SWAP_SUCCESS: number;
}

interface S {
  w: World;
  mm: MmStruct;
}

/** A generated process tree: the first vma, the pages faulted in it, then operations (each a kind and two choices). */
interface Shape {
  slot: number;
  pages: number;
  pgoff: number;
  faults: number[];
  ops: Array<[kind: number, a: number, b: number]>;
}

const OPS = ["fork", "cow", "mremap", "split", "exit"] as const;

function generate(d: Draw): Shape {
  const pages = d.int(1, 8);
  // The first and the last page of the vma are faulted more often than the others.
  const fault = (e: Draw): number => (e.chance(50) ? (e.chance(50) ? pages - 1 : 0) : e.int(0, pages - 1));
  return {
    slot: d.int(0, 15),
    pages,
    pgoff: d.chance(30) ? d.int(1, 200) : 0,
    faults: d.array(1, 4, 60, fault),
    ops: d.array(1, 10, 85, (e) => [e.int(0, OPS.length - 1), e.int(0, 99), e.int(0, 99)] as [number, number, number]),
  };
}

function describeShape(sh: Shape): string {
  const start = 0x10000 + sh.slot * PAGE;
  return (
    `a vma [0x${start.toString(16)}, 0x${(start + sh.pages * PAGE).toString(16)})${sh.pgoff ? ` with vm_pgoff ${sh.pgoff}` : ""}, ` +
    `faults at pages ${sh.faults.join(", ")}, then ${sh.ops.map(([k]) => OPS[k]).join(", ")}`
  );
}


/** The generated-tree test; `listLock` names the lock of an anon_vma's list (its spinlock in 2004, its rw_semaphore in 2008). */
export function walkShapeTest(rmap: WalkRmap, listLock: (av: AnonVma) => LockLike): TestCase {
  function* expectWalk(s: S, pages: Page[], when: string): Sim {
    for (const p of pages) {
      const want = ptes_mapping(s.w, p);
      const got = yield* rmap.page_referenced_anon(p);
      check_that(
        got === want.length,
        `${when}: page_referenced_anon(${nameOf(p)}) found ${got} ptes, but ${want.length} map it (${want.join(", ") || "none"})`,
      );
    }
  }

  /** The pages some pte maps: the walks of the kernel start from a mapped page. */
  const mapped = (s: S): Page[] => [...new Set(s.w.pages)].filter((p) => ptes_mapping(s.w, p).length > 0);

  function* runShape(s: S, sh: Shape): Sim {
    const vma = s.mm.vmas[0]!;
    for (const i of sh.faults) yield* do_anonymous_page(rmap, s.w, vma, vma.vm_start + i * PAGE);
    yield* expectWalk(s, mapped(s), "after the first faults");
    let nextMove = 0x100000;
    for (const [k, a, b] of sh.ops) {
      const mm = s.w.mms[a % s.w.mms.length]!;
      const v = mm.vmas[b % Math.max(1, mm.vmas.length)];
      let what: string = OPS[k]!;
      if (OPS[k] === "fork") {
        if (s.w.mms.length >= 4) continue;
        yield* dup_mmap(rmap, s.w, mm, `${nameOf(mm)}.child`);
        what = `fork of ${nameOf(mm)}`;
      } else if (OPS[k] === "cow") {
        if (!v) continue;
        const addr = v.vm_start + (b % ((v.vm_end - v.vm_start) / PAGE)) * PAGE;
        const r = yield* do_wp_page(rmap, s.w, v, addr);
        if (r === null) continue;
        what = `a copy-on-write fault at 0x${addr.toString(16)} in ${nameOf(mm)}`;
      } else if (OPS[k] === "mremap") {
        if (!v) continue;
        yield* move_vma(v, nextMove);
        what = `mremap of ${nameOf(mm)}'s vma to 0x${nextMove.toString(16)}`;
        nextMove += 0x100000;
      } else if (OPS[k] === "split") {
        if (!v || v.vm_end - v.vm_start < 2 * PAGE) continue;
        const at = v.vm_start + (1 + (b % ((v.vm_end - v.vm_start) / PAGE - 1))) * PAGE;
        yield* split_vma(rmap, v, at);
        what = `a split of ${nameOf(mm)}'s vma at 0x${at.toString(16)}`;
      } else {
        if (mm === s.mm) continue;
        yield* exit_mmap(rmap, s.w, mm);
        what = `exit of ${nameOf(mm)}`;
      }
      yield* expectWalk(s, mapped(s), `after ${what}`);
    }
    for (const p of mapped(s)) {
      const r = yield* rmap.try_to_unmap_anon(p);
      const left = ptes_mapping(s.w, p);
      check_that(left.length === 0, `try_to_unmap_anon(${nameOf(p)}) left ptes mapping it: ${left.join(", ")}`);
      check_that(r === rmap.SWAP_SUCCESS, `try_to_unmap_anon(${nameOf(p)}) returned ${r}, the test expected SWAP_SUCCESS`);
      check_that(p._mapcount.counter === -1, `${nameOf(p)}'s _mapcount is ${p._mapcount.counter} after try_to_unmap_anon, the test expected -1`);
    }
  }

  return shapeTest<Shape>({
      name: "the walk on generated process trees",
      description:
        "Generated vmas (any size, the first and last pages faulted, vm_pgoff as after mremap) and process trees " +
        "(forks of any process, copy-on-write faults, mremap, vma splits, exits). After every step the rmap walk of " +
        "every mapped page must count exactly the ptes that map it, and try_to_unmap_anon() must then unmap them all. " +
        "A split leaves vmas on the anon_vma's list where the page's address falls outside: vma_address() must say so. " +
        "A failing tree is shrunk to a small one before it is shown.",
      generate,
      runs: 12,
      seed: 1,
      scenario: (sh: Shape) => ({
        name: describeShape(sh),
        models: "one thread building the process tree, with the rmap walk checked against the page tables after each step",
        setup: (): S => {
          const mm = mm_alloc_now("parent");
          const start = 0x10000 + sh.slot * PAGE;
          const vma = vma_alloc_now(mm, start, start + sh.pages * PAGE);
          if (sh.pgoff) vma.vm_pgoff = sh.pgoff;
          return { w: newLockedWorld(listLock, mm), mm };
        },
        threads: [{ name: "driver", run: (s: S) => runShape(s, sh) }],
        teardown: (s: S) => teardown(rmap, s.w),
        leakCheck: ["anon_vma"],
        caches: { anon_vma: { typesafe: false } },
      }),
      explore: { strategy: "pct", runs: 1, maxExecutions: 1 },
    });
}
