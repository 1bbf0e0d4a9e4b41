/*
 * The simulated memory-management objects: mm_struct, vm_area_struct,
 * anon_vma, anon_vma_chain, struct page, page tables and ptes, and a
 * secondary MMU (KVM-like) that caches translations and listens to mmu
 * notifiers.
 *
 * The objects carry the kernel's field names so that a learner can hold this
 * file beside include/linux/mm_types.h and include/linux/rmap.h. Fields are
 * tracked (see kobject.ts): every read and write is part of the step's
 * footprint and is checked against use-after-free.
 *
 * Lock ordering (as in mm/rmap.c, simplified to what is modelled here):
 *
 *   mm->mmap_lock
 *     vma->vm_refcnt (per-VMA lock, write side)
 *       anon_vma->rwsem / anon_vma->lock   (the root's, for the whole tree)
 *         mm->page_table_lock
 *
 * What is not modelled: file-backed mappings, the page cache, huge pages
 * (except the hugetlb flag that a copy path may have to notify for), swap.
 */

import { Atomic, atomicCountsReferences } from "./atomic";
import { data_race } from "./compiler";
import { cur } from "./current";
import type { Execution } from "./execution";
import { hex } from "./format";
import { isFreed, kernelObjectClass, KObject, peek, poke, trackFields, nameOf, optName, setLabel, unlabelledName, idOf } from "./kobject";
import { ListHead } from "./list";
import { Op, type OpImpl } from "./op";
import { Refcount } from "./refcount";
import { RwSemaphore } from "./rwsem";
import { allocateNow, freeNow, kernelCache, KmemCache } from "./slab";
import { Spinlock } from "./spinlock";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const LEVEL_BITS = 9;
const LEVEL_MASK = (1 << LEVEL_BITS) - 1;

/* vm_flags */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_MAYWRITE = 0x20;
export const VM_SHARED = 0x8;
export const VM_HUGETLB = 0x400000;

/** Per-VMA lock: a writer adds this to vm_refcnt (include/linux/mm_types.h). */
export const VMA_LOCK_OFFSET = 0x40000000;
/**
 * Readers may not push vm_refcnt past this: VMA_LOCK_OFFSET - 2, as settled in
 * the review of the series, so readers alone never reach the writer's offset.
 */
export const VMA_REF_LIMIT = VMA_LOCK_OFFSET - 2;

/* ======================================================================== */
/* Objects                                                                    */
/* ======================================================================== */

export class MmStruct extends KObject {
  get type(): string {
    return "mm_struct";
  }
  /** The vmas of the address space, sorted by address (the maple tree / mmap list). */
  declare vmas: readonly Vma[];
  declare mm_users: number;
  /** Per-VMA locks: a vma is write-locked when its vm_lock_seq equals this. */
  declare mm_lock_seq: number;
  readonly mmap_lock: RwSemaphore;
  readonly page_table_lock: Spinlock;
  readonly pgd: PageTable;
  /** Secondary MMUs listening to this mm's mmu notifiers. */
  readonly notifiers: SecondaryMmu[] = [];
  constructor(label?: string) {
    super(label);
    poke(this, "vmas", []);
    poke(this, "mm_users", 1);
    poke(this, "mm_lock_seq", 0);
    this.mmap_lock = this.embed(new RwSemaphore("&mm->mmap_lock"), "mmap_lock");
    this.page_table_lock = this.embed(new Spinlock("&mm->page_table_lock"), "page_table_lock");
    this.pgd = this.embed(new PageTable("pgd"), "pgd");
  }
  override describe(): Record<string, unknown> {
    return { vmas: peek(this, "vmas").map((v) => nameOf(v)), mm_users: peek(this, "mm_users") };
  }
}
trackFields(MmStruct, ["vmas", "mm_users", "mm_lock_seq"]);
unlabelledName(MmStruct, (mm) => `mm#${idOf(mm)}`);

