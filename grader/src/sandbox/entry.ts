/*
 * The trusted side of the sandbox: runs inside the isolate, after SES's
 * lockdown(), bundled with the simulator and the exercise's suites.
 *
 * Invariants
 * ----------
 * - Every intrinsic is frozen (lockdown) and every value of the simulator's
 *   namespace is hardened before learner code runs, so learner code cannot
 *   patch Object.prototype, Array.prototype, Map.prototype, the simulator's
 *   classes, primitives or detectors.
 * - Learner code runs in SES Compartments whose only globals are `require`
 *   (which returns the hardened "rmap-sim" namespace, the learner's API, and
 *   nothing else: never "rmap-sim/testing"),
 *   `module`, `exports` and a size-capped `console`.
 * - Results leave the isolate as JSON strings built here from plain values;
 *   the host validates them again.
 * - Every stack trace in the isolate holds only frames of the learner's files
 *   (submission/...): learner code cannot see which test, helper or
 *   simulator function called it, and the simulator locates learner lines
 *   from those same frames.
 * - Each test runs against a fresh instance of the learner's modules: nothing
 *   one test's run leaves in them reaches the next.
 */
import * as learnerApi from "rmap-sim";
import { isSuite, LockdepGraph, Op, runTest, setNeutralNames, stackLocations, type Suite, type TestCase, type TestOutcome } from "rmap-sim/testing";
import { USER_PREFIX } from "./protocol";

declare const harden: <T>(x: T) => T;
declare const Compartment: new (options: { globals: Record<string, unknown>; __options__: true }) => {
  evaluate(code: string): unknown;
};
declare const __addLearnerSource: (text: string) => void;

export interface EntryConfig {
  maxExecutions: number;
  /** Steps of a failing trace to keep (its end). */
  maxTraceSteps: number;
  /** Characters of console output to keep. */
  maxOutput: number;
}


const MAX_STRING = 8_000;
const MAX_STEP_JSON = 4_000;

/**
 * A value as bounded text, without running learner code: only primitives are
 * converted (String() of an object would call its toString or
 * Symbol.toPrimitive, which learner code may own); an object is named by its type.
 */
