/*
 * Hidden, lesson 3: fork on generated layouts. Each shape is one vma of 1
 * to 6 pages placed just below, across or just above a pmd (2 MiB) or pud
 * (1 GiB) boundary, or anywhere, with holes in its ptes, read-only ptes
 * among writable ones, a private (copy-on-write) or shared mapping, or a
 * hugetlb one, or a private one never faulted (no anon_vma); the
 * neighbouring vmas' pages mapped just below and above it; up to two
 * page-table allocations failing in one run; and,
 * running against the copy, either a guest faulting through the secondary
 * MMU or reclaim unmapping one of the parent's pages under the
 * page_table_lock. A fixed test races hugetlb page migration, which
 * unmaps a hugetlb page the same way, with the hugetlb copy. Every interleaving is explored (DPOR, within the
 * budget); a failing shape is shrunk before it is shown.
 *
 * Oracle (besides the detectors: notifier balance, locks, leaks): the copy
 * returns 0, or -ENOMEM only when an allocation failed; 0 only with every
 * pte of the vma the parent still maps copied (a vma with no anon_vma may
 * be left to the child's faults: nothing or everything copied); the child
 * has ptes only inside the vma, each mapping the page the parent mapped
 * there; a COW
 * mapping's copied ptes are read-only in both, the parent's others are
 * untouched, and a shared mapping's ptes keep their write bit; each page's
 * mapcount counts its ptes; a parent pte reclaim (or migration) cleared
 * stays clear; a page reclaim found unmapped is mapped by no pte at the
 * end; the guest holds no writable translation the primary does not back.
 */
import {
  type MmStruct,
  PAGE_SIZE,
  type PageTable,
  type Pte,
  type Scenario,
  type Sim,
  VM_SHARED,
  atomic_dec,
  check_that,
  defineSuite,
  hex,
  mk_pte,
  Page,
  mm_ptes,
  pgtable_index,
  set_pte_at,
  spin_lock,
  spin_unlock, nameOf,
} from "rmap-sim/testing";
import {
  PGTABLE_CACHES,
  PMD_SPAN,
  PUD_SPAN,
  check_secondary_mmu,
  exit_fork_world,
  fork_world_now,
  kvm_fault,
  populate_now,
  type ForkWorld,
  fork_copy,
} from "../../../lib/cow";
import { type Draw, shapeTest } from "../../../lib/shapes";
import type * as Memory from "../../starter/memory";

const PLACES = ["below a pmd boundary", "across a pmd boundary", "across a pud boundary", "above a pmd boundary", "anywhere"] as const;

interface Shape {
  place: number;
  pages: number;
  /** Offsets (pages) with no pte. */
  holes: number[];
  /** For a vma across a boundary: no page below it, so the parent has no page table there at all. */
  emptySide: boolean;
  /** Offsets whose pte is read-only before the fork. */
  readonly: number[];
  /** cow: private, faulted (it has an anon_vma); fresh: private, never faulted (no anon_vma); shared; hugetlb. */
  kind: "cow" | "fresh" | "shared" | "hugetlb";
  /** Pages of the neighbouring vmas mapped just below vm_start and at vm_end. */
  neighbours: boolean;
  failures: number;
  /** The thread racing the copy, and the page it touches. */
  racer: "none" | "guest" | "reclaim";
  target: number;
  /** Offsets the guest mapped writable before fork. */
  sptes: number[];
}

function generate(d: Draw): Shape {
  const pages = d.int(1, 6);
  const offset = (e: Draw): number => e.int(0, pages - 1);
  const kind = (["cow", "shared", "hugetlb", "fresh"] as const)[d.int(0, 3)]!;
  return {
    place: d.int(0, PLACES.length - 1),
    pages,
    holes: d.array(0, 3, 30, offset),
    emptySide: d.chance(30),
    readonly: kind === "hugetlb" ? [] : d.array(0, 2, 25, offset),
    kind,
    neighbours: d.chance(60),
    // Half the shapes allocate without failure: there the copy must return 0.
    failures: d.chance(50) ? d.int(1, 2) : 0,
    racer: (["none", "guest", "reclaim"] as const)[d.int(0, 2)]!,
    target: offset(d),
    sptes: d.array(0, 2, 30, offset),
  };
}

