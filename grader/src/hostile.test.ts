/*
 * The hostile-submission corpus against the fixture exercise, through the
 * grader the site uses (grading in a worker process):
 *
 * - grader/test/hostile/*.patch: one patch mail per attack against the
 *   fixture's solution (the subject says what it does, the diff is the trick);
 * - GENERATED below: inputs too large or too expensive to keep as files.
 *
 * Every case must be contained with a clear verdict, score at most the same
 * code without its trick (BASE), take well under 10 s, and leave the grader
 * healthy: the fixture's solution grades to 1 right after it. Harmless text
 * must never lower a score. No message of the whole corpus may carry a host
 * path or a name from the hidden suites, their helpers or the solution.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Results } from "rmap-schemas";
import { REPO_ROOT } from "./exercise";
import { listHostileCases, readHostileCase } from "./hostile-corpus";
import { createWorkerGrader } from "./worker";

const HERE = import.meta.dirname;
const FIXTURE = join(HERE, "..", "test", "fixture-exercise");
const grader = createWorkerGrader();
afterAll(() => grader.close());
const submitFiles = (files: Record<string, string>): Promise<Results> => grader.grade(FIXTURE, files);
const submit = (source: string): Promise<Results> => submitFiles({ "counter.ts": source });
const hostile = (name: string): Record<string, string> => readHostileCase(name).files;
const solution = readFileSync(join(FIXTURE, "solution", "counter.ts"), "utf8");
const starter = readFileSync(join(FIXTURE, "starter", "counter.ts"), "utf8");

/** Everything a learner is shown, as one string. */
const shown = (r: Results): string => JSON.stringify({ ...r, timings: undefined });
const failing = (r: Results): string => r.tests.filter((t) => !t.passed).map((t) => `${t.message}\n${t.report?.message ?? ""}`).join("\n");
/** Every result of the corpus with what was submitted, for the leak check at the end. */
const seen: Array<{ name: string; results: Results; submitted: string }> = [];

type Verdict =
  | { notGradable: RegExp; stoppedBy?: Results["stoppedBy"] }
  | { failsWith: RegExp; extra?: (r: Results) => void }
  | { harmless: true; extra?: (r: Results) => void };