function str(v: unknown, max = MAX_STRING): string {
  const s = typeof v === "string" ? v : v === null || (typeof v !== "object" && typeof v !== "function") ? String(v) : `(${typeof v})`;
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

function int(v: unknown, dflt = 0): number {
  return typeof v === "number" && Number.isInteger(v) ? v : dflt;
}

export function install(suites: ReadonlyArray<Suite<unknown>>): void {
  // Learner code must not construct operations: an Op's impl receives the execution (every
  // detector's state). Hide the constructor (the export and the prototype's back link); the
  // simulator rejects look-alikes made with Object.create(Op.prototype). Ops stay iterable.
  Object.defineProperty(Op.prototype, "constructor", { value: undefined, writable: false, enumerable: false, configurable: false });
  harden(Op);
  // The namespace esbuild builds has getters: copy to plain data, then harden every value.
  const ns: Record<string, unknown> = {};
  for (const k of Object.keys(learnerApi)) ns[k] = (learnerApi as Record<string, unknown>)[k];
  if ("Op" in ns) throw new Error("the learner's API must not export Op: learner code may not construct operations");
  harden(ns);
  // Learner code reads objects' names as type and id only: no test's label tells it which test is running.
  setNeutralNames(true);
  (Error as unknown as { prepareStackTrace: typeof learnerFramesOnly }).prepareStackTrace = learnerFramesOnly;

  let config: EntryConfig = { maxExecutions: 20_000, maxTraceSteps: 200, maxOutput: 16_000 };
  let output = "";
  let outputDropped = 0;
  let impl: unknown = null;
  let loadError: string | null = null;
  /** The learner's files as loaded, to make a fresh instance of them for each test. */
  let loaded: { files: Record<string, string>; order: string[] } | null = null;
  const tests: Array<TestCase[] | string> = [];
  // One lock-order graph for the whole grading, as lockdep keeps one per boot: the tests run one after the
  // other in this context, and an inversion is found even when its two orders are taken by different tests.
  const lockdep = new LockdepGraph();

  const print = (level: string) => (...args: unknown[]): void => {
    if (output.length >= config.maxOutput) {
      outputDropped++;
      return;
    }
    const line = args.map((a) => printable(a)).join(" ");
    const prefixed = level === "log" ? line : `[${level}] ${line}`;
    output += `${prefixed.length > 1000 ? `${prefixed.slice(0, 1000)}…` : prefixed}\n`;
    if (output.length > config.maxOutput) output = output.slice(0, config.maxOutput);
  };
  const learnerConsole = harden({
    log: print("log"),
    info: print("info"),
    warn: print("warn"),
    error: print("error"),
    debug: print("debug"),
  });

  // Learner files are evaluated with a sourceURL of submission/<file>: those frames are the learner's.
  const locations = stackLocations((file) => file.startsWith(USER_PREFIX));

  /** Evaluate the learner's CommonJS files in fresh compartments; the first is the module the suites test. */
  const instantiate = (files: Record<string, string>, order: readonly string[]): unknown => {
    const cache = new Map<string, { exports: unknown }>();
    const evaluate = (name: string): unknown => {
      const hit = cache.get(name);
      if (hit) return hit.exports;
      const module = { exports: {} as unknown };
      cache.set(name, module);
      const require = (spec: unknown): unknown => {
        if (spec === "rmap-sim") return ns;
        if (typeof spec === "string" && spec.startsWith("./")) {
          const base = spec.slice(2).replace(/\.(ts|js)$/, "");
          const other = order.find((n) => n.replace(/\.ts$/, "") === base);
          if (other !== undefined) return evaluate(other);
        }
        throw new Error(`Cannot find module '${str(spec, 200)}': the sandbox provides only "rmap-sim"`);
      };
      const c = new Compartment({
        globals: { require: harden(require), module, exports: module.exports, console: learnerConsole },
        __options__: true,
      });
      c.evaluate(`${files[name]!}\n//# sourceURL=${USER_PREFIX}${name}`);
      return module.exports;
    };
    return evaluate(order[0]!);
  };

  const api = {
    configure(json: string): void {
      config = { ...config, ...(JSON.parse(json) as Partial<EntryConfig>) };
    },

    /** Evaluate the learner's CommonJS files; the first is the module the suites test. */
    load(json: string): string {
      const { files, order } = JSON.parse(json) as { files: Record<string, string>; order: string[] };
      for (const name of order) __addLearnerSource(files[name]!);
      loaded = { files, order };
      try {
        impl = instantiate(files, order);
        return JSON.stringify({ ok: true });
      } catch (e) {
        loadError = describeError(e);
        return JSON.stringify({ ok: false, error: loadError });
      }
    },

    /** Build every group's tests from the learner's module. */
    list(): string {
      const out = suites.map((suite, g) => {
        try {
          if (!isSuite(suite)) throw new Error(`suite ${g + 1} does not default-export defineSuite(...)`);
          if (loadError !== null) throw new Error(loadError);
          const built = suite.factory(impl);
          if (!Array.isArray(built)) throw new Error("the suite did not return a list of tests");
          tests[g] = built;
          return {
            ok: true as const,
            tests: built.map((t) => ({ name: str(t.name, 500), description: str(t.description, 2000), weight: typeof t.weight === "number" && t.weight >= 0 ? t.weight : 1 })),
          };
        } catch (e) {
          const error = `the tests could not use your module: ${describeError(e)}`;
          tests[g] = error;
          return { ok: false as const, error };
        }
      });
      return JSON.stringify(out);
    },

    /** Run one test; the answer is always a JSON string. */
    run(g: number, i: number): string {
      const group = tests[g];
      if (!Array.isArray(group) || !group[i]) return JSON.stringify({ error: "no such test" });
      let t = group[i]!;
      // A fresh instance of the learner's modules for this test (list() built the tests from the first).
      if (loaded !== null && loadError === null) {
        try {
          const fresh = suites[g]!.factory(instantiate(loaded.files, loaded.order));
          if (Array.isArray(fresh) && fresh[i] && str(fresh[i].name, 500) === str(t.name, 500)) t = fresh[i];
          else return JSON.stringify({ ...crashed(t), message: "the tests could not use a fresh instance of your module: it changed between tests" });
        } catch (e) {
          return JSON.stringify({ ...crashed(t), message: `the tests could not use a fresh instance of your module: ${describeError(e)}` });
        }
      }
      let outcome: TestOutcome;
      try {
        outcome = runTest(t, { maxExecutions: config.maxExecutions, locations, lockdep });
      } catch {
        return JSON.stringify(crashed(t));
      }
      try {
        return JSON.stringify(wire(outcome, config.maxTraceSteps));
      } catch {
        return JSON.stringify(crashed(t));
      }
    },

    output(): string {
      return output + (outputDropped ? `… (${outputDropped} more console line${outputDropped === 1 ? "" : "s"} dropped)\n` : "");
    },
  };
  (globalThis as unknown as { __grader: typeof api }).__grader = harden(api);
}

/** The V8 call-site methods a stack line is built from (the attenuated call sites lockdown hands a prepareStackTrace). */
interface CallSiteLike {
  /** For code evaluated with a sourceURL (the learner's files), that URL; getFileName() has none there. */
  getScriptNameOrSourceURL(): string | null | undefined;
  getFunctionName(): string | null | undefined;
  getLineNumber(): number | null | undefined;
  getColumnNumber(): number | null | undefined;
}

/**
 * Error.prepareStackTrace for the whole isolate: the stack in V8's format,
 * keeping only frames in the learner's files. Runs no learner code: the
 * header is read from data properties only (describeError).
 */
function learnerFramesOnly(error: unknown, frames: readonly CallSiteLike[]): string {
  let out = describeError(error);
  for (const f of frames) {
    let file: unknown;
    try {
      file = f.getScriptNameOrSourceURL();
    } catch {
      continue;
    }
    if (typeof file !== "string" || !file.startsWith(USER_PREFIX)) continue;
    const fn = f.getFunctionName();
    const where = `${file}:${f.getLineNumber() ?? 0}:${f.getColumnNumber() ?? 0}`;
    out += typeof fn === "string" && fn ? `\n    at ${fn} (${where})` : `\n    at ${where}`;
  }
  return out;
}

function crashed(t: TestCase): Record<string, unknown> {
  return {
    name: str(t.name, 500),
    description: str(t.description, 2000),
    weight: typeof t.weight === "number" && t.weight >= 0 ? t.weight : 1,
    passed: false,
    message: "the test crashed: the code under test broke the test harness (it threw something that cannot be reported)",
    executions: 0,
  };
}

/**
 * An exception as text. Reads data properties only, so a learner's getter
 * never runs here (a Proxy's descriptor trap still may: whatever it does, the
 * result is used only if it is a string, and a throw is caught).
 */
function describeError(e: unknown): string {
  try {
    if (e !== null && typeof e === "object") {
      const own = (k: string): unknown => {
        const d = Object.getOwnPropertyDescriptor(e, k) ?? protoData(e, k);
        return d && "value" in d ? d.value : undefined;
      };
      const message = own("message");
      if (message !== undefined) {
        const name = own("name");
        return `${typeof name === "string" ? str(name, 100) : "Error"}: ${str(message, 2000)}`;
      }
    }
    return str(e, 2000);
  } catch {
    return "an exception that cannot be printed";
  }
}

const ERROR_PROTOTYPES: ReadonlySet<object> = new Set(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => c.prototype as object),
);

