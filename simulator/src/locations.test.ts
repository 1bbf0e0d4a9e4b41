import { describe, expect, it } from "vitest";
import {
  explore,
  KmemCache,
  kmem_cache_alloc,
  kmem_cache_free,
  kstruct,
  type LocationProvider,
  parseStack,
  type Scenario,
  type Sim,
  spin_lock,
  Spinlock,
  stackLocations,
} from "./testing";

/*
 * Real stacks of the same program in three engines: a simulator script calls
 * a learner generator (page_lock_anon_vma, file submission/rmap.ts) that
 * captures a stack at line 3 and throws a TypeError at line 4.
 *   V8: Node 20.20 (Chromium's format); the learner file evaluated with a sourceURL.
 *   SpiderMonkey: gjs 1.74 (mozjs 102, Firefox's format); sourceURL as well.
 *   JavaScriptCore: WebKitGTK 2.50 jsc (Safari's format); the learner file loaded as its own script.
 */
const STACKS = {
  v8: {
    here:
      "Error\n    at captureStack (/app/simulator-bundle.js:1:34)\n    at page_lock_anon_vma (submission/rmap.ts:3:13)\n" +
      "    at page_lock_anon_vma.next (<anonymous>)\n    at drive (/app/simulator-bundle.js:2:43)\n" +
      "    at runThread (/app/simulator-bundle.js:3:34)\n    at main (/app/simulator-bundle.js:6:14)\n" +
      "    at /app/simulator-bundle.js:11:7\n    at Script.runInThisContext (node:vm:137:12)\n" +
      "    at Object.runInThisContext (node:vm:317:38)\n    at [eval]:1:45",
    thrown:
      "TypeError: page.mapping is null\n    at page_lock_anon_vma (submission/rmap.ts:4:25)\n" +
      "    at page_lock_anon_vma.next (<anonymous>)\n    at drive (/app/simulator-bundle.js:2:43)\n" +
      "    at runThread (/app/simulator-bundle.js:3:34)\n    at main (/app/simulator-bundle.js:8:9)\n" +
      "    at /app/simulator-bundle.js:11:7\n    at Script.runInThisContext (node:vm:137:12)\n" +
      "    at Object.runInThisContext (node:vm:317:38)\n    at [eval]:1:45\n    at runScriptInThisContext (node:internal/vm:209:10)",
    here3: { line: 3, column: 13 },
    thrown4: { line: 4, column: 25 },
  },
  spidermonkey: {
    here:
      "captureStack@simulator-bundle.js:1:60\npage_lock_anon_vma@submission/rmap.ts:3:13\ndrive@simulator-bundle.js:2:43\n" +
      "runThread@simulator-bundle.js:3:34\nmain@simulator-bundle.js:6:23\n@simulator-bundle.js:11:7\n",
    thrown:
      "page_lock_anon_vma@submission/rmap.ts:4:25\ndrive@simulator-bundle.js:2:43\nrunThread@simulator-bundle.js:3:34\n" +
      "main@simulator-bundle.js:8:18\n@simulator-bundle.js:11:7\n",
    here3: { line: 3, column: 13 },
    thrown4: { line: 4, column: 25 },
  },
  javascriptcore: {
    here:
      "captureStack@simulator-bundle.js:1:69\npage_lock_anon_vma@/tmp/stacks/submission/rmap.ts:3:25\n" +
      "drive@simulator-bundle.js:2:47\nrunThread@simulator-bundle.js:3:39\nmain@simulator-bundle.js:6:23\n" +
      "global code@simulator-bundle.js:11:11",
    thrown:
      "page_lock_anon_vma@/tmp/stacks/submission/rmap.ts:4:38\ndrive@simulator-bundle.js:2:47\n" +
      "runThread@simulator-bundle.js:3:39\nmain@simulator-bundle.js:8:18\nglobal code@simulator-bundle.js:11:11",
    here3: { line: 3, column: 25 },
    thrown4: { line: 4, column: 38 },
  },
} as const;

const isLearner = (file: string): boolean => /(^|\/)submission\/rmap\.ts$/.test(file);

