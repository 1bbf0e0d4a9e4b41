/*
 * Test-side kernel for the per-VMA lock exercise (lesson 6): mmap, munmap,
 * mprotect and the page fault with its mmap_lock fallback, built on the
 * learner's include/linux/mmap_lock.h.
 *
 * The fault checks what it was given: a vma of its own mm that contains
 * the address, with a reader's reference that stays below the limit, and
 * that does not change while the fault holds its read lock.
 */

import {
  type MmStruct,
  type Sim,
  type Vma,
  GFP_KERNEL,
  PAGE_SHIFT,
  VMA_LOCK_OFFSET,
  VMA_REF_LIMIT,
  check_that,
  current_name,
  data_race,
  find_vma,
  hex,
  insert_vma_now,
  kmem_cache_alloc,
  kmem_cache_free,
  remove_vma_now,
  sched_point,
  vma_alloc_now,
  vm_area_cachep, nameOf,
  rcu_read_lock_held,
} from "rmap-sim/testing";

/** What the drivers need of the learner's module. */
export interface PerVmaLock {
  mmap_write_lock(mm: MmStruct): Sim;
  mmap_write_unlock(mm: MmStruct): Sim;
  mmap_read_lock(mm: MmStruct): Sim;
  mmap_read_unlock(mm: MmStruct): Sim;
  vma_start_write(vma: Vma): Sim;
  vma_mark_attached(vma: Vma): Sim;
  vma_mark_detached(vma: Vma): Sim;
  vma_end_read(vma: Vma): Sim;
  lock_vma_under_rcu(mm: MmStruct, address: number): Sim<Vma | null>;
}

/**
 * Who is inside each vma of one mm: the readers (by thread) between
 * lock_vma_under_rcu() and vma_end_read(), and the writer between
 * vma_start_write() and mmap_write_unlock(). The mm is made by each
 * execution's setup, so this lives exactly as long as one execution.
 */
interface Inside {
  readers: Map<Vma, string[]>;
  writing: Map<Vma, string>;
}
const insideOf = new WeakMap<MmStruct, Inside>();

function inside(mm: MmStruct): Inside {
  let ins = insideOf.get(mm);
  if (!ins) insideOf.set(mm, (ins = { readers: new Map(), writing: new Map() }));
  return ins;
}

const guardedOf = new WeakMap<PerVmaLock, PerVmaLock>();
/** The wrappers guarded() made: wrapping one again returns it. */
const guardedSet = new WeakSet<PerVmaLock>();

/**
 * The learner's lock with the rule it exists for checked at the step that
 * breaks it: a reader let into a vma while its writer is inside is reported
 * when lock_vma_under_rcu() returns it, naming the writer; a writer that
 * returns from vma_start_write() while readers are inside is reported then,
 * naming them. Either comes before the torn value it would lead to. Every
 * driver below calls the learner's lock through it.
 */