export class Vma extends KObject {
  get type(): string {
    return "vm_area_struct";
  }
  declare vm_mm: MmStruct | null;
  declare vm_start: number;
  declare vm_end: number;
  /** Offset of vm_start in pages, as the rmap walk computes addresses from page->index. */
  declare vm_pgoff: number;
  declare vm_flags: number;
  declare anon_vma: AnonVma | null;
  /** Per-VMA lock sequence (2024 series): equals mm->mm_lock_seq while write-locked. */
  declare vm_lock_seq: number;
  /** The anon_vma_chain entries of this vma (avc->same_vma), 2010 design. */
  readonly anon_vma_chain: ListHead<AnonVmaChain>;
  /** This vma's entry on anon_vma->vmas (the 2004 design: the anon_vma lists vmas directly). */
  readonly anon_vma_node: ListHead<Vma>;
  /** Per-VMA lock and attach count: 0 detached, 1 attached, +1 per reader, +VMA_LOCK_OFFSET for a writer. */
  readonly vm_refcnt: Refcount;
  constructor(label?: string) {
    super(label);
    poke(this, "vm_mm", null);
    poke(this, "vm_start", 0);
    poke(this, "vm_end", 0);
    poke(this, "vm_pgoff", 0);
    poke(this, "vm_flags", VM_READ | VM_WRITE | VM_MAYWRITE);
    poke(this, "anon_vma", null);
    poke(this, "vm_lock_seq", -1);
    this.anon_vma_chain = this.embed(new ListHead<AnonVmaChain>(null), "anon_vma_chain");
    this.anon_vma_node = this.embed(new ListHead<Vma>(this), "anon_vma_node");
    this.vm_refcnt = this.embed(new Refcount(0), "vm_refcnt");
  }
  override describe(): Record<string, unknown> {
    return {
      vm_mm: optName(peek(this, "vm_mm")) ?? null,
      vm_start: hex(peek(this, "vm_start")),
      vm_end: hex(peek(this, "vm_end")),
      anon_vma: optName(peek(this, "anon_vma")) ?? null,
      vm_refcnt: peek(this.vm_refcnt, "refs"),
    };
  }
}
trackFields(Vma, ["vm_mm", "vm_start", "vm_end", "vm_pgoff", "vm_flags", "anon_vma", "vm_lock_seq"]);
unlabelledName(Vma, (v) => `vma#${idOf(v)}@${hex(peek(v, "vm_start"))}`);

export class AnonVma extends KObject {
  get type(): string {
    return "anon_vma";
  }
  /** Root of the anon_vma tree (2010): its lock protects the whole tree. Itself for a root. */
  declare root: AnonVma;
  /** Parent in the anon_vma tree (later kernels); null for a root. */
  declare parent: AnonVma | null;
  declare degree: number;
  declare num_children: number;
  declare num_active_vmas: number;
  /** 2004/2010 spinlock flavour of the anon_vma lock. */
  readonly lock: Spinlock;
  /** 2008+ rw_semaphore flavour: rmap walks may sleep while holding it. */
  readonly rwsem: RwSemaphore;
  /** Existence reference count (2008 external_refcount, 2010 refcount). */
  readonly refcount: Atomic;
  /** The anon_vma_chain entries of the vmas that may map this anon_vma's pages (avc->same_anon_vma). */
  readonly head: ListHead<AnonVmaChain>;
  /** 2004 design: the vmas themselves, linked through vma->anon_vma_node. */
  readonly vmas: ListHead<Vma>;
  constructor(label?: string) {
    super(label);
    poke(this, "root", this);
    poke(this, "parent", null);
    poke(this, "degree", 1);
    poke(this, "num_children", 0);
    poke(this, "num_active_vmas", 0);
    this.lock = this.embed(new Spinlock("&anon_vma->lock"), "lock");
    this.rwsem = this.embed(new RwSemaphore("&anon_vma->rwsem"), "rwsem");
    this.refcount = this.embed(atomicCountsReferences(new Atomic(0)), "refcount");
    this.head = this.embed(new ListHead<AnonVmaChain>(null), "head");
    this.vmas = this.embed(new ListHead<Vma>(null), "vmas");
  }
  override describe(): Record<string, unknown> {
    const root = peek(this, "root");
    return {
      root: root === this ? "self" : root.name,
      refcount: peek(this.refcount, "counter"),
      chains: this.head.describe().length,
      vmas: this.vmas.describe().length,
      freed: isFreed(this),
    };
  }
}
trackFields(AnonVma, ["root", "parent", "degree", "num_children", "num_active_vmas"]);

