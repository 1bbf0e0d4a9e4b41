/*
 * Every modelled kernel call that may sleep is marked so: reached inside a
 * spinlock or an RCU read-side section it is reported as sleeping in atomic
 * context; outside both it is not. The calls that never sleep are not marked.
 */
import { describe, expect, it } from "vitest";
import {
  alloc_page,
  anon_vma_cachep,
  cond_resched,
  down_read,
  down_read_trylock,
  down_write,
  down_write_nested,
  explore,
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_NOWAIT,
  kmem_cache_alloc,
  kthread_join,
  kthread_run,
  mm_alloc_now,
  mmu_notifier_invalidate_range_end,
  mmu_notifier_invalidate_range_start,
  Mutex,
  mutex_lock,
  type MmStruct,
  pud_alloc,
  rcu_read_lock,
  rcu_read_unlock,
  RwSemaphore,
  type Scenario,
  type Sim,
  spin_lock,
  spin_trylock,
  Spinlock,
  synchronize_rcu,
  wait_event,
} from "../testing";

interface World {
  spin: Spinlock;
  mutex: Mutex;
  sem: RwSemaphore;
  mm: MmStruct;
}

/** The call under test, run once by one thread (it finds every lock free). */
type Call = (w: World) => Sim;

const SLEEPING: Record<string, Call> = {
  mutex_lock: function* (w) {
    yield* mutex_lock(w.mutex);
  },
  down_read: function* (w) {
    yield* down_read(w.sem);
  },
  down_write: function* (w) {
    yield* down_write(w.sem);
  },
  down_write_nested: function* (w) {
    yield* down_write_nested(w.sem, 1);
  },
  "kmem_cache_alloc(GFP_KERNEL)": function* () {
    yield* kmem_cache_alloc(anon_vma_cachep, GFP_KERNEL);
  },
  alloc_page: function* () {
    yield* alloc_page();
  },
  pud_alloc: function* (w) {
    yield* pud_alloc(w.mm, w.mm.pgd, 0x1000);
  },
  synchronize_rcu: function* () {
    yield* synchronize_rcu();
  },
  cond_resched: function* () {
    yield* cond_resched();
  },
  wait_event: function* () {
    yield* wait_event(() => true);
  },
  kthread_join: function* () {
    const t = yield* kthread_run(function* () {});
    yield* kthread_join(t);
  },
  mmu_notifier_invalidate_range_start: function* (w) {
    yield* mmu_notifier_invalidate_range_start(w.mm, 0, 0x1000);
  },
  mmu_notifier_invalidate_range_end: function* (w) {
    yield* mmu_notifier_invalidate_range_end(w.mm, 0, 0x1000);
  },
};

const NOT_SLEEPING: Record<string, Call> = {
  "kmem_cache_alloc(GFP_ATOMIC)": function* () {
    yield* kmem_cache_alloc(anon_vma_cachep, GFP_ATOMIC);
  },
  "kmem_cache_alloc(GFP_NOWAIT)": function* () {
    yield* kmem_cache_alloc(anon_vma_cachep, GFP_NOWAIT);
  },
  down_read_trylock: function* (w) {
    if (yield* down_read_trylock(w.sem)) return;
  },
  spin_trylock: function* (w) {
    if (yield* spin_trylock(new Spinlock("&other"))) return;
    void w;
  },
};

function scenario(name: string, context: "spinlock" | "rcu" | "none", call: Call): Scenario<World> {
  return {
    name: `${name} in ${context}`,
    models: `${name} called ${context === "none" ? "where it may sleep" : `inside a ${context} section`}`,
    setup: () => ({ spin: new Spinlock("&spin"), mutex: new Mutex("&mutex"), sem: new RwSemaphore("&sem"), mm: mm_alloc_now() }),
    threads: [
      {
        name: "caller",
        run: function* (w: World) {
          if (context === "spinlock") yield* spin_lock(w.spin);
          if (context === "rcu") yield* rcu_read_lock();
          if (name === "mmu_notifier_invalidate_range_end" && context === "none") {
            yield* mmu_notifier_invalidate_range_start(w.mm, 0, 0x1000);
          }
          yield* call(w);
        },
      },
    ],
  };
}

/** The detector that fired, or null; the search must end either way (no runaway, no deadlock). */
function kind(sc: Scenario<World>): string | null {
  const r = explore(sc, { maxExecutions: 200, trace: false });
  return r.bug?.report.kind ?? null;
}

describe("might_sleep: every call that may sleep is marked", () => {
  for (const [name, call] of Object.entries(SLEEPING)) {
    it(`${name} under a spinlock and under rcu_read_lock() is sleeping in atomic context`, () => {
      expect(kind(scenario(name, "spinlock", call))).toBe("sleep-in-atomic");
      expect(kind(scenario(name, "rcu", call))).toBe("sleep-in-atomic");
    });
  }
  for (const [name, call] of Object.entries(NOT_SLEEPING)) {
    it(`${name} never sleeps`, () => {
      expect(kind(scenario(name, "spinlock", call))).not.toBe("sleep-in-atomic");
      expect(kind(scenario(name, "rcu", call))).not.toBe("sleep-in-atomic");
    });
  }
  it("outside atomic context no sleeping call is reported as sleeping in atomic context", () => {
    for (const [name, call] of Object.entries(SLEEPING)) expect(kind(scenario(name, "none", call)), name).not.toBe("sleep-in-atomic");
  });
  it("rcu_read_unlock() ends the atomic context", () => {
    const sc = scenario("mutex_lock", "none", function* (w) {
      yield* rcu_read_lock();
      yield* rcu_read_unlock();
      yield* mutex_lock(w.mutex);
    });
    expect(kind(sc)).not.toBe("sleep-in-atomic");
  });
});