/** Control characters that must never reach a terminal or a page: C0 but tab and newline, DEL, C1, bidi controls. */
const UNSAFE_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

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
  // A look-alike is refused when yielded; setting an op's fields (all private, behind getters) throws first.
  "op-forgery": {
    failsWith: /yielded something that is not a primitive|Cannot set property \w+ of .* which has only a getter/,
    extra: (r) => {
      // The forged primitive tried to empty kmemleak's live set: the leak tests must not pass.
      expect(r.tests.find((t) => t.name === "racing records leave nothing behind")?.passed).toBe(false);
      expect(r.tests.find((t) => t.name === "record then release")?.passed).toBe(false);
    },
  },
  // The owner is a frozen name tag: nothing of the scheduler is reachable, so lockdep still sees the lock held.
  "lock-owner": { failsWith: /possible recursive locking|lock held when returning/ },
  // A lock's holder is the lock primitives' to change: clearing it by hand throws, so nobody is let in early.
  "lock-release-by-hand": { failsWith: /the owner of a spinlock_t is changed only by its primitives/ },
  // Caches are known by identity: a learner's cache of any name is leak-checked.
  "private-cache-leak": { failsWith: /kmemleak: \d+ new suspected memory leak[\s\S]*scratch_events/ },
  // Kernel objects cannot be proxied or subclassed into lying to the scheduler and the reports.
  "proxy-lock": { failsWith: /spin_lock\(\) expects a Spinlock/ },
  "subclass-lock": { failsWith: /a class cannot extend one/ },
  // Learner code cannot tell when it is watched: thread names are neutral, stacks hold only its own frames.
  "owner-name-peek": { failsWith: /an update was lost|KCSAN: data-race/ },
  "stack-peek": { failsWith: /an update was lost|KCSAN: data-race/, extra: (r) => expect(shown(r)).not.toMatch(/at (runTest|explore|runOnce)\b/) },
  // Each test gets a fresh instance of the learner's module: state kept on an exported function starts over.
  "function-property-state": {
    harmless: true,
    // Two tests call counter_inc ("counts one by one", "two increments race"): each starts from nothing.
    extra: (r) => expect((r.output ?? "").match(/fresh module instance/g)?.length ?? 0).toBe(2),
  },
  // Liveness is not a member of an object: the oracle reads nothing, and the double free it guarded is reported.
  "freed-oracle": { failsWith: /KASAN: double-free/ },
  "proxy-cache": { failsWith: /kmem_cache_alloc\(\) expects a kmem cache/ },
  "stack-names": { failsWith: /an update was lost|KCSAN: data-race/ },
  "infinite-loop": {
    failsWith: /time limit exceeded \(\d+ ms of CPU for this test\)/,
    // Each test that calls the loop stops alone; the whole grading stays within the budget.
    extra: (r) => {
      expect(r.tests.filter((t) => /^time limit exceeded/.test(t.message)).length).toBeGreaterThan(1);
      expect(r.timings.sandboxMs).toBeLessThan(1500 * 4);
    },
  },
  "async-loop": { failsWith: /time limit exceeded/ },
  "memory-bomb": { failsWith: /ran out of memory \(limit 64 MB\)/ },
  // The flood costs about the whole budget: its verdict is the leak it also has, or the time limit.
  "output-flood": {
    failsWith: /kmemleak|time limit exceeded/,
    extra: (r) => {
      // Capped with a note, or, when the flood ran the test out of time, withheld with one.
      expect(r.output!.length).toBeLessThan(17_000);
      expect(r.output).toMatch(/more console lines dropped|what the tests printed is not shown/);
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
  // The trap's thrown object has a throwing message getter: the report names it by type and runs none of it.
  "exports-trap": { failsWith: /could not run: gotcha|could not use your module|crashed|Oops: Error: \(object\)/, extra: (r) => expect(failing(r)).not.toMatch(/gotcha/) },
  // No leaked secret: nothing outside the learner's files is resolved, so no path, type or file existence shows.
  "reference-path": { notGradable: /triple-slash directives .* are not accepted/ },
  "reference-types": { notGradable: /triple-slash directives .* are not accepted/ },
  "reference-lib": { notGradable: /triple-slash directives .* are not accepted/ },
  "import-hidden-types": { notGradable: /cannot import "\.\.\/tests\/hidden\/races"/ },
  "typeof-import": { notGradable: /cannot import type from/ },
  "import-simulator-path": { notGradable: /cannot import "\.\.\/\.\.\/simulator\/src\/runtime"/ },
  "import-sim-subpath": { notGradable: /cannot import "rmap-sim\/src\/explore\/index"/ },
  // No crash, bounded cost.
  "control-chars": {
    failsWith: /PASS all tests\\u\{202E\}desrever/,
    extra: (r) => {
      expect(shown(r)).not.toMatch(UNSAFE_CHARS);
      expect(r.output).toContain("\\u{1B}[2J");
    },
  },
  "runaway-regex": {
    failsWith: /time limit exceeded \(\d+ ms of CPU for this test\)/,
    extra: (r) => {
      // The tests that never call the runaway function still ran, and passed.
      expect(r.tests.find((t) => t.name === "record then release")?.passed).toBe(true);
      expect(r.tests.find((t) => t.name === "racing records leave nothing behind")?.passed).toBe(true);
    },
  },
  "thrown-huge-string": { failsWith: /ran out of memory|Oops|time limit exceeded/, extra: (r) => expect(JSON.stringify(r).length).toBeLessThan(1_000_000) },
  // A report never runs learner code: no getter, toString or Symbol.toPrimitive of a thrown value shapes it.
  "learner-tostring": { failsWith: /Oops: Error: \(object\)/, extra: (r) => expect(shown(r)).not.toMatch(/LIAR|passed \(all schedules/) },
  // No false fail: text the sandbox's source checks reject, inside literals and comments.
  "harmless-text": { harmless: true },
  // Simulator state is not learner state: an op's impl, state and scratch are private, so the swap does nothing.
  "op-impl-swap": { failsWith: /an update was lost|KCSAN: data-race/ },
  // An object's identity is private: the rewrite throws, and the explorer still sees one counter.
  "identity-rewrite": { failsWith: /an update was lost|KCSAN: data-race/ },
  // A search that the code's own extra schedules cut short is a failure that says so, never a pass.
  "budget-padding": { failsWith: /the search was cut short|an update was lost/ },
  // Object names are the simulator's: neutral while grading, set only by the simulator and tests, plain strings.
  "label-peek": { failsWith: /an update was lost|KCSAN: data-race/ },
  "label-rename": { failsWith: /cannot rename an object/ },
  "label-trap": { failsWith: /a label must be a string/, extra: (r) => expect(shown(r)).not.toMatch(/all tests passed|report broken/) },
  // A lock's kind and class are the simulator's: the sleep under the spinlock is still reported.
  "lock-kind-rewrite": { failsWith: /sleeping function called from invalid context/ },
  // No function the learner did not write shows its source, however it is turned into text.
  "source-peek": {
    failsWith: /\[native code\]/,
    extra: (r) => {
      for (const marker of ['kstruct("fixture_event"', "ex.access", "rawFields", "currentOrNull", "=>"]) expect(failing(r)).not.toContain(marker);
    },
  },
  "import-other-exercise": { notGradable: /cannot import "\.\.\/\.\.\/\.\.\/\.\.\/exercises\/01-anon-vma\/solution\/rmap"/ },
  // The traces' view of an object reads without recording an access: refused to learner code while grading.
  "describe-peek": { failsWith: /describe\(\) is the simulator's view of an object for traces/ },
  // State on the generator function's prototype starts over with each test's fresh module instance.
  "generator-prototype-state": {
    harmless: true,
    extra: (r) => expect((r.output ?? "").match(/fresh module instance/g)?.length ?? 0).toBe(2),
  },
  // Padding with scheduling points that touch nothing does not hide the race.
  "step-padding": { failsWith: /the search was cut short|an update was lost|KCSAN: data-race/ },
  // No false fail: a learner's console output is accepted and shown.
  "harmless-console": { harmless: true, extra: (r) => expect(r.output).toMatch(/counter_inc: read 0[\s\S]*counter_inc: wrote 1/) },
  // Names given by learner code reach the report without a control character.
  "control-chars-names": { failsWith: /possible recursive locking[\s\S]*&lock\[2J\]0;ownedPASSdesrever/ },
};

/** The solution with an increment that holds no lock: what the lock-free cases are without their tricks. */
const RACY = solution.replace(
  /export function\* counter_inc[\s\S]*?\n}\n/,
  "export function* counter_inc(c: Counter): Sim<number> {\n  const v = c.value + 1;\n  yield* sched_point();\n  c.value = v;\n  return v;\n}\n",
);

/** The same code without its trick, where the case is built on one; default: the solution. */
const BASE: Record<string, string> = {
  "op-impl-swap": RACY,
  "identity-rewrite": RACY,
  "budget-padding": RACY,
  "owner-name-peek": RACY,
  "stack-peek": RACY,
  "stack-names": RACY,
  // The same double free without the oracle's guard.
  "freed-oracle": hostile("freed-oracle")["counter.ts"]!.replace(" && !ev.freed", ""),
  "label-peek": RACY,
  "describe-peek": RACY,
  "step-padding": RACY,
  // The same leak, not renamed.
  "label-rename": hostile("label-rename")["counter.ts"]!.replace(/\n.*\.label = .*\n/, "\n"),
  // The same allocation under the spinlock, with the lock left alone.
  "lock-kind-rewrite": hostile("lock-kind-rewrite")["counter.ts"]!.replace(/\n  for \(const \[k, v\][\s\S]*?\n  }\n/, "\n"),
};

/** The functions other exercises' reference solutions export and the learner's API does not: never named to this exercise's learner. */
function otherExercisesExports(): string[] {
  const api = readFileSync(join(REPO_ROOT, "simulator", "rmap-sim.d.ts"), "utf8");
  const names = new Set<string>();
  for (const ex of readdirSync(join(REPO_ROOT, "exercises"))) {
    const dir = join(REPO_ROOT, "exercises", ex, "solution");
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      for (const m of readFileSync(join(dir, f), "utf8").matchAll(/^export function\*? *([A-Za-z_][A-Za-z0-9_]*)/gm)) {
        if (!new RegExp(`\\b${m[1]}\\b`).test(api) && !solution.includes(m[1]!)) names.add(m[1]!);
      }
    }
  }
  return [...names];
}

const linesOf = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join("\n");
const chunked = (items: string[], sep: string, per: number): string =>
  Array.from({ length: Math.ceil(items.length / per) }, (_, i) => items.slice(i * per, (i + 1) * per).join(sep)).join(`\n${sep}`);

/** Submissions built here: too large to keep, or defined by their size. Each is the solution plus the trick. */
const GENERATED: Record<string, { files: () => Record<string, string>; verdict: Verdict }> = {
  "huge-file": {
    files: () => ({ "counter.ts": `${solution}\n${linesOf(80_000, (i) => `export const padding${i} = ${i};`)}\n` }),
    verdict: { notGradable: /at most 100000 are accepted/, stoppedBy: "input-limit" },
  },
  "long-line": {
    files: () => ({ "counter.ts": `${solution}\nexport const s = "${"x".repeat(50_000)}";\n` }),
    verdict: { notGradable: /line \d+ has 50\d+ characters; at most 2000/, stoppedBy: "input-limit" },
  },
  "many-lines": {
    files: () => ({ "counter.ts": `${solution}${"\n".repeat(20_000)}` }),
    verdict: { notGradable: /more than 4000 lines/, stoppedBy: "input-limit" },
  },
  "many-files": {
    files: () => ({ "counter.ts": solution, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}.ts`, "export {};"])) }),
    verdict: { notGradable: /holds 41 files; at most 8/, stoppedBy: "input-limit" },
  },
  "unknown-file-name": {
    files: () => ({ "counter.ts": solution, "../../etc/\u001b[2Jpasswd": "x" }),
    verdict: { notGradable: /has no file named "\(a file with an unusable name\)"/, stoppedBy: "input-limit" },
  },
  "deep-nesting": {
    files: () => ({ "counter.ts": `${solution}\nexport const deep = ${chunked(Array(5_000).fill("["), "", 100)}${chunked(Array(5_000).fill("]"), "", 100)};\n` }),
    verdict: { notGradable: /nested more than 64 deep/, stoppedBy: "input-limit" },
  },
  "deep-generic-type": {
    files: () => ({ "counter.ts": `${solution}\nexport type Deep = ${chunked(Array(3_000).fill("Array<"), "", 100)}number${chunked(Array(3_000).fill(">"), "", 100)};\n` }),
    verdict: { notGradable: /type checker gave up on this code: it is nested too deeply|took too long/ },
  },
  "diagnostic-flood": {
    files: () => ({ "counter.ts": `${solution}\n${linesOf(1_300, (i) => `export const e${i}: string = ${i}, f${i}: number = "s", g${i}: boolean = null;`)}\n` }),
    verdict: { notGradable: /TS2322[\s\S]*and \d+ more errors|took too long/ },
  },
  "spelling-suggestions": {
    files: () => ({
      "counter.ts": `${solution}\n${linesOf(1_000, (i) => `const someLongIdentifier${i} = ${i};`)}\n${linesOf(1_000, (i) => `export const u${i} = someLongIdentifer${i};`)}\n`,
    }),
    verdict: { notGradable: /Cannot find name 'someLongIdentifer0'|took too long/ },
  },
  "union-relation": {
    files: () => ({
      "counter.ts":
        `${solution}\ntype A = ${chunked(Array.from({ length: 2_000 }, (_, i) => `{ a${i}: ${i} }`), " | ", 20)};\n` +
        `type B = ${chunked(Array.from({ length: 2_000 }, (_, i) => `{ b${i}: ${i}; c: 1 }`), " | ", 20)};\n` +
        "declare const a: A;\nexport const b: B = a;\n",
    }),
    verdict: { notGradable: /Type 'A' is not assignable to type 'B'|took too long/ },
  },
  // A diagnostic quotes the learner's text: the control characters in it never reach the page.
  "diagnostic-control-chars": {
    files: () => ({ "counter.ts": `${solution}\nexport const bad: number = "\u001b[2J\u001b]0;owned\u0007\u202Epassed\u0000";\n` }),
    verdict: { notGradable: /is not assignable to type 'number'/ },
  },
  "template-union": {
    files: () => ({ "counter.ts": `${solution}\ntype D = ${Array.from({ length: 10 }, (_, i) => `"${i}"`).join(" | ")};\ntype T5 = \`\${D}\${D}\${D}\${D}\${D}\`;\ntype T10 = \`\${T5}\${T5}\`;\nexport const u: T10 = "1234512345";\n` }),
    verdict: { notGradable: /too complex to represent|took too long/ },
  },
};

