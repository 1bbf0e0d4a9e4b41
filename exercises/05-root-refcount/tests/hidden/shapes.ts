/*
 * Hidden, lesson 5: generated fork trees. Two kinds of shape, each drawn
 * from a fixed seed and shrunk when it fails:
 *
 *  - a history: one process maps and faults, then up to 10 operations in
 *    one thread (fork of any live process, a copy-on-write fault, an exit of
 *    any process), with up to two allocations (anon_vma, anon_vma_chain,
 *    vm_area_struct) failing anywhere in it, every failure explored like a
 *    schedule choice; trees of depth three and more, siblings, exits in any
 *    order;
 *  - a race: a tree of 2 to 4 processes built first, then two threads at
 *    once, each an exit, a fork, reclaim's walk or a migration of a page of
 *    the tree, every interleaving explored (DPOR, within the budget).
 *
 * Oracles: after every operation every live anon_vma of the tree has the
 * tree's first anon_vma as its root, the root of the anon_vma of the vma it
 * was forked from (anon_vma_fork); a failed fork leaves
 * nothing behind (the driver checks the chain); at the end the root was the
 * last anon_vma of its tree to be freed and nothing leaks (kmemleak).
 */
import { type AnonVma, check_that, isFreed, defineSuite, type Page, type Scenario, type Sim, type Vma, list_for_each_entry, nameOf } from "rmap-sim/testing";
import type * as Rmap from "../../starter/rmap";
import {
  ROOTREF_CACHES,
  type World,
  anon_fault,
  build_chain,
  check_root_last,
  cow_fault,
  exit_proc,
  fork_proc,
  migrate_page,
  mmap_anon,
  proc,
  reclaim_walk,
  world,
  built,
} from "../../../lib/rootref";
import { type Draw, shapeTest } from "../../../lib/shapes";

const NAMES = ["P", "A", "B", "C", "D", "E"];

/** One operation of a history: a kind and the number it picks its process with. */
type HistOp = readonly [kind: "fork" | "cow" | "exit", pick: number];

interface History {
  /** The first process faults before anything else (else its first fork copies a vma with no anon_vma). */
  firstFault: boolean;
  ops: HistOp[];
  failures: number;
}

/** A race: the tree (each process after the first forks from parents[i]), then two racing operations. */
interface Race {
  parents: number[];
  cow: boolean[];
  racers: Array<readonly [kind: "exit" | "fork" | "reclaim" | "migrate", pick: number]>;
}

function genHistory(d: Draw): History {
  return {
    firstFault: !d.chance(40),
    ops: d.array(1, 10, 85, (e) => [(["fork", "fork", "cow", "exit"] as const)[e.int(0, 3)]!, e.int(0, 99)] as const),
    failures: d.int(0, 2),
  };
}

function genRace(d: Draw): Race {
  const n = d.int(1, 3);
  const parents = [...Array(n).keys()].map((i) => d.int(0, i));
  return {
    parents,
    cow: parents.map(() => d.chance(50)),
    racers: [0, 1].map(() => [(["exit", "exit", "fork", "reclaim", "migrate"] as const)[d.int(0, 4)]!, d.int(0, 99)] as const),
  };
}

/** Entries on a vma's anon_vma_chain (a plain walk: the test holds the mm's mmap_lock through the driver's return). */
function chain_length(vma: Vma): number {
  return [...list_for_each_entry(vma.anon_vma_chain)].length;
}

interface RaceWorld extends World {
  targets: Array<Page | null>;
}

/**
 * The tree's oracle: one root for every live anon_vma. (The 2.6.39 anon_vma
 * of this lesson has no parent pointer: only the root links a child to its
 * tree, so `parentOf` is used only to name the forking parent.)
 */
function check_tree(w: World, parentOf: Map<AnonVma, AnonVma>, when: string): void {
  const root = w.anon_vmas[0];
  if (root === undefined) return;
  for (const av of w.anon_vmas) {
    if (isFreed(av)) continue;
    check_that(
      av.root === root,
      `${when}: ${nameOf(av)}'s root is ${(av.root ? nameOf(av.root) : "NULL")}; the test expected ${nameOf(root)}, the first anon_vma of the fork tree (every anon_vma of a tree shares its root)`,
    );
    const p = parentOf.get(av);
    if (p !== undefined) {
      check_that(
        av.root === p.root,
        `${when}: ${nameOf(av)}, forked from ${nameOf(p)}, has root ${(av.root ? nameOf(av.root) : "NULL")}; the test expected its parent's root ${(p.root ? nameOf(p.root) : "NULL")}`,
      );
    }
  }
}

