/*
 * rmap-sim: what a learner's file may import.
 *
 * The kernel-facing objects (mm_struct, vm_area_struct, anon_vma, struct
 * page, page tables), the primitives (locks, atomics, refcounts, RCU, slab
 * caches, lists) and their types, under the kernel's names. Everything a
 * test author or the grader needs besides (scenarios, suites, explorers,
 * setup helpers, replay, reports) is in "rmap-sim/testing"; the grader
 * refuses that entry point in learner code.
 *
 * Pure TypeScript: no Node or DOM API, so the same code runs in a browser
 * worker, a WebContainer and the grader's sandbox. simulator/rmap-sim.d.ts
 * is this module's API as one declaration file (npm run build:types).
 */

export { KObject, kstruct } from "./kobject";
export { type Op, type Sim } from "./op";
export { type LockLike } from "./lock";
export { Spinlock, spin_lock, SINGLE_DEPTH_NESTING, spin_lock_nested, spin_trylock, spin_unlock } from "./spinlock";
export { Mutex, mutex_lock, mutex_unlock } from "./mutex";
export {
  RwSemaphore,
  down_read,
  down_read_trylock,
  up_read,
  down_write,
  down_write_nested,
  down_write_trylock,
  up_write,
} from "./rwsem";
export { lockdep_assert_held } from "./detectors/lockdep";
export {
  INT_MAX,
  INT_MIN,
  Atomic,
  atomic_read,
  atomic_set,
  atomic_inc,
  atomic_dec,
  atomic_add,
  atomic_sub,
  atomic_inc_return,
  atomic_dec_return,
  atomic_dec_and_test,
  atomic_inc_not_zero,
  atomic_add_unless,
  atomic_cmpxchg,
} from "./atomic";
export {
  REFCOUNT_SATURATED,
  Refcount,
  refcount_read,
  refcount_set,
  refcount_inc,
  refcount_add,
  refcount_inc_not_zero,
  refcount_add_not_zero,
  refcount_inc_not_zero_limited,
  refcount_dec,
  refcount_dec_and_test,
  refcount_sub_and_test,
} from "./refcount";
export { rcu_read_lock, rcu_read_unlock, synchronize_rcu, call_rcu } from "./rcupdate";
export {
  type CacheFlags,
  KmemCache,
  type Gfp,
  GFP_KERNEL,
  GFP_ATOMIC,
  GFP_NOWAIT,
  kmem_cache_alloc,
  kmem_cache_free,
} from "./slab";
export {
  LIST_POISON1,
  LIST_POISON2,
  ListHead,
  list_add,
  list_add_tail,
  list_del,
  list_empty,
  list_is_singular,
  list_for_each_entry,
  list_for_each_entry_safe,
} from "./list";
export { wait_event, cond_resched, cpu_relax } from "./wait";
export { sched_point, READ_ONCE, WRITE_ONCE, data_race } from "./compiler";
export { nondet_bool, nondet_int, assume, assume_wait } from "./verifier";
export { kthread_run, kthread_join, type TaskHandle } from "./kthread";
export { BUG_ON, WARN_ON, ENOMEM, EAGAIN, EFAULT } from "./bug";
export {
  PAGE_SHIFT,
  PAGE_SIZE,
  VM_READ,
  VM_WRITE,
  VM_MAYWRITE,
  VM_SHARED,
  VM_HUGETLB,
  VMA_LOCK_OFFSET,
  VMA_REF_LIMIT,
  MmStruct,
  Vma,
  AnonVma,
  AnonVmaChain,
  Page,
  type Pte,
  type PageTableLevel,
  PageTable,
  pgtable_index,
  mm_cachep,
  vm_area_cachep,
  anon_vma_cachep,
  anon_vma_chain_cachep,
  page_cachep,
  pgtable_cachep,
  find_vma,
  alloc_page,
  __free_page,
  pud_alloc,
  pmd_alloc,
  pte_alloc,
  pgtable_walk,
  ptep_get,
  mk_pte,
  pte_wrprotect,
  set_pte_at,
  type Spte,
  type SecondaryMmu,
  mmu_notifier_invalidate_range_start,
  mmu_notifier_invalidate_range_end,
} from "./kernel";