export class AnonVmaChain extends KObject {
  get type(): string {
    return "anon_vma_chain";
  }
  declare vma: Vma | null;
  declare anon_vma: AnonVma | null;
  /** Entry on vma->anon_vma_chain. */
  readonly same_vma: ListHead<AnonVmaChain>;
  /** Entry on anon_vma->head. */
  readonly same_anon_vma: ListHead<AnonVmaChain>;
  constructor(label?: string) {
    super(label);
    poke(this, "vma", null);
    poke(this, "anon_vma", null);
    this.same_vma = this.embed(new ListHead<AnonVmaChain>(this), "same_vma");
    this.same_anon_vma = this.embed(new ListHead<AnonVmaChain>(this), "same_anon_vma");
  }
  override describe(): Record<string, unknown> {
    return { vma: optName(peek(this, "vma")) ?? null, anon_vma: optName(peek(this, "anon_vma")) ?? null };
  }
}
trackFields(AnonVmaChain, ["vma", "anon_vma"]);

export class Page extends KObject {
  get type(): string {
    return "page";
  }
  /** For an anonymous page: its anon_vma (page->mapping with PAGE_MAPPING_ANON). */
  declare mapping: AnonVma | null;
  /** Offset in pages used by the rmap walk: address = vm_start + ((index - vm_pgoff) << PAGE_SHIFT). */
  declare index: number;
  /** Number of ptes mapping the page, minus one (-1: unmapped), as in the kernel. */
  readonly _mapcount: Atomic;
  constructor(label?: string) {
    super(label);
    poke(this, "mapping", null);
    poke(this, "index", 0);
    this._mapcount = this.embed(new Atomic(-1), "_mapcount");
  }
  override describe(): Record<string, unknown> {
    return { mapping: optName(peek(this, "mapping")) ?? null, index: peek(this, "index"), mapcount: peek(this._mapcount, "counter") + 1 };
  }
}
trackFields(Page, ["mapping", "index"]);

/** A pte value (pte_t): immutable; change a pte with set_pte_at(). */
export interface Pte {
  readonly page: Page;
  readonly write: boolean;
}

export type PageTableLevel = "pgd" | "pud" | "pmd" | "pte";
const NEXT_LEVEL: Record<PageTableLevel, PageTableLevel | null> = { pgd: "pud", pud: "pmd", pmd: "pte", pte: null };
const LEVEL_SHIFT: Record<PageTableLevel, number> = { pgd: 39, pud: 30, pmd: 21, pte: 12 };

/** One page-table page. Each entry is its own tracked location. */
export class PageTable extends KObject {
  readonly type: string;
  readonly entries = new Map<number, PageTable | Pte>();
  constructor(readonly level: PageTableLevel, label?: string) {
    super(label);
    this.type = `${level}_t table`;
  }
  /** Read entry `idx` (tracked). */
  get(idx: number): PageTable | Pte | undefined {
    const ex = cur();
    if (ex.tracking) ex.access(this, 1 + (idx % 62), false, `entry[${idx}]`);
    return this.entries.get(idx);
  }
  /** Write entry `idx` (tracked). */
  set(idx: number, v: PageTable | Pte | undefined): void {
    const ex = cur();
    if (ex.tracking) ex.access(this, 1 + (idx % 62), true, `entry[${idx}]`);
    if (v === undefined) this.entries.delete(idx);
    else this.entries.set(idx, v);
  }
  override describe(): Record<string, unknown> {
    return { level: this.level, entries: this.entries.size };
  }
}
kernelObjectClass(PageTable);

export function pgtable_index(level: PageTableLevel, addr: number): number {
  return Math.floor(addr / 2 ** LEVEL_SHIFT[level]) & LEVEL_MASK;
}

/* ======================================================================== */
/* Caches                                                                     */
/* ======================================================================== */