async function expectContained(name: string, r: Results, verdict: Verdict, base: Results, wallMs: number, files: Record<string, string>): Promise<void> {
  seen.push({ name, results: r, submitted: Object.values(files).join("\n") });
  if ("notGradable" in verdict) {
    expect(r.gradable).toBe(false);
    expect(r.message).toMatch(verdict.notGradable);
    expect(r.compileErrors?.length).toBeGreaterThan(0);
    if (verdict.stoppedBy) expect(r.stoppedBy).toBe(verdict.stoppedBy);
  } else if ("failsWith" in verdict) {
    expect(r.gradable).toBe(true);
    expect(r.score).toBeLessThan(1);
    expect(failing(r)).toMatch(verdict.failsWith);
    verdict.extra?.(r);
  } else {
    expect(r.gradable).toBe(true);
    expect(r.score).toBe(base.score);
    verdict.extra?.(r);
  }
  // Never more than the same code without the trick.
  expect(r.score).toBeLessThanOrEqual(base.score);
  expect(wallMs).toBeLessThan(10_000);
  expect(shown(r)).not.toMatch(UNSAFE_CHARS);
  // The grader still works right after.
  const again = await submit(solution);
  expect(again.score).toBe(1);
  expect(again.tests.every((t) => t.passed)).toBe(true);
}

