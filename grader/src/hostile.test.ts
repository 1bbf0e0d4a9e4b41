/*
 * The hostile-submission corpus (grader/test/hostile/*.ts) against the
 * fixture exercise: every attack must be contained with a clear verdict, and
 * the same grader must grade the fixture's solution to 1 right after it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalGrader } from "./grader";
import type { Results } from "rmap-schemas";

const HERE = import.meta.dirname;
const FIXTURE = join(HERE, "..", "test", "fixture-exercise");
const HOSTILE = join(HERE, "..", "test", "hostile");
const grader = createLocalGrader();
const submit = (source: string): Promise<Results> => grader.grade(FIXTURE, { "counter.ts": source });
const hostile = (name: string): string => readFileSync(join(HOSTILE, `${name}.ts`), "utf8");
const solution = readFileSync(join(FIXTURE, "solution", "counter.ts"), "utf8");

/** Everything a learner is shown, as one string. */
const shown = (r: Results): string => JSON.stringify({ ...r, timings: undefined });
const failing = (r: Results): string => r.tests.filter((t) => !t.passed).map((t) => `${t.message}\n${t.report?.message ?? ""}`).join("\n");

type Verdict = { notGradable: RegExp } | { failsWith: RegExp; extra?: (r: Results) => void };

const CASES: Record<string, Verdict> = {
  "fs-import": { notGradable: /cannot import "node:fs"/ },
  "require-call": { notGradable: /require\(\) is not available/ },
  "dynamic-import": { notGradable: /dynamic import\(\) is not available/ },
  "runtime-require": { failsWith: /no module could be loaded/ },
  "eval-import": { failsWith: /import expression rejected/ },
  process: { failsWith: /process is undefined, env undefined/ },
  "global-escape": { failsWith: /no way out of the compartment/ },
  "kobject-defineproperty": { failsWith: /Cannot define property value, object is not extensible/ },
  "kobject-setprototypeof": { failsWith: /is not extensible/ },
  "prototype-pollution": {
    failsWith: /Set\.prototype\.values: Cannot assign to read only property/,
    extra: (r) => {
      expect(failing(r)).not.toMatch(/: patched/);
      for (const what of ["Map.prototype.get", "Array.prototype.push", "Object.prototype.passed", "JSON.stringify", "Error.prototype.message"]) {
        expect(failing(r)).toContain(`${what}: `);
      }
    },
  },
  "simulator-patch": {
    failsWith: /Spinlock\.prototype\.describe: Cannot assign to read only property/,
    extra: (r) => {
      expect(failing(r)).not.toMatch(/: patched/);
      expect(failing(r)).toMatch(/cache flags: Cannot assign/);
      expect(failing(r)).toMatch(/namespace spin_lock: Cannot/);
      expect(failing(r)).toMatch(/namespace kmem_cache_free: Cannot/);
      expect(failing(r)).toMatch(/internals: none/);
    },
  },
  "op-forgery": {
    failsWith: /yielded something that is not a primitive/,
    extra: (r) => {
      // The forged primitive tried to empty kmemleak's live set: the leak tests must not pass.
      expect(r.tests.find((t) => t.name === "racing records leave nothing behind")?.passed).toBe(false);
      expect(r.tests.find((t) => t.name === "record then release")?.passed).toBe(false);
    },
  },
  // The owner is a frozen name tag: nothing of the scheduler is reachable, so lockdep still sees the lock held.
  "lock-owner": { failsWith: /possible recursive locking|lock held when returning/ },
  "infinite-loop": {
    failsWith: /time limit exceeded \(1500 ms/,
    extra: (r) => expect(r.tests.filter((t) => /^not run: an earlier test stopped the sandbox/.test(t.message)).length).toBeGreaterThan(0),
  },
  "async-loop": { failsWith: /time limit exceeded/ },
  "memory-bomb": { failsWith: /ran out of memory \(limit 64 MB\)/ },
  "output-flood": {
    failsWith: /kmemleak/,
    extra: (r) => {
      expect(r.output!.length).toBeLessThan(17_000);
      expect(r.output).toMatch(/more console lines dropped/);
    },
  },
  "deep-recursion": { failsWith: /RangeError: Maximum call stack size exceeded/ },
  "read-hidden": {
    failsWith: /\[native code\]/,
    extra: (r) => {
      const text = shown(r);
      // Source of the hidden suites, of the fixture helpers and of the solution never reaches the learner.
      for (const marker of ["impl.counter_inc(s.c)", 'kstruct("fixture_event"', "leakCheck", "maxExecutions", "Runs alone: no other thread"]) {
        expect(text).not.toContain(marker);
      }
    },
  },
  "exports-trap": { failsWith: /could not run: gotcha|could not use your module|crashed/ },
};

describe("hostile submissions", () => {
  it("the corpus and the expectations name the same cases", () => {
    const files = readdirSync(HOSTILE).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
    expect(files).toEqual(Object.keys(CASES).sort());
  });

  it("the fixture's solution scores 1 and its starter less", async () => {
    expect((await submit(solution)).score).toBe(1);
    expect((await submit(readFileSync(join(FIXTURE, "starter", "counter.ts"), "utf8"))).score).toBeLessThan(1);
  });

  for (const [name, verdict] of Object.entries(CASES)) {
    it(`contains ${name}`, async () => {
      const r = await submit(hostile(name));
      if ("notGradable" in verdict) {
        expect(r.gradable).toBe(false);
        expect(r.message).toMatch(verdict.notGradable);
        expect(r.compileErrors?.length).toBeGreaterThan(0);
      } else {
        expect(r.gradable).toBe(true);
        expect(r.score).toBeLessThan(1);
        expect(failing(r)).toMatch(verdict.failsWith);
        verdict.extra?.(r);
      }
      // The grader still works right after.
      const again = await submit(solution);
      expect(again.score).toBe(1);
      expect(again.tests.every((t) => t.passed)).toBe(true);
    });
  }
});