export const mm_cachep = kernelCache(new KmemCache<MmStruct>("mm_struct", () => new MmStruct()));
export const vm_area_cachep = kernelCache(new KmemCache<Vma>("vm_area_struct", () => new Vma()));
/** anon_vma has been SLAB_TYPESAFE_BY_RCU (first SLAB_DESTROY_BY_RCU) since 2.6.x. */
export const anon_vma_cachep = kernelCache(new KmemCache<AnonVma>("anon_vma", () => new AnonVma(), { typesafe: true }));
export const anon_vma_chain_cachep = kernelCache(new KmemCache<AnonVmaChain>("anon_vma_chain", () => new AnonVmaChain()));
export const page_cachep = kernelCache(new KmemCache<Page>("page", () => new Page()));
export const pgtable_cachep: Record<Exclude<PageTableLevel, "pgd">, KmemCache<PageTable>> = {
  pud: kernelCache(new KmemCache<PageTable>("pgtable_pud", () => new PageTable("pud"))),
  pmd: kernelCache(new KmemCache<PageTable>("pgtable_pmd", () => new PageTable("pmd"))),
  pte: kernelCache(new KmemCache<PageTable>("pgtable_pte", () => new PageTable("pte"))),
};

/* ======================================================================== */
/* Setup helpers (outside threads: scenario setup and teardown checks)        */
/* ======================================================================== */

function setupName(): string {
  return cur().running?.name ?? "setup";
}

/** Allocate a new mm for a scenario's setup. */
export function mm_alloc_now(label?: string): MmStruct {
  const ex = cur();
  const mm = allocateNow(ex, mm_cachep, setupName());
  if (label) setLabel(mm, label);
  return mm;
}

/** Allocate a vma [start, end) in `mm` and insert it in mm->vmas (setup only). */
export function vma_alloc_now(mm: MmStruct, start: number, end: number, flags = VM_READ | VM_WRITE | VM_MAYWRITE): Vma {
  const ex = cur();
  const vma = allocateNow(ex, vm_area_cachep, setupName());
  vma.vm_mm = mm;
  vma.vm_start = start;
  vma.vm_end = end;
  vma.vm_pgoff = start >>> PAGE_SHIFT;
  vma.vm_flags = flags;
  vma.anon_vma = null;
  insert_vma_now(mm, vma);
  return vma;
}

/** Insert a vma in its mm's sorted vma array (copy-on-write of the array). */
export function insert_vma_now(mm: MmStruct, vma: Vma): void {
  const list = [...mm.vmas, vma].sort((a, b) => a.vm_start - b.vm_start);
  mm.vmas = list;
}

/** Remove a vma from its mm's vma array. */
export function remove_vma_now(mm: MmStruct, vma: Vma): void {
  mm.vmas = mm.vmas.filter((v) => v !== vma);
}

/** find_vma(): the vma containing addr, or null. */
export function find_vma(mm: MmStruct, addr: number): Vma | null {
  // The mm's tree of vmas is built for lockless readers (the maple tree's
  // reads are rcu_dereference()s): the lookup is marked, under mmap_lock or
  // under RCU alike. What it returns is as stable as what the caller holds.
  return data_race(() => {
    for (const v of mm.vmas) if (v.vm_start <= addr && addr < v.vm_end) return v;
    return null;
  });
}

/** How many objects of the caches named `name` are allocated now. */
export function cache_live_count(name: string): number {
  let n = 0;
  for (const st of cur().caches.values()) if (st.name === name) n += st.live.size;
  return n;
}

/* ======================================================================== */
/* Pages and page tables                                                       */
/* ======================================================================== */

const ALLOC_PAGE: OpImpl = {
  name: "alloc_page",
  sleeps: true,
  faultable: (_op, ex) => faultsOn(ex, "page"),
  perform(op, t, ex) {
    if (op.fail) return null;
    const p = allocateNow(ex, page_cachep, t.name);
    p.mapping = null;
    p.index = 0;
    p._mapcount.counter = -1;
    return p;
  },
};
/** Allocate a page (GFP_KERNEL): may fail under fault injection. */
export function alloc_page(): Op<Page | null> {
  return new Op(ALLOC_PAGE, null);
}