/** A two-page hugetlb vma, both pages mapped and the child's tables not yet allocated, with one page unmapped during the copy. */
const HUGE: Shape = {
  place: 4,
  pages: 2,
  holes: [],
  emptySide: false,
  readonly: [],
  kind: "hugetlb",
  neighbours: false,
  failures: 0,
  racer: "reclaim",
  target: 0,
  sptes: [],
};

function startOf(sh: Shape): number {
  const n = sh.pages * PAGE_SIZE;
  switch (sh.place) {
    case 0:
      return 4 * PMD_SPAN - n;
    case 1:
      return 4 * PMD_SPAN - Math.ceil(sh.pages / 2) * PAGE_SIZE;
    case 2:
      return PUD_SPAN - Math.ceil(sh.pages / 2) * PAGE_SIZE;
    case 3:
      return 4 * PMD_SPAN;
    default:
      return 0x400000 + 3 * PAGE_SIZE;
  }
}

function present(sh: Shape): number[] {
  const below = sh.emptySide && (sh.place === 1 || sh.place === 2) ? Math.ceil(sh.pages / 2) : 0;
  return [...Array(sh.pages).keys()].filter((i) => i >= below && !sh.holes.includes(i));
}

function describeShape(sh: Shape): string {
  const start = startOf(sh);
  const p = present(sh);
  const parts = [
    `a ${sh.kind === "cow" ? "private" : sh.kind === "fresh" ? "private, never faulted (no anon_vma)," : sh.kind} vma of ${sh.pages} page${sh.pages === 1 ? "" : "s"} at ${hex(start)} (${PLACES[sh.place]})`,
    p.length === sh.pages ? "every page mapped" : `pages ${p.join(", ") || "none"} mapped`,
  ];
  const ro = sh.readonly.filter((i) => p.includes(i));
  if (ro.length) parts.push(`read-only ptes at ${[...new Set(ro)].join(", ")}`);
  if (sh.neighbours) parts.push("the neighbouring vmas' pages mapped just below and just above it");
  if (sh.failures) parts.push(`up to ${sh.failures} page-table allocation${sh.failures === 1 ? "" : "s"} failing`);
  if (sh.racer === "guest") parts.push(`a guest faulting on page ${sh.target} during the copy`);
  if (sh.racer === "reclaim")
    parts.push(sh.kind === "hugetlb" ? `migration unmapping hugetlb page ${sh.target} during the copy` : `reclaim unmapping page ${sh.target} during the copy`);
  const sp = sh.racer === "reclaim" ? [] : sh.sptes.filter((i) => p.includes(i));
  if (sp.length) parts.push(`the guest mapped pages ${[...new Set(sp)].join(", ")} before the fork`);
  return parts.join("; ");
}

interface W extends ForkWorld {
  /** The parent's ptes before the copy. */
  before: Map<number, Pte>;
  /** Set by the reclaim thread when it dropped the last mapping of its page. */
  reclaimedLast: boolean;
  /** The address whose parent pte the reclaim thread cleared, if it found one. */
  cleared: number | null;
}

/** The parent's pte table covering addr (a plain walk: the tables above exist for a mapped address). */
function pte_table(mm: MmStruct, addr: number): PageTable | undefined {
  let t: PageTable | undefined = mm.pgd;
  while (t && t.level !== "pte") t = t.entries.get(pgtable_index(t.level, addr)) as PageTable | undefined;
  return t;
}

/** Reclaim unmapping one page of the parent: under the page_table_lock, clear the pte and drop its mapping. */
function* reclaim(w: W, addr: number): Sim<void> {
  yield* spin_lock(w.parent.page_table_lock);
  const t = pte_table(w.parent, addr);
  const pte = t?.get(pgtable_index("pte", addr)) as Pte | undefined;
  if (t && pte) {
    set_pte_at(w.parent, addr, t, undefined);
    yield* atomic_dec(pte.page._mapcount);
    w.reclaimedLast = pte.page._mapcount.counter < 0;
    w.cleared = addr;
  }
  yield* spin_unlock(w.parent.page_table_lock);
}

