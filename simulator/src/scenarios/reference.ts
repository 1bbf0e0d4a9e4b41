/*
 * Reference scenarios for the explorer benchmark: rmap-shaped work on real
 * simulator objects (anon_vma with its rw_semaphore and refcount, a page
 * whose mapping points to it, the mm's page-table lock, the anon_vma's list
 * of vmas), in 2- and 3-thread variants of adjustable length.
 *
 *   reclaim  pins the anon_vma under RCU (atomic_inc_not_zero), walks its
 *            vmas under the read lock, and drops the pin
 *   fault    maps the page under the page-table lock and bumps its mapcount
 *   fork     links a new vma on the anon_vma and unlinks it, under the write lock
 */

import { AnonVma, anon_vma_cachep, mm_alloc_now, MmStruct, Page, page_cachep, Vma, vma_alloc_now, vm_area_cachep } from "../kernel";
import { allocateNow } from "../slab";
import { atomic_dec_and_test, atomic_inc, atomic_inc_not_zero } from "../atomic";
import { list_add_tail, list_del, list_for_each_entry } from "../list";
import { type Sim } from "../op";
import { rcu_read_lock, rcu_read_unlock } from "../rcupdate";
import { down_read, down_write, up_read, up_write } from "../rwsem";
import { spin_lock, spin_unlock } from "../spinlock";
import { cur } from "../current";
import { poke } from "../kobject";
import { check_that, type Scenario } from "../scenario";

export interface RefState {
  mm: MmStruct;
  av: AnonVma;
  page: Page;
  vmas: Vma[];
  extra: Vma[];
  walked: number;
}

function setup(nExtra: number): () => RefState {
  return () => {
    const ex = cur();
    const mm = mm_alloc_now();
    const vma = vma_alloc_now(mm, 0x10000, 0x20000);
    const av = allocateNow(ex, anon_vma_cachep, "setup");
    poke(av.refcount, "counter", 1);
    vma.anon_vma = av;
    const page = allocateNow(ex, page_cachep, "setup");
    page.mapping = av;
    const extra: Vma[] = [];
    for (let i = 0; i < nExtra; i++) {
      const v = allocateNow(ex, vm_area_cachep, "setup");
      v.vm_mm = mm;
      v.vm_start = 0x100000 * (i + 2);
      v.vm_end = v.vm_start + 0x10000;
      extra.push(v);
    }
    return { mm, av, page, vmas: [vma], extra, walked: 0 };
  };
}

/** reclaim: `rounds` rmap walks; 6 operations each. */
function reclaim(rounds: number) {
  return function* (s: RefState): Sim {
    for (let i = 0; i < rounds; i++) {
      yield* rcu_read_lock();
      const av = s.page.mapping;
      if (av === null || !(yield* atomic_inc_not_zero(av.refcount))) {
        yield* rcu_read_unlock();
        continue;
      }
      yield* rcu_read_unlock();
      yield* down_read(av.rwsem);
      for (const v of list_for_each_entry(av.vmas)) if (v.vm_start >= 0) s.walked++;
      yield* up_read(av.rwsem);
      yield* atomic_dec_and_test(av.refcount);
    }
  };
}

/** fault: `rounds` pte updates; 3 operations each. */
function fault(rounds: number) {
  return function* (s: RefState): Sim {
    for (let i = 0; i < rounds; i++) {
      yield* spin_lock(s.mm.page_table_lock);
      // page_add_anon_rmap(): (re)publish the page's anon_vma.
      s.page.mapping = s.av;
      s.page.index = i;
      yield* spin_unlock(s.mm.page_table_lock);
      yield* atomic_inc(s.page._mapcount);
    }
  };
}

/** fork: `rounds` link/unlink of a vma on the anon_vma; 8 operations each (list updates take two steps). */
function fork(rounds: number) {
  return function* (s: RefState): Sim {
    for (let i = 0; i < rounds; i++) {
      const v = s.extra[i % s.extra.length]!;
      yield* down_write(s.av.rwsem);
      yield* list_add_tail(v.anon_vma_node, s.av.vmas);
      yield* up_write(s.av.rwsem);
      yield* down_write(s.av.rwsem);
      yield* list_del(v.anon_vma_node);
      yield* up_write(s.av.rwsem);
    }
  };
}

export interface ReferenceScenario {
  id: string;
  threads: number;
  /** Visible operations per thread, roughly. */
  opsPerThread: number;
  scenario: Scenario<RefState>;
  /** Small enough to enumerate every interleaving by brute force. */
  small: boolean;
}

type Kind = "reclaim" | "fault" | "fork";
const OPS: Record<Kind, number> = { reclaim: 6, fault: 3, fork: 8 };
const BODY: Record<Kind, (rounds: number) => (s: RefState) => Sim> = { reclaim, fault, fork };

function make(id: string, spec: Array<[Kind, number]>, small: boolean): ReferenceScenario {
  const threads = spec.map(([kind, rounds], i) => ({ name: `${kind}${spec.filter(([k]) => k === kind).length > 1 ? i : ""}`, run: BODY[kind](rounds) }));
  const ops = spec.map(([kind, rounds]) => OPS[kind] * rounds);
  return {
    id,
    threads: threads.length,
    opsPerThread: Math.round(ops.reduce((a, b) => a + b, 0) / ops.length),
    small,
    scenario: {
      name: id,
      models: "reclaim, fault and fork on one anon_vma",
      setup: setup(2),
      threads,
      check: (s) => check_that(s.av.refcount.counter === 1, `anon_vma refcount ${s.av.refcount.counter} at the end`),
      finalState: (s) => ({ walked: s.walked, mapcount: s.page._mapcount.counter, index: s.page.index }),
    },
  };
}

export const REFERENCE_SCENARIOS: ReferenceScenario[] = [
  make("reclaim+fault (2 threads, small)", [["reclaim", 1], ["fault", 2]], true),
  make("reclaim+fork (2 threads, small)", [["reclaim", 1], ["fork", 1]], true),
  make("fault x3 (3 threads, small)", [["fault", 1], ["fault", 1], ["fault", 1]], true),
  make("reclaim+fault+fault (3 threads, small)", [["reclaim", 1], ["fault", 1], ["fault", 1]], true),
  make("reclaim+fault+fork (3 threads x ~30 ops)", [["reclaim", 5], ["fault", 10], ["fork", 4]], false),
  make("reclaim+fork (2 threads x ~30 ops)", [["reclaim", 5], ["fork", 4]], false),
];