const FREE_PAGE: OpImpl = {
  name: "__free_page",
  perform(op, _t, ex) {
    freeNow(ex, page_cachep as unknown as KmemCache<KObject>, op.obj!, "__free_page");
  },
};
export function __free_page(page: Page): Op<void> {
  return new Op(FREE_PAGE, page);
}

function faultsOn(ex: Execution, cache: string): boolean {
  const f = ex.opts.faults;
  return f !== null && (f.caches === "all" || f.caches.has(cache));
}

const PGTABLE_ALLOC: OpImpl = {
  name: "pgtable_alloc",
  sleeps: true,
  faultable: (op, ex) => {
    const table = op.obj as PageTable;
    const addr = op.arg as number;
    const lvl = NEXT_LEVEL[table.level]!;
    // Only a real allocation can fail: an entry that is already populated needs none.
    return faultsOn(ex, `pgtable_${lvl}`) && table.entries.get(pgtable_index(table.level, addr)) === undefined;
  },
  perform(op, t, ex) {
    const table = op.obj as PageTable;
    const addr = op.arg as number;
    const mm = op.arg2 as MmStruct;
    const idx = pgtable_index(table.level, addr);
    const lvl = NEXT_LEVEL[table.level]!;
    const existing = table.get(idx);
    if (existing !== undefined) return existing as PageTable;
    if (op.fail) {
      ex.traceNote(`fault injection: ${lvl}_alloc(${nameOf(mm)}, ${hex(addr)}) fails`);
      return null;
    }
    const nu = allocateNow(ex, pgtable_cachep[lvl as Exclude<PageTableLevel, "pgd">], t.name);
    nu.entries.clear();
    setLabel(nu, `${nameOf(mm)}:${lvl}@${hex(addr)}`);
    // __pud_alloc() and friends install the new table under mm->page_table_lock.
    table.set(idx, nu);
    return nu;
  },
  args: (op) => hex(op.arg as number),
};

function levelAlloc(name: string, level: PageTableLevel) {
  const impl: OpImpl = { ...PGTABLE_ALLOC, name };
  return (mm: MmStruct, table: PageTable, addr: number): Op<PageTable | null> => {
    if (!(table instanceof PageTable) || table.level !== level) {
      throw new TypeError(`${name}() expects the ${level} table that covers the address`);
    }
    return new Op(impl, table, addr, mm);
  };
}

/** Return the pud table under `pgd` for `addr`, allocating it if needed; null on -ENOMEM. */
export const pud_alloc = levelAlloc("pud_alloc", "pgd");
/** Return the pmd table under `pud` for `addr`, allocating it if needed; null on -ENOMEM. */
export const pmd_alloc = levelAlloc("pmd_alloc", "pud");
/** Return the pte table under `pmd` for `addr`, allocating it if needed; null on -ENOMEM. */
export const pte_alloc = levelAlloc("pte_alloc", "pmd");

/** Walk without allocating: the table of `level` covering addr, or null. Plain tracked reads. */
export function pgtable_walk(mm: MmStruct, addr: number, level: PageTableLevel = "pte"): PageTable | null {
  let t: PageTable = mm.pgd;
  while (t.level !== level) {
    const e = t.get(pgtable_index(t.level, addr));
    if (e === undefined || !(e instanceof PageTable)) return null;
    t = e;
  }
  return t;
}

/** Read the pte for addr, or undefined if none. */
export function pte_get(mm: MmStruct, addr: number): Pte | undefined {
  const t = pgtable_walk(mm, addr, "pte");
  return t ? (t.get(pgtable_index("pte", addr)) as Pte | undefined) : undefined;
}

/** Read the pte for addr in a pte table. */
export function ptep_get(pte_table: PageTable, addr: number): Pte | undefined {
  return pte_table.get(pgtable_index("pte", addr)) as Pte | undefined;
}

export function mk_pte(page: Page, write: boolean): Pte {
  return Object.freeze({ page, write });
}
export function pte_wrprotect(pte: Pte): Pte {
  return mk_pte(pte.page, false);
}

