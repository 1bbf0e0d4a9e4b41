/*
 * Tests on generated shapes: a test draws the shapes it runs on (vma
 * layouts, fork trees, operation sequences) from a generator, with a fixed
 * seed, so every grading of a submission draws the same shapes and a verdict
 * is deterministic. When a shape fails, it is shrunk to a small shape that
 * still fails the same way, and that shape is the scenario the learner sees,
 * with its trace.
 *
 * A generator is a plain function of a Draw, which hands out numbers from a
 * tape: random (seeded) the first time, recorded, and replayed while
 * shrinking. Shrinking works on the tape, whatever the shape: delete chunks
 * of it, then lower its numbers, keeping each change under which the shape
 * still fails with the same detector. A tape that runs out draws zeros, the
 * smallest choice, so every generator shrinks toward short and simple shapes
 * without writing a shrinker for it.
 *
 * How it runs: a shape test is a "generated" TestCase. runTest() calls its
 * select(), which explores every drawn shape (without traces) and returns
 * one scenario for runTest() to explore and report: the shrunk failing
 * shape, or the smallest shape drawn when all passed.
 */
import { type ExploreOptions, type GeneratedTestCase, type Scenario, explore } from "rmap-sim/testing";

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The source of a generator's choices. */
export class Draw {
  private i = 0;
  /** @param tape numbers to replay; past its end, `rnd` extends it (or zeros are drawn when there is none). */
  constructor(
    readonly tape: number[],
    private readonly rnd: (() => number) | null,
  ) {}

  /** Numbers consumed so far. */
  get consumed(): number {
    return this.i;
  }

  private next(): number {
    if (this.i < this.tape.length) return this.tape[this.i++]!;
    this.i++;
    if (this.rnd === null) return 0;
    const v = this.rnd();
    this.tape.push(v);
    return v;
  }

  /** An integer in [lo, hi]; shrinks toward lo. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`Draw.int(${lo}, ${hi}): empty range`);
    return lo + (this.next() % (hi - lo + 1));
  }

  /** true with probability `percent` %; shrinks toward false. */
  chance(percent: number): boolean {
    return this.int(0, 99) >= 100 - percent;
  }

  /** One of xs (undefined when empty); shrinks toward the first. */
  pick<T>(xs: readonly T[]): T | undefined {
    return xs.length ? xs[this.int(0, xs.length - 1)] : undefined;
  }

  /**
   * Between min and max elements. Each element past the min is preceded by a
   * "one more" choice taken with probability `more` %, so deleting an element's
   * numbers from the tape deletes the element.
   */
  array<T>(min: number, max: number, more: number, element: (d: Draw) => T): T[] {
    const out: T[] = [];
    while (out.length < max && (out.length < min || this.chance(more))) out.push(element(this));
    return out;
  }
}

export interface ShapeTest<S> {
  name: string;
  description: string;
  weight?: number;
  /** The generator of shapes. */
  generate: (d: Draw) => S;
  /** Shown to learners: what the generator draws (the range of shapes, not the seed); default: the test's description. */
  generates?: string;
  /** Shapes drawn per grading. */
  runs: number;
  /** Fixed per test: the same shapes at every grading. */
  seed: number;
  /** The scenario of one shape. Its `name` and `models` must describe the shape: the learner sees them. */
  scenario: (shape: S) => Scenario<any>;
  explore?: ExploreOptions;
  /**
   * Shapes tried while shrinking a failure (default 150). Past it the
   * smallest failing shape found so far is shown: shrinking stays within the
   * grading budget, and is the same at every grading.
   */
  shrinkBudget?: number;
}

/** The detector that fires on a shape, or null when it passes. */
function verdict<S>(t: ShapeTest<S>, shape: S, opts: ExploreOptions): string | null {
  // As the scenario runTest() gets from defineSuite(): the data-race detector on unless it says otherwise.
  const sc = t.scenario(shape);
  // Each shape is judged against the lock orders of the tests before this one (a copy of the graph kept across
  // tests), so its verdict does not depend on the shapes drawn before it, and the reported scenario, explored
  // again with the graph itself, gets the same verdict.
  const lockdep = opts.lockdep?.copy();
  const r = explore(sc.kcsan === undefined ? { ...sc, kcsan: true } : sc, {
    ...opts,
    trace: false,
    shrink: false,
    ...(lockdep ? { lockdep } : {}),
  });
  return r.bug ? r.bug.report.kind : null;
}

/** Shrink a failing tape: the smallest tape found whose shape fails with `kind`. */
function shrinkTape<S>(t: ShapeTest<S>, tape: number[], kind: string, opts: ExploreOptions): { tape: number[]; steps: number } {
  let best = tape.slice();
  let budget = t.shrinkBudget ?? 150;
  let steps = 0;
  const tryTape = (cand: number[]): boolean => {
    if (budget <= 0) return false;
    budget--;
    const d = new Draw(cand.slice(), null);
    const shape = t.generate(d);
    if (verdict(t, shape, opts) !== kind) return false;
    // Keep only what the generator consumed: the rest of the tape is dead.
    best = cand.slice(0, Math.min(cand.length, d.consumed));
    steps++;
    return true;
  };
  let changed = true;
  while (changed && budget > 0) {
    changed = false;
    for (const k of [8, 4, 2, 1]) {
      for (let i = 0; i + k <= best.length && budget > 0; ) {
        if (tryTape([...best.slice(0, i), ...best.slice(i + k)])) changed = true;
        else i += k;
      }
    }
    for (let i = 0; i < best.length && budget > 0; i++) {
      const v = best[i]!;
      if (v === 0) continue;
      for (const lower of [0, v >>> 8, v >>> 1, v - 1]) {
        if (lower >= v) continue;
        const cand = best.slice();
        cand[i] = lower;
        if (tryTape(cand)) {
          changed = true;
          break;
        }
      }
    }
  }
  return { tape: best, steps };
}

export function shapeTest<S>(t: ShapeTest<S>): GeneratedTestCase {
  const defaults: ExploreOptions = t.explore ?? { maxExecutions: 1 };
  const select = (given: ExploreOptions): Scenario<any> => {
    // Source locations are only needed for the reported scenario, which runTest() explores again.
    const { locations: _locations, ...opts } = given;
    const rnd = prng(t.seed);
    // When every shape passes, the smallest is explored again (with traces, so cheaply) for runTest()'s verdict.
    let smallest: { shape: S; size: number } | undefined;
    for (let run = 1; run <= t.runs; run++) {
      const d = new Draw([], rnd);
      const shape = t.generate(d);
      if (smallest === undefined || d.consumed < smallest.size) smallest = { shape, size: d.consumed };
      const kind = verdict(t, shape, opts);
      if (kind === null) continue;
      const { tape, steps } = shrinkTape(t, d.tape, kind, opts);
      const small = t.generate(new Draw(tape, null));
      const sc = t.scenario(small);
      const how = steps > 0 ? `shape ${run} of ${t.runs} drawn, shrunk in ${steps} steps` : `shape ${run} of ${t.runs} drawn`;
      return { ...sc, name: `${sc.name} (${how})` };
    }
    if (smallest === undefined) throw new Error(`${t.name}: runs must be at least 1 (got ${t.runs})`);
    return t.scenario(smallest.shape);
  };
  return {
    kind: "generated",
    name: t.name,
    description: t.description,
    weight: t.weight ?? 1,
    generates: `${t.generates ?? t.description}; ${t.runs} shapes drawn from a fixed seed, a failing one shrunk`,
    select,
    explore: defaults,
  };
}
