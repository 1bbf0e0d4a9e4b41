/*
 * The worker process: a breach of its wall-clock, CPU or memory limit, or its
 * death, ends that grading with a clear not-gradable result, a fresh worker
 * takes over, and the caller keeps working; its memory stays flat.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHostileCase } from "./hostile-corpus";
import { createWorkerGrader, type WorkerGrader } from "./worker";

const FIXTURE = join(import.meta.dirname, "..", "test", "fixture-exercise");
const solution = readFileSync(join(FIXTURE, "solution", "counter.ts"), "utf8");
const hostile = (name: string): string => readHostileCase(name).files["counter.ts"]!;
const chunked = (items: string[], sep: string, per: number): string =>
  Array.from({ length: Math.ceil(items.length / per) }, (_, i) => items.slice(i * per, (i + 1) * per).join(sep)).join(`\n${sep}`);
/**
 * A type-checker bomb just within the input limits (100,000 characters a file): relating two unions of
 * 3,900 object types, about 15 million structural comparisons.
 */
const unionBomb =
  `${solution}\ntype A = ${chunked(Array.from({ length: 3_900 }, (_, i) => `{a${i}:1}`), "|", 40)};\n` +
  `type B = ${chunked(Array.from({ length: 3_900 }, (_, i) => `{b${i}:1;c:1}`), "|", 40)};\n` +
  "declare const a: A;\nexport const b: B = a;\n";

const graders: WorkerGrader[] = [];
const make = (o: Parameters<typeof createWorkerGrader>[0] = {}): WorkerGrader => {
  const g = createWorkerGrader(o);
  graders.push(g);
  return g;
};
afterAll(async () => {
  for (const g of graders) await g.close();
});

async function healthyAfter(g: WorkerGrader): Promise<void> {
  const r = await g.grade(FIXTURE, { "counter.ts": solution });
  expect(r.score).toBe(1);
}

describe("the grading worker", () => {
  it("kills a grading over its wall-clock limit, says so, and a fresh worker takes over", async () => {
    // The limit lies between what a fresh worker's first grading of the solution takes on this machine
    // now and what the bomb takes unlimited (geometric mean; both CPU-bound, so the ratio holds on a busy
    // machine). The bomb must cost well over the solution, or the test could not tell them apart.
    // The fastest of two fresh workers' first gradings: one alone can be slowed by a busy machine.
    let first = Infinity;
    for (let i = 0; i < 2; i++) {
      const probe = make();
      await probe.start();
      first = Math.min(first, (await probe.gradeWithStats(FIXTURE, { "counter.ts": solution })).stats.wallMs);
      await probe.close();
    }
    const unlimited = make({ wallMs: 60_000, cpuMs: 60_000 });
    await unlimited.start();
    const bomb = (await unlimited.gradeWithStats(FIXTURE, { "counter.ts": unionBomb })).stats.wallMs;
    await unlimited.close();
    expect(bomb).toBeGreaterThan(2 * first);
    console.log(`wall-clock kill: fastest fresh grading of the solution ${first} ms, the bomb ${bomb} ms`);
    const wallMs = Math.round(Math.sqrt(first * bomb));
    const g = make({ wallMs });
    await g.start();
    const before = g.workerPid;
    const t0 = performance.now();
    const r = await g.grade(FIXTURE, { "counter.ts": unionBomb });
    expect(performance.now() - t0).toBeLessThan(wallMs + 2_000);
    expect(r.gradable).toBe(false);
    expect(r.stoppedBy).toBe("time-limit");
    expect(r.message).toMatch(/Type-checking your code took too long/);
    await g.start();
    await healthyAfter(g);
    expect(g.workerPid).not.toBe(before);
    expect(g.counters["time-limit"]).toBe(1);
  });

  it("kills a grading over its CPU limit", async () => {
    const g = make({ cpuMs: 1_200 });
    const r = await g.grade(FIXTURE, { "counter.ts": unionBomb });
    expect(r.stoppedBy).toBe("time-limit");
    await healthyAfter(g);
  });

  it("kills a grading over its memory limit, says so, and keeps working", async () => {
    const probe = make();
    const { stats } = await probe.gradeWithStats(FIXTURE, { "counter.ts": solution });
    await probe.close();
    // A limit a little above what a correct submission needs; the memory bomb fills its 64 MB isolate.
    const g = make({ memoryMb: Math.ceil(stats.peakRssBytes / 2 ** 20) + 24 });
    const r = await g.grade(FIXTURE, { "counter.ts": hostile("memory-bomb") });
    expect(r.gradable).toBe(false);
    expect(r.stoppedBy).toBe("memory-limit");
    expect(r.message).toMatch(/used too much memory/);
    await healthyAfter(g);
  });

  it("survives its worker's death mid-grading", async () => {
    const g = make();
    await g.start();
    const pid = g.workerPid!;
    const pending = g.grade(FIXTURE, { "counter.ts": hostile("infinite-loop") });
    setTimeout(() => process.kill(pid, "SIGKILL"), 300);
    const r = await pending;
    expect(r.gradable).toBe(false);
    expect(r.stoppedBy).toBe("crash");
    await healthyAfter(g);
  });

  it("refuses a submission over the input limits without sending it to the worker", async () => {
    const g = make();
    const r = await g.grade(FIXTURE, { "counter.ts": `${solution}\n//${"x".repeat(200_000)}` });
    expect(r.stoppedBy).toBe("input-limit");
    expect(g.counters.gradings).toBe(0);
    expect(g.workerPid).toBeUndefined();
  });

  it("keeps its memory flat over many gradings", async () => {
    const g = make();
    const rss: number[] = [];
    for (let i = 0; i < 60; i++) {
      await g.grade(FIXTURE, { "counter.ts": i % 3 === 0 ? hostile("memory-bomb") : solution });
      if (i === 9 || i === 59) rss.push(g.workerRssBytes() ?? 0);
    }
    expect(rss[1]! - rss[0]!).toBeLessThan(64 * 2 ** 20);
  });
});