/** Install a pte (set_pte_at). */
export function set_pte_at(_mm: MmStruct, addr: number, pte_table: PageTable, pte: Pte | undefined): void {
  pte_table.set(pgtable_index("pte", addr), pte);
}

/** Free every page table of an mm (free_pgtables at exit). */
export function free_pgtables_now(mm: MmStruct): void {
  const ex = cur();
  const walk = (t: PageTable): void => {
    for (const [, e] of t.entries) {
      if (e instanceof PageTable) {
        walk(e);
        freeNow(ex, pgtable_cachep[e.level as Exclude<PageTableLevel, "pgd">] as unknown as KmemCache<KObject>, e, "free_pgtables");
      }
    }
    t.entries.clear();
  };
  walk(mm.pgd);
}

/** All (address, pte) pairs of an mm, in address order. A plain walk. */
export function mm_ptes(mm: MmStruct): Array<[number, Pte]> {
  const out: Array<[number, Pte]> = [];
  const walk = (t: PageTable, base: number): void => {
    const keys = [...t.entries.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const e = t.get(k);
      const addr = base + k * 2 ** LEVEL_SHIFT[t.level];
      if (e instanceof PageTable) walk(e, addr);
      else if (e !== undefined) out.push([addr, e]);
    }
  };
  walk(mm.pgd, 0);
  return out;
}

/* ======================================================================== */
/* Secondary MMU and mmu notifiers                                            */
/* ======================================================================== */

export interface Spte {
  readonly page: Page;
  readonly write: boolean;
}

/**
 * A KVM-like secondary MMU: it caches translations of the primary page
 * tables (sptes) and must drop them when the primary changes. It hears
 * mmu_notifier_invalidate_range_start()/_end(): between the two it neither
 * keeps nor installs translations for the range.
 */
export class SecondaryMmu extends KObject {
  get type(): string {
    return "secondary_mmu";
  }
  readonly sptes = new Map<number, Spte>();
  declare invalidate_in_progress: number;
  declare invalidate_seq: number;
  readonly mm: MmStruct;
  constructor(mm: MmStruct, label?: string) {
    super(label ?? `kvm(${nameOf(mm)})`);
    this.mm = mm;
    poke(this, "invalidate_in_progress", 0);
    poke(this, "invalidate_seq", 0);
    mm.notifiers.push(this);
  }
  invalidate_range_start(start: number, end: number): void {
    this.invalidate_in_progress = this.invalidate_in_progress + 1;
    for (const addr of [...this.sptes.keys()]) {
      if (addr >= start && addr < end) {
        cur().touch(this, true);
        this.sptes.delete(addr);
      }
    }
  }
  invalidate_range_end(): void {
    this.invalidate_in_progress = this.invalidate_in_progress - 1;
    this.invalidate_seq = this.invalidate_seq + 1;
  }
  override describe(): Record<string, unknown> {
    return {
      sptes: [...this.sptes].map(([a, s]) => `${hex(a)}->${nameOf(s.page)}${s.write ? " rw" : " ro"}`),
      invalidate_in_progress: peek(this, "invalidate_in_progress"),
    };
  }
}
trackFields(SecondaryMmu, ["invalidate_in_progress", "invalidate_seq"]);

// Both may sleep (include/linux/mmu_notifier.h: might_sleep() before the callbacks): a secondary MMU's
// invalidate_range_start/end callbacks may block, e.g. waiting for its own faults in flight.
const NOTIFIER_START: OpImpl = {
  name: "mmu_notifier_invalidate_range_start",
  sleeps: true,
  perform(op, t, ex) {
    const mm = op.obj as MmStruct;
    const [start, end] = op.arg as [number, number];
    t.notifierRanges.push({ mm, start, end, step: ex.stepIndex });
    for (const n of mm.notifiers) n.invalidate_range_start(start, end);
  },
  args: (op) => (op.arg as number[]).map(hex),
};