export function guarded(lk: PerVmaLock): PerVmaLock {
  const known = guardedOf.get(lk);
  if (known) return known;
  if (guardedSet.has(lk)) return lk;
  const g: PerVmaLock = {
    mmap_write_lock: (mm) => lk.mmap_write_lock(mm),
    mmap_write_unlock: function* (mm) {
      const ins = inside(mm);
      for (const v of [...ins.writing.keys()]) if (v.vm_mm === mm) ins.writing.delete(v);
      yield* lk.mmap_write_unlock(mm);
    },
    mmap_read_lock: (mm) => lk.mmap_read_lock(mm),
    mmap_read_unlock: (mm) => lk.mmap_read_unlock(mm),
    vma_start_write: function* (vma) {
      yield* lk.vma_start_write(vma);
      const ins = inside(vma.vm_mm!);
      const readers = ins.readers.get(vma) ?? [];
      check_that(
        readers.length === 0,
        `vma_start_write(${nameOf(vma)}) returned in ${current_name()} while ${readers.join(", ")} held ${nameOf(vma)}'s per-VMA ` +
          "read lock: the writer must keep new readers out and wait for the readers already inside before it changes the vma",
      );
      ins.writing.set(vma, current_name());
    },
    vma_mark_attached: (vma) => lk.vma_mark_attached(vma),
    vma_mark_detached: (vma) => lk.vma_mark_detached(vma),
    vma_end_read: function* (vma) {
      const ins = inside(vma.vm_mm!);
      const readers = ins.readers.get(vma) ?? [];
      const i = readers.indexOf(current_name());
      if (i >= 0) readers.splice(i, 1);
      yield* lk.vma_end_read(vma);
    },
    lock_vma_under_rcu: function* (mm, address) {
      const inRcu = rcu_read_lock_held();
      const vma = yield* lk.lock_vma_under_rcu(mm, address);
      check_that(
        inRcu || !rcu_read_lock_held(),
        `lock_vma_under_rcu() in ${current_name()} returned ${vma ? nameOf(vma) : "NULL"} with the RCU read lock still held: ` +
          "every path out of it (found and locked, not found, the retry or -EAGAIN path) must leave the rcu_read_lock() section it entered",
      );
      if (vma && vma.vm_mm === mm) {
        const ins = inside(mm);
        const writer = ins.writing.get(vma);
        check_that(
          writer === undefined,
          `lock_vma_under_rcu() in ${current_name()} returned ${nameOf(vma)} read-locked while ${writer ?? ""} was inside its ` +
            "write section (its vma_start_write() had returned, mmap_write_unlock() not yet called): the reader must see the " +
            "writer's vm_lock_seq after taking its reference, and fall back to mmap_lock",
        );
        ins.readers.set(vma, [...(ins.readers.get(vma) ?? []), current_name()]);
      }
      return vma;
    },
  };
  guardedOf.set(lk, g);
  guardedSet.add(g);
  return g;
}
/** Setup: a vma [start, end) of mm, in its tree and attached (vm_refcnt 1), as mmap left it. */
export function mapped_vma_now(mm: MmStruct, start: number, end: number): Vma {
  const vma = vma_alloc_now(mm, start, end);
  vma.vm_refcnt.refs = 1;
  return vma;
}

/** mmap(): a new vma, write-locked, attached, then inserted in the tree. */
export function* mmap_region(lock: PerVmaLock, mm: MmStruct, start: number, end: number): Sim<Vma | null> {
  const lk = guarded(lock);
  const vma = yield* kmem_cache_alloc(vm_area_cachep, GFP_KERNEL);
  if (!vma) return null;
  /* vma_init(): a freed vma's count is zero, even a reused one's. */
  check_that(
    vma.vm_refcnt.refs === 0,
    `a vma handed out by the allocator has vm_refcnt ${hex(vma.vm_refcnt.refs)}, not 0: it was freed while still attached, ` +
      "or while a reader still held a reference",
  );
  vma.vm_mm = mm;
  vma.vm_start = start;
  vma.vm_end = end;
  vma.vm_pgoff = start >>> PAGE_SHIFT;
  vma.anon_vma = null;
  vma.vm_lock_seq = -1;
  yield* lk.mmap_write_lock(mm);
  yield* lk.vma_start_write(vma);
  yield* lk.vma_mark_attached(vma);
  insert_vma_now(mm, vma);
  yield* lk.mmap_write_unlock(mm);
  return vma;
}

/** munmap(): write-lock the vma, take it out of the tree, detach it, unlock, free it at once. */
export function* munmap_vma(lock: PerVmaLock, mm: MmStruct, vma: Vma): Sim {
  const lk = guarded(lock);
  yield* lk.mmap_write_lock(mm);
  yield* lk.vma_start_write(vma);
  remove_vma_now(mm, vma);
  yield* lk.vma_mark_detached(vma);
  yield* lk.mmap_write_unlock(mm);
  yield* kmem_cache_free(vm_area_cachep, vma);
}