function check(sh: Shape, w: W, ret: unknown): void {
  check_that(
    ret === 0 || (ret === -12 && sh.failures > 0),
    sh.failures > 0
      ? `copy_page_range returned ${String(ret)}: the test expected 0, or -ENOMEM (-12) when a page table cannot be allocated`
      : `copy_page_range returned ${String(ret)} although every allocation succeeded: the test expected 0`,
  );
  const cow = sh.kind !== "shared";
  const inVma = (addr: number) => w.vma.vm_start <= addr && addr < w.vma.vm_end;
  const parent = new Map(mm_ptes(w.parent).filter(([a]) => inVma(a)));
  const child = new Map(mm_ptes(w.child));
  // A vma that never faulted has no anonymous pages of its own: fork may leave its ptes to the child's faults.
  const mayskip = sh.kind === "fresh" && child.size === 0;
  for (const [addr, c] of child) {
    check_that(inVma(addr), `the child has a pte at ${hex(addr)}, outside the vma [${hex(w.vma.vm_start)}, ${hex(w.vma.vm_end)}) being copied`);
    const b = w.before.get(addr);
    check_that(b !== undefined && b.page === c.page, `the child maps ${hex(addr)} -> ${nameOf(c.page)}, which the parent did not map there before the fork`);
    if (cow) check_that(!c.write, `the child's pte at ${hex(addr)} is writable: fork must write-protect a private mapping's ptes in both processes`);
    else check_that(c.write === b!.write, `the child's pte at ${hex(addr)} of a shared mapping is ${c.write ? "" : "not "}writable, the parent's was ${b!.write ? "" : "not "}writable: a shared mapping is copied as it is`);
  }
  for (const [addr, p] of parent) {
    const b = w.before.get(addr)!;
    const copied = child.has(addr);
    if (ret === 0 && !mayskip) check_that(copied, `copy_page_range returned 0 but the child has no pte at ${hex(addr)}, which the parent maps`);
    const want = cow && copied ? false : b.write;
    check_that(
      p.write === want,
      `the parent's pte at ${hex(addr)} is ${p.write ? "writable" : "read-only"} after the copy; the test expected it ${want ? "writable" : "read-only"} ` +
        `(${cow ? (copied ? "copied, so write-protected" : "not copied, so untouched") : "a shared mapping keeps its write bit"})`,
    );
  }
  if (w.cleared !== null) {
    const who = sh.kind === "hugetlb" ? "migration" : "reclaim";
    check_that(
      !parent.has(w.cleared),
      `${who} cleared the parent's pte at ${hex(w.cleared)}, but after the copy the parent maps it again: the copy wrote back ` +
        `a pte it read before ${who} cleared it (a pte read under the page_table_lock is stale once the lock is dropped)`,
    );
  }
  for (const page of w.pages) {
    const n = [...parent.values(), ...child.values()].filter((p) => p.page === page).length;
    check_that(page._mapcount.counter + 1 === n, `${nameOf(page)} is mapped by ${n} pte(s) but its mapcount says ${page._mapcount.counter + 1}`);
  }
  if (w.reclaimedLast) {
    const who = sh.kind === "hugetlb" ? "migration" : "reclaim";
    const page = w.before.get(w.vma.vm_start + sh.target * PAGE_SIZE)!.page;
    const still = [...child].filter(([, p]) => p.page === page).map(([a]) => hex(a));
    check_that(
      still.length === 0,
      `${who} unmapped ${nameOf(page)} from the parent and found it mapped nowhere else (so it would be freed), but the child maps it at ${still.join(", ")}: ` +
        `the copy used a pte it read before ${who} cleared it (a pte read under the page_table_lock is stale once the lock is dropped)`,
    );
  }
  check_secondary_mmu(w);
}