const NOTIFIER_END: OpImpl = {
  name: "mmu_notifier_invalidate_range_end",
  sleeps: true,
  perform(op, t, ex) {
    const mm = op.obj as MmStruct;
    const [start, end] = op.arg as [number, number];
    const i = t.notifierRanges.findIndex((r) => r.mm === mm && r.start === start && r.end === end);
    if (i < 0) {
      const open = t.notifierRanges.filter((r) => r.mm === mm);
      ex.fail(
        "unbalanced",
        "WARNING: mmu_notifier_invalidate_range_end() does not match a start",
        open.length
          ? `${t.name} ends range [${hex(start)}, ${hex(end)}) of ${nameOf(mm)}, but the open range is ` +
              `[${hex(open[0]!.start)}, ${hex(open[0]!.end)}) (started at step ${open[0]!.step}). The end must repeat the start's range: ` +
              "a secondary MMU pairs them to know when the range is stable again."
          : `${t.name} ends range [${hex(start)}, ${hex(end)}) of ${nameOf(mm)} without a matching start.`,
        { start, end },
      );
    }
    t.notifierRanges.splice(i, 1);
    for (const n of mm.notifiers) n.invalidate_range_end();
  },
  args: (op) => (op.arg as number[]).map(hex),
};

/** Tell secondary MMUs that ptes in [start, end) are about to change: they drop their translations. */
export function mmu_notifier_invalidate_range_start(mm: MmStruct, start: number, end: number): Op<void> {
  return new Op(NOTIFIER_START, mm, [start, end]);
}
/** The change is done: secondary MMUs may fault translations in again. Must match the start's range. */
export function mmu_notifier_invalidate_range_end(mm: MmStruct, start: number, end: number): Op<void> {
  return new Op(NOTIFIER_END, mm, [start, end]);
}

const KVM_FAULT_BEGIN: OpImpl = {
  name: "kvm_mmu_fault_begin",
  perform(op) {
    const s = op.obj as SecondaryMmu;
    return s.invalidate_seq;
  },
};
const KVM_FAULT_COMMIT: OpImpl = {
  name: "kvm_mmu_fault_commit",
  perform(op) {
    const s = op.obj as SecondaryMmu;
    const [addr, seq, pte] = op.arg as [number, number, Pte];
    // mmu_invalidate_retry(): give up if an invalidation ran or is running.
    if (s.invalidate_in_progress !== 0 || s.invalidate_seq !== seq) return false;
    cur().touch(s, true);
    s.sptes.set(addr, { page: pte.page, write: pte.write });
    return true;
  },
};

/**
 * A secondary-MMU fault on addr (KVM's page fault): snapshot the invalidate
 * sequence, read the primary pte, then install the translation unless an
 * invalidation intervened. Returns true if a translation was installed.
 */
export function* kvm_page_fault(smmu: SecondaryMmu, addr: number): Generator<Op, boolean, unknown> {
  const seq = (yield* new Op<number>(KVM_FAULT_BEGIN, smmu)) as number;
  // hva_to_pfn() walks the primary page table without its locks (gup-fast:
  // ptep_get_lockless(), a marked read) while fork may be write-protecting the
  // pte; a stale value is caught by the invalidate sequence at commit.
  const pte = data_race(() => pte_get(smmu.mm, addr));
  if (pte === undefined) return false;
  return (yield* new Op<boolean>(KVM_FAULT_COMMIT, smmu, [addr, seq, pte])) as boolean;
}

/** Every writable secondary translation must be backed by a writable primary pte of the same page. */
export function secondary_mmu_violations(smmu: SecondaryMmu): string[] {
  const out: string[] = [];
  for (const [addr, s] of smmu.sptes) {
    const pte = pte_get(smmu.mm, addr);
    if (pte === undefined) out.push(`${nameOf(smmu)} maps ${hex(addr)} -> ${nameOf(s.page)} but the primary has no pte there`);
    else if (pte.page !== s.page) out.push(`${nameOf(smmu)} maps ${hex(addr)} -> ${nameOf(s.page)} but the primary maps ${nameOf(pte.page)}`);
    else if (s.write && !pte.write) {
      out.push(
        `${nameOf(smmu)} keeps a writable translation of ${hex(addr)} -> ${nameOf(s.page)}, but the primary pte is read-only ` +
          "(copy-on-write after fork): a guest write would change the page under the child",
      );
    }
  }
  return out;
}