/**
 * The property `k` of a prototype in e's chain: a data property, or the
 * accessor of a built-in error prototype (lockdown turns `name` there into
 * one), read as a data descriptor; never a learner's accessor.
 */
function protoData(e: object, k: string): PropertyDescriptor | undefined {
  for (let p = Object.getPrototypeOf(e) as object | null, i = 0; p !== null && i < 8; p = Object.getPrototypeOf(p) as object | null, i++) {
    const d = Object.getOwnPropertyDescriptor(p, k);
    if (!d) continue;
    if ("value" in d) return d;
    return ERROR_PROTOTYPES.has(p) && d.get ? { value: Reflect.apply(d.get, e, []) as unknown } : undefined;
  }
  return undefined;
}

function printable(a: unknown): string {
  try {
    if (typeof a === "string") return a;
    if (a === null || typeof a !== "object") return String(a);
    const j = JSON.stringify(a);
    return typeof j === "string" ? (j.length > 1000 ? `${j.slice(0, 1000)}…` : j) : Object.prototype.toString.call(a);
  } catch {
    return Object.prototype.toString.call(a);
  }
}

/** A TestOutcome reduced to plain data: no learner objects, bounded sizes. */
function wire(o: TestOutcome, maxTraceSteps: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: str(o.name, 500),
    description: str(o.description, 2000),
    weight: typeof o.weight === "number" && o.weight >= 0 ? o.weight : 1,
    passed: o.passed === true,
    message: str(o.message, 2000),
    executions: int(o.executions),
  };
  if (o.scenario !== undefined) out.scenario = str(o.scenario, 500);
  if (o.models !== undefined) out.models = str(o.models, 1000);
  if (o.limitHit !== undefined) out.limitHit = str(o.limitHit, 2000);
  if (o.token !== undefined) out.token = str(o.token, 20_000);
  if (o.preemptions !== undefined) out.preemptions = int(o.preemptions);
  if (o.report) {
    const r = o.report;
    const report: Record<string, unknown> = {
      kind: str(r.kind, 100),
      title: str(r.title, 1000),
      message: str(r.message),
      thread: str(r.thread, 200),
      step: int(r.step, -1),
    };
    if (r.location) report.location = { file: str(r.location.file, 300), line: int(r.location.line), column: int(r.location.column) };
    out.report = report;
  }
  if (Array.isArray(o.trace)) {
    const all = o.trace;
    const keep = all.length > maxTraceSteps ? all.slice(all.length - maxTraceSteps) : all;
    if (keep.length < all.length) out.traceOmitted = all.length - keep.length;
    out.trace = keep.map((s) => {
      let json: string;
      try {
        json = JSON.stringify(s);
      } catch {
        json = "";
      }
      if (typeof json === "string" && json.length > 0 && json.length <= MAX_STEP_JSON) return JSON.parse(json) as unknown;
      // An oversized or unprintable step keeps its scheduling facts and drops the object state.
      return {
        i: int(s.i),
        thread: str(s.thread, 200),
        op: str(s.op, 200),
        obj: null,
        held: Array.isArray(s.held) ? s.held.map((h) => str(h, 200)) : [],
        rcuDepth: int(s.rcuDepth),
        runnable: Array.isArray(s.runnable) ? s.runnable.map((h) => str(h, 200)) : [],
        choice: str(s.choice, 10),
        preemption: s.preemption === true,
        notes: ["(this step's state was too large to show)"],
      };
    });
  }
  return out;
}