/** mprotect(): write-lock the vma and change its flags, then unlock. */
export function* mprotect_vma(lock: PerVmaLock, mm: MmStruct, vma: Vma, flags: number): Sim {
  const lk = guarded(lock);
  yield* lk.mmap_write_lock(mm);
  yield* lk.vma_start_write(vma);
  vma.vm_flags = flags;
  yield* sched_point();
  vma.vm_end = vma.vm_end - 0x1000;
  yield* lk.mmap_write_unlock(mm);
}

export type FaultPath = "per-vma" | "mmap_lock" | "segv";

function checkVma(vma: Vma, mm: MmStruct, addr: number, how: string): void {
  check_that(
    vma.vm_mm === mm,
    `${how} returned ${nameOf(vma)}, which belongs to ${(vma.vm_mm ? nameOf(vma.vm_mm) : "no mm")}, for a fault in ${nameOf(mm)}: ` +
      "the vma was freed and reused for another address space after the lookup",
  );
  check_that(
    vma.vm_start <= addr && addr < vma.vm_end,
    `${how} returned ${nameOf(vma)} [${hex(vma.vm_start)}, ${hex(vma.vm_end)}) for a fault at ${hex(addr)}: ` +
      "the vma was reused for another range after the lookup",
  );
}

/**
 * A page fault at addr: lock_vma_under_rcu(), and if that fails, the
 * mmap_lock fallback. While it holds the per-VMA read lock the fault
 * takes a scheduling point (handle_mm_fault) and checks that the vma did
 * not change under it.
 */
export function* handle_fault(lock: PerVmaLock, mm: MmStruct, addr: number): Sim<FaultPath> {
  const lk = guarded(lock);
  const vma = yield* lk.lock_vma_under_rcu(mm, addr);
  if (vma) {
    checkVma(vma, mm, addr, "lock_vma_under_rcu()");
    /* Readers count in the low bits; a writer waiting for us may have added VMA_LOCK_OFFSET. */
    // Other readers and writers move the count meanwhile: a marked read, as refcount_read() is, with no scheduling point.
    const refs = data_race(() => vma.vm_refcnt.refs);
    const readers = refs & (VMA_LOCK_OFFSET - 1);
    check_that(
      readers >= 2 && refs <= VMA_LOCK_OFFSET + VMA_REF_LIMIT,
      `a fault holds a read lock on ${nameOf(vma)} with vm_refcnt ${hex(refs)}: without a writer's VMA_LOCK_OFFSET ` +
        `(${hex(VMA_LOCK_OFFSET)}) that must be between 2 (attached, plus this reader) and VMA_REF_LIMIT (${hex(VMA_REF_LIMIT)}); ` +
        "readers must never count into the writer's bit",
    );
    const start = vma.vm_start;
    const end = vma.vm_end;
    const flags = vma.vm_flags;
    yield* sched_point();
    check_that(
      vma.vm_start === start && vma.vm_end === end && vma.vm_flags === flags,
      `${nameOf(vma)} changed while a fault held its per-VMA read lock: a writer did not wait for the readers inside`,
    );
    yield* lk.vma_end_read(vma);
    return "per-vma";
  }
  yield* lk.mmap_read_lock(mm);
  const v = find_vma(mm, addr);
  if (v) checkVma(v, mm, addr, "find_vma() under mmap_lock");
  yield* lk.mmap_read_unlock(mm);
  return v ? "mmap_lock" : "segv";
}

/** Teardown: munmap every vma of every mm, so kmemleak can judge. */
export function* unmap_all(lk: PerVmaLock, ...mms: MmStruct[]): Sim {
  for (const mm of mms) {
    for (const vma of [...mm.vmas]) yield* munmap_vma(lk, mm, vma);
  }
}

export const PERVMA_TYPESAFE = { vm_area_struct: { typesafe: true } } as const;