describe("hostile submissions", () => {
  let solutionResults: Results;
  const baseOf = async (name: string): Promise<Results> => (BASE[name] === undefined ? solutionResults : await submit(BASE[name]));

  it("the corpus and the expectations name the same cases", () => {
    expect(listHostileCases()).toEqual(Object.keys(CASES).sort());
  });

  it("the fixture's solution scores 1 and its starter less", async () => {
    solutionResults = await submit(solution);
    expect(solutionResults.score).toBe(1);
    expect((await submit(starter)).score).toBeLessThan(1);
  });

  for (const [name, verdict] of Object.entries(CASES)) {
    it(`contains ${name}`, async () => {
      const t0 = performance.now();
      const files = hostile(name);
      const r = await submitFiles(files);
      await expectContained(name, r, verdict, await baseOf(name), performance.now() - t0, files);
    });
  }

  for (const [name, { files, verdict }] of Object.entries(GENERATED)) {
    it(`contains ${name}`, async () => {
      const t0 = performance.now();
      const submitted = files();
      const r = await submitFiles(submitted);
      await expectContained(name, r, verdict, solutionResults, performance.now() - t0, submitted);
    });
  }

  it("no message of the corpus carries a host path or a hidden name", () => {
    expect(seen.length).toBe(Object.keys(CASES).length + Object.keys(GENERATED).length);
    // Names that exist only in the hidden suites, their helpers, the solution's comments and the grader's host.
    const secrets = [
      REPO_ROOT,
      "/work/",
      "/root",
      ...(homedir().length > 1 ? [homedir()] : []),
      "node_modules",
      "races.ts",
      "leaks.ts",
      "hidden/leaks",
      ...otherExercisesExports(),
      "__submission__",
      "fixture-exercise",
      "tests/hidden",
      "hidden/races",
      "solution/counter",
      "simulator/src",
      "counter_alloc_now",
      "Runs alone: no other thread",
      "frees the old event after dropping it",
    ];
    expect(secrets.length).toBeGreaterThan(40);
    for (const { name, results, submitted } of seen) {
      // The exercise's own folder name is public; everything else the learner is shown is scanned.
      const text = JSON.stringify({ ...results, exercise: undefined, timings: undefined });
      for (const secret of secrets) {
        // A refusal may quote the learner's own text back (an import of a hidden path), nothing more.
        if (submitted.includes(secret)) continue;
        expect(text, `${name} shows ${secret}`).not.toContain(secret);
      }
    }
  });
});