export default defineSuite<typeof Memory>((mm) => {
  const scenario = (sh: Shape, hugeUnmap = false): Scenario<W> => {
    const p = present(sh);
    // Reclaim unmaps only a page that is mapped, and never a hugetlb page (hugetlb pages are not on the LRU): in
    // the generated shapes a hugetlb page is unmapped by nobody; migration unmaps one in the fixed test below.
    const racer = sh.racer === "reclaim" && (!p.includes(sh.target) || (sh.kind === "hugetlb" && !hugeUnmap)) ? "none" : sh.racer;
    return {
      name: describeShape(sh),
      models: "fork of one vma on a generated layout, with allocations failing and a thread racing the copy",
      setup: () => {
        const fw = fork_world_now({
          start: startOf(sh),
          pages: sh.pages,
          present: p,
          hugetlb: sh.kind === "hugetlb",
          sptes: racer === "reclaim" ? [] : [...new Set(sh.sptes.filter((i) => p.includes(i)))],
        });
        if (sh.kind === "shared") fw.vma.vm_flags |= VM_SHARED;
        if (sh.kind === "fresh") fw.vma.anon_vma = null;
        if (sh.neighbours) {
          for (const [addr, name] of [[fw.vma.vm_start - PAGE_SIZE, "below"], [fw.vma.vm_end, "above"]] as const) {
            const page = new Page(`neighbour-${name}`);
            page.index = addr / PAGE_SIZE;
            populate_now(fw.parent, addr, page, true);
          }
        }
        for (const i of sh.readonly) {
          const addr = fw.vma.vm_start + i * PAGE_SIZE;
          const t = pte_table(fw.parent, addr);
          const pte = t?.get(pgtable_index("pte", addr)) as Pte | undefined;
          if (t && pte) {
            set_pte_at(fw.parent, addr, t, mk_pte(pte.page, false));
            fw.kvm.sptes.delete(addr);
          }
        }
        return { ...fw, before: new Map(mm_ptes(fw.parent)), reclaimedLast: false, cleared: null };
      },
      threads: [
        { name: "fork", run: (w: W) => fork_copy(mm, w) },
        ...(racer === "guest" ? [{ name: "kvm", run: (w: W) => kvm_fault(w, w.vma.vm_start + sh.target * PAGE_SIZE) }] : []),
        ...(racer === "reclaim" ? [{ name: "reclaim", run: (w: W) => reclaim(w, w.vma.vm_start + sh.target * PAGE_SIZE) }] : []),
      ],
      check: (w: W, ctx) => check(sh, w, ctx.results.fork),
      teardown: exit_fork_world,
      leakCheck: PGTABLE_CACHES,
      ...(sh.failures ? { faults: { caches: PGTABLE_CACHES, maxFailures: sh.failures } } : {}),
    };
  };
  return [
    shapeTest({
      name: "fork on generated layouts",
      description:
        "Fork of vmas of 1 to 6 pages below, across and above pmd and pud boundaries, with holes, read-only ptes, " +
        "private, shared and hugetlb mappings, up to two failing page-table allocations, and a guest fault or " +
        "reclaim racing the copy. The copy must return 0 or -ENOMEM, copy exactly what the parent maps, " +
        "write-protect only a private mapping's copied ptes, count every mapping, never copy a pte reclaim cleared, " +
        "and close every notifier range it opened.",
      generates: "vmas of 1 to 6 pages around pmd and pud boundaries, holes, read-only ptes, private/shared/hugetlb, 0 to 2 failing allocations, a guest or reclaim racing the copy",
      weight: 3,
      generate,
      seed: 0x3c0f,
      runs: 16,
      scenario,
      explore: { strategy: "dpor", maxExecutions: 300 },
    }),
    {
      name: "hugetlb page unmapped during fork",
      description:
        "Hugetlb page migration (or memory-failure handling) unmaps one of the parent's hugetlb pages under the " +
        "page_table_lock while fork copies the vma; it takes no mmap_lock, so it runs between the copy's steps, " +
        "also while the copy allocates the child's page tables with the lock dropped. The child must never map " +
        "the page migration took from the parent, and every mapcount must count its ptes.",
      scenarios: [0, 1].map((target) => {
        const sh: Shape = { ...HUGE, target };
        return { ...scenario(sh, true), models: "fork of a hugetlb vma racing hugetlb page migration unmapping one of its pages" };
      }),
      explore: { strategy: "dpor", maxExecutions: 300 },
    },
  ];
});