export default defineSuite<typeof Rmap>((rmap) => {
  function* fork_noting(w: World, parentOf: Map<AnonVma, AnonVma>, from: string, to: string): Sim<number> {
    const pav = proc(w, from).vma?.anon_vma ?? null;
    const r = yield* fork_proc(rmap, w, proc(w, from), proc(w, to));
    const cav = proc(w, to).vma?.anon_vma ?? null;
    if (r === 0 && pav && cav) parentOf.set(cav, pav);
    return r;
  }

  const history = (sh: History): Scenario<World> => {
    const desc = (sh.firstFault ? ["fault"] : []).concat(sh.ops.map(([k, n]) => `${k} ${n}`)).join(", ");
    return {
      name: `history: ${desc}${sh.failures ? `; up to ${sh.failures} allocation${sh.failures === 1 ? "" : "s"} failing` : ""}`,
      models: "a fork tree grown and torn down by forks, copy-on-write faults and exits of any process, allocations failing anywhere",
      setup: () => world(...NAMES),
      threads: [
        {
          name: "task",
          run: function* (w: World): Sim {
            const parentOf = new Map<AnonVma, AnonVma>();
            // Processes that had a vma: an exited one is not reused.
            const used = new Set([proc(w, "P")]);
            const first = proc(w, "P");
            if (!(yield* mmap_anon(first))) return;
            if (sh.firstFault) {
              if (!(yield* anon_fault(rmap, w, first))) return;
              check_tree(w, parentOf, "after the first fault");
            }
            for (const [i, [kind, n]] of sh.ops.entries()) {
              const live = w.procs.filter((p) => p.vma !== null);
              if (live.length === 0) break;
              const p = live[n % live.length]!;
              let what: string;
              if (kind === "fork") {
                const free = w.procs.find((q) => !used.has(q));
                if (!free) continue;
                what = `fork of ${p.name} into ${free.name}`;
                const r = yield* fork_noting(w, parentOf, p.name, free.name);
                if (sh.failures === 0) check_that(r === 0, `operation ${i + 1} (${what}): the fork returned ${r} although no allocation failed; the test expected 0`);
                if (r === 0) {
                  used.add(free);
                  const want = p.vma!.anon_vma === null ? 0 : chain_length(p.vma!) + 1;
                  check_that(
                    chain_length(free.vma!) === want,
                    `operation ${i + 1} (${what}): the child's vma has ${chain_length(free.vma!)} anon_vma_chain entries; the test expected ${want} ` +
                      (want ? "(one per anon_vma of the parent's vma, plus its own)" : "(the parent's vma has no anon_vma, so nothing to link)"),
                  );
                }
              } else if (kind === "cow") {
                what = `write fault in ${p.name}`;
                // The first write fault of a vma with no anon_vma prepares one; later ones copy the page.
                if (p.vma!.anon_vma === null) yield* anon_fault(rmap, w, p);
                else yield* cow_fault(w, p);
              } else {
                what = `exit of ${p.name}`;
                yield* exit_proc(rmap, p);
              }
              check_tree(w, parentOf, `operation ${i + 1} (${what})`);
            }
          },
        },
      ],
      // Every process still mapped exits, also after an early return when the first mmap or fault failed.
      teardown: function* (w: World) {
        for (const p of w.procs) if (p.vma) yield* exit_proc(rmap, p);
        check_root_last(w);
      },
      leakCheck: ROOTREF_CACHES,
      ...(sh.failures ? { faults: { caches: [...ROOTREF_CACHES], maxFailures: sh.failures } } : {}),
    };
  };

  const race = (sh: Race): Scenario<RaceWorld> => {
    const names = NAMES.slice(0, sh.parents.length + 1);
    const spare = NAMES[sh.parents.length + 1]!;
    const tree = sh.parents.map((p, i) => `${names[p]}->${names[i + 1]}${sh.cow[i] ? " (cow)" : ""}`).join(", ");
    const target = (n: number) => names[n % names.length]!;
    const label = (k: string, n: number, t: number) =>
      k === "fork" ? `fork of ${target(n)} into ${spare}${t}` : k === "exit" ? `exit of ${target(n)}` : `${k} of ${target(n)}'s page`;
    // Two exits of one process are one exit, and a fork of a process that exits meanwhile reads a freed vma in the
    // driver itself: the second racer then takes the next process.
    const clash = (a: string, b: string) => a === "exit" && (b === "exit" || b === "fork") || (a === "fork" && b === "exit");
    const [r0, r1] = sh.racers as [Race["racers"][0], Race["racers"][0]];
    const racers = [r0, clash(r0[0], r1[0]) && target(r0[1]) === target(r1[1]) ? ([r1[0], r1[1] + 1] as const) : r1];
    return {
      name: `race: tree ${tree || "P alone"}; ${racers.map(([k, n], t) => label(k, n, t)).join(" vs ")}`,
      models: "two operations at once on a generated fork tree: exits, forks, reclaim's rmap walk and page migration",
      setup: () => ({ ...world(...names, `${spare}0`, `${spare}1`), targets: [] }),
      prelude: function* (w: RaceWorld) {
        built(yield* build_chain(rmap, w, ["P"]));
        for (const [i, p] of sh.parents.entries()) {
          built((yield* fork_proc(rmap, w, proc(w, names[p]!), proc(w, names[i + 1]!))) === 0);
          if (sh.cow[i]) yield* cow_fault(w, proc(w, names[i + 1]!));
        }
        // The page each walk or migration starts from, read before the threads run (as reclaim finds it on the LRU).
        w.targets = racers.map(([, n]) => proc(w, target(n)).pte.page);
      },
      threads: racers.map(([k, n], t) => ({
        name: `${k}${t + 1}`,
        run: function* (w: RaceWorld): Sim<unknown> {
          const p = proc(w, target(n));
          if (k === "exit") return yield* exit_proc(rmap, p);
          if (k === "fork") return yield* fork_proc(rmap, w, p, proc(w, `${spare}${t}`));
          const page = w.targets[t] ?? null;
          if (page === null) return null;
          return k === "reclaim" ? yield* reclaim_walk(rmap, w, page) : yield* migrate_page(rmap, w, page);
        },
      })),
      check: (w: RaceWorld) => {
        check_tree(w, new Map(), "after the race");
        check_root_last(w);
      },
      teardown: function* (w: RaceWorld) {
        for (const p of w.procs) if (p.vma) yield* exit_proc(rmap, p);
        check_root_last(w);
      },
      leakCheck: ROOTREF_CACHES,
    };
  };

  return [
    shapeTest({
      name: "generated fork histories, allocations failing",
      description:
        "Fork trees grown by forks of any live process (depth three and more, siblings), copy-on-write faults and " +
        "exits in any order, with up to two allocations failing anywhere. After every step each anon_vma of the tree " +
        "has the tree's root as root, as its forking parent's anon_vma has; a failed fork leaves nothing; at the " +
        "end the root is freed last and nothing leaks.",
      generates: "up to 10 forks, copy-on-write faults and exits of any process, 0 to 2 allocations failing",
      weight: 2,
      generate: genHistory,
      seed: 0x5055,
      runs: 8,
      scenario: history,
      explore: { strategy: "dpor", maxExecutions: 40 },
    }),
    shapeTest({
      name: "generated races on fork trees",
      description:
        "A fork tree of 2 to 4 processes, then two operations at once: exits, forks, reclaim's rmap walk and page " +
        "migration, every interleaving. The tree keeps one root, nothing is used after it is freed, the root is freed " +
        "last and nothing leaks.",
      generates: "fork trees of 2 to 4 processes, two racing exits, forks, rmap walks or migrations",
      weight: 2,
      generate: genRace,
      seed: 0x5ace,
      runs: 6,
      scenario: race,
      explore: { strategy: "dpor", maxExecutions: 200 },
    }),
  ];
});