describe("source locations from any engine's stack", () => {
  for (const [engine, s] of Object.entries(STACKS)) {
    it(`${engine}: the learner's line where the simulator was reached, where it threw, and its function`, () => {
      const p = stackLocations(isLearner, () => s.here);
      expect(p.current()).toEqual({ file: expect.stringMatching(/submission\/rmap\.ts$/), ...s.here3 });
      expect(p.currentFunction()).toBe("page_lock_anon_vma");
      expect(p.thrownAt({ stack: s.thrown })).toEqual({ file: expect.stringMatching(/submission\/rmap\.ts$/), ...s.thrown4 });
      // The simulator's own frames come first and are skipped; without learner frames there is no location.
      expect(parseStack(s.here)[0]!.fn).toBe("captureStack");
      expect(stackLocations(() => false, () => s.here).current()).toBeUndefined();
    });
  }

  it("a missing or unreadable stack gives no location, never an exception", () => {
    const p = stackLocations(isLearner, () => undefined);
    expect(p.current()).toBeUndefined();
    expect(p.currentFunction()).toBeUndefined();
    expect(p.thrownAt(null)).toBeUndefined();
    expect(p.thrownAt("a string")).toBeUndefined();
    expect(p.thrownAt({ stack: "no frames here" })).toBeUndefined();
  });
});

/* End to end: the same run traced with this engine's stacks, and with them rewritten in the other engines' formats. */

/** Rewrite V8 frames ("    at fn (file:1:2)") as SpiderMonkey/JavaScriptCore frames ("fn@file:1:2"), dropping `skip` innermost ones. */
function asAtFormat(v8: string | undefined, anonymous: string, skip = 0): string {
  const out: string[] = [];
  for (const line of (v8 ?? "").split("\n")) {
    const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(line);
    if (m) out.push(`${m[1] ?? anonymous}@${m[2]}:${m[3]}:${m[4]}`);
  }
  return out.slice(skip).join("\n");
}

/** A provider that sees this engine's stacks as another engine would print them. */
function inFormat(anonymous: string): LocationProvider {
  const learner = (f: string): boolean => THIS_FILE.test(f);
  // skip 1: the capturing closure itself lives in this file.
  const base = stackLocations(learner, () => asAtFormat(new Error().stack, anonymous, 1));
  return {
    current: base.current,
    currentFunction: base.currentFunction,
    thrownAt: (e) => stackLocations(learner).thrownAt({ stack: asAtFormat((e as Error)?.stack, anonymous) }),
  };
}

const THIS_FILE = /locations\.test\.ts$/;
const thing_cachep = new KmemCache("loc_thing", () => kstruct("loc_thing", { v: 0 }));

/** The line of the statement that calls this (the marked statement is on the next line). */
const lineHere = (): number => parseStack(new Error().stack ?? "")[1]!.line;
const marks: Record<string, number> = {};

function* learner_free_twice(s: { t: { v: number } & ReturnType<typeof kstruct> }): Sim {
  yield* kmem_cache_free(thing_cachep, s.t);
  marks["double free"] ??= lineHere() + 1;
  yield* kmem_cache_free(thing_cachep, s.t); // the double free: the report's line
}

function* learner_oops(s: { lock: Spinlock; p: { v: number } | null }): Sim {
  yield* spin_lock(s.lock);
  marks.oops ??= lineHere() + 1;
  s.p!.v = 1; // a NULL dereference: the oops names this line
}

const scenarios: Array<Scenario<any>> = [
  {
    name: "double free",
    models: "a learner function that frees the same object twice",
    setup: () => ({}),
    prelude: function* (s: Record<string, unknown>) {
      s.t = yield* kmem_cache_alloc(thing_cachep);
    },
    threads: [{ name: "freer", run: (s: any) => learner_free_twice(s) }],
  },
  {
    name: "oops",
    models: "a learner function that dereferences NULL under a spinlock",
    setup: () => ({ lock: new Spinlock("loc_lock"), p: null }),
    threads: [{ name: "oopser", run: (s: any) => learner_oops(s) }],
  },
];

describe("a traced failure names the learner's line with each engine's stack format", () => {
  for (const sc of scenarios) {
    it(sc.name, () => {
      const formats = {
        v8: stackLocations((f) => THIS_FILE.test(f)),
        spidermonkey: inFormat(""),
        javascriptcore: inFormat("global code"),
      };
      const seen: Record<string, unknown> = {};
      for (const [engine, locations] of Object.entries(formats)) {
        const r = explore(sc, { locations });
        expect(r.ok, engine).toBe(false);
        const loc = r.bug!.report.location;
        expect(loc, engine).toEqual({ file: expect.stringMatching(THIS_FILE), line: marks[sc.name], column: expect.any(Number) });
        const stepLocs = r.bug!.trace!.map((s) => s.loc?.line);
        expect(stepLocs.filter((l) => l !== undefined).length, engine).toBeGreaterThan(0);
        seen[engine] = { loc, stepLocs, title: r.bug!.report.title };
      }
      expect(seen.spidermonkey).toEqual(seen.v8);
      expect(seen.javascriptcore).toEqual(seen.v8);
    });
  }
});
