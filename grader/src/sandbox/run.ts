/*
 * The host side of the sandbox: one fresh isolated-vm isolate per
 * submission, with no file system, network, process, module loader or
 * timers; a heap limit (budgets.memoryMb) and one CPU-time budget for the
 * whole submission (budgets.cpuMs), watched while every call runs. Each test
 * leaves a reserve for every test after it: a runaway test is stopped alone,
 * and the tests after it run in a fresh isolate.
 *
 * Everything that comes back is a string and is parsed with a schema: bad
 * JSON, a missing field, a crash, a timeout or an exhausted heap becomes a
 * recorded failure of the test that was running, never an exception.
 */
import ivm from "isolated-vm";
import { z } from "zod";
import type { CompiledFile } from "../compile";
import { type WireOutcome, WireOutcomeSchema, type WireTestList, WireTestListSchema } from "./wire-schema";

export interface SandboxBudgets {
  cpuMs: number;
  memoryMb: number;
  maxExecutions: number;
}

export interface SandboxInput {
  runtime: string;
  bundle: string;
  /** Bundle identity, for V8's code cache. */
  bundleHash: string;
  files: CompiledFile[];
  budgets: SandboxBudgets;
  maxTraceSteps?: number;
  maxOutput?: number;
}

/** The outcome of one test as the host saw it. */
export type HostOutcome = { ok: true; outcome: WireOutcome } | { ok: false; message: string };

export interface SandboxOutput {
  /** Why the learner's module could not be evaluated, if it could not. */
  loadError?: string;
  /** Per group: its tests and their outcomes, or why the group could not run. */
  groups: Array<{ ok: true; tests: Array<{ name: string; description: string; weight: number; result: HostOutcome }> } | { ok: false; error: string }>;
  output: string;
  /** Peak used heap of the isolate, in bytes. */
  peakHeapBytes: number;
  /** The sandbox itself failed before any test could run (not the learner's fault). */
  fatal?: string;
}

const MAX_RESULT_CHARS = 4_000_000;
/** Wall-clock time of a whole run per ms of its CPU budget (the machine may be shared): a backstop only. */
const WALL_BACKSTOP = 4;
/** How often a running call's CPU time is checked against its share. */
const CPU_POLL_MS = 10;
const LoadSchema = z.union([z.object({ ok: z.literal(true) }).strict(), z.object({ ok: z.literal(false), error: z.string() }).strict()]);

/** V8 code caches of the trusted scripts, by content: compiling them again in each isolate is then cheap. */
const codeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

async function compileCached(isolate: ivm.Isolate, key: string, code: string, filename: string): Promise<ivm.Script> {
  const cached = codeCache.get(key);
  const script = (await isolate.compileScript(code, {
    filename,
    ...(cached ? { cachedData: cached } : { produceCachedData: true }),
  })) as ivm.Script & ivm.CachedDataResult;
  if (!cached && script.cachedData) codeCache.set(key, script.cachedData);
  if (cached && (script as { cachedDataRejected?: boolean }).cachedDataRejected) codeCache.delete(key);
  return script;
}

/** Why a call into the isolate failed, for the learner. */
function describeFailure(e: unknown, budgets: SandboxBudgets, disposed: boolean): string {
  const msg = String((e as Error)?.message ?? e);
  if (disposed || /memory limit|disposed/i.test(msg)) {
    return `the sandbox ran out of memory (limit ${budgets.memoryMb} MB): the code allocates without bound (a growing array or list, or recursion that builds data)`;
  }
  if (/timed out/i.test(msg)) {
    return `time limit exceeded (${budgets.cpuMs} ms of CPU for the whole submission): the code probably loops forever outside the simulator's primitives, or does far too much work per step`;
  }
  return `the sandbox failed: ${msg.split("\n")[0]}`;
}

export async function runInSandbox(input: SandboxInput): Promise<SandboxOutput> {
  const { budgets } = input;
  // The budget is CPU time of the isolates, so a loaded machine does not fail correct code. A call that
  // overruns its CPU share is stopped by disposing its isolate (the only way to interrupt V8 from outside);
  // the next test then gets a fresh isolate. Wall-clock time is only a backstop (WALL_BACKSTOP times the budget).
  const backstop = performance.now() + budgets.cpuMs * WALL_BACKSTOP;
  let cpuOfDisposed = 0;
  let peakHeapBytes = 0;
  let sandbox: Sandbox | undefined;
  const cpuUsedMs = (): number => cpuOfDisposed + (sandbox ? sandbox.cpuMs() : 0);
  const remaining = (): number => Math.max(1, Math.floor(budgets.cpuMs - cpuUsedMs()));
  const spent = (): boolean => cpuUsedMs() >= budgets.cpuMs || performance.now() >= backstop;
  const out: SandboxOutput = { groups: [], output: "", peakHeapBytes: 0 };
  const files = JSON.stringify({ files: Object.fromEntries(input.files.map((f) => [f.file, f.code])), order: input.files.map((f) => f.file) });

  /** Call into the current isolate with at most `capMs` of CPU; the string answer, or a learner-facing failure. */
  const call = async (code: string, args: unknown[] = [], graceMs?: number, capMs = Infinity): Promise<string> => {
    const sb = sandbox;
    if (!sb || sb.isolate.isDisposed) throw new SandboxFailure(describeFailure(new Error("disposed"), budgets, true));
    if (graceMs === undefined && spent()) throw new SandboxFailure(describeFailure(new Error("timed out"), budgets, false));
    const ownShare = graceMs === undefined && capMs < remaining();
    const cpuCap = graceMs ?? Math.min(capMs, remaining());
    const cpu0 = sb.cpuMs();
    let overCpu = false;
    const watch = setInterval(() => {
      if (sb.cpuMs() - cpu0 > cpuCap) {
        overCpu = true;
        sb.dispose();
      }
    }, CPU_POLL_MS);
    const timeout = Math.max(1, Math.floor(graceMs !== undefined ? graceMs * WALL_BACKSTOP : backstop - performance.now()));
    try {
      const r: unknown = await sb.context.evalClosure(code, args, { timeout, arguments: { copy: true }, result: { copy: true } });
      peakHeapBytes = Math.max(peakHeapBytes, sb.heapBytes());
      if (typeof r !== "string") throw new Error("the sandbox answered with something other than a string");
      if (r.length > MAX_RESULT_CHARS) throw new Error(`the sandbox answered with ${r.length} characters`);
      return r;
    } catch (e) {
      if (e instanceof SandboxFailure) throw e;
      const timedOut = overCpu || /timed out/i.test(String((e as Error)?.message ?? e));
      if (sb.isolate.isDisposed && !overCpu) throw new SandboxFailure(describeFailure(new Error("disposed"), budgets, true));
      if (timedOut && ownShare) {
        throw new TestTimeout(
          `time limit exceeded (${capMs} ms of CPU for this test): the code probably loops forever outside the simulator's primitives, or does far too much work per step`,
        );
      }
      throw new SandboxFailure(describeFailure(timedOut ? new Error("timed out") : e, budgets, false));
    } finally {
      clearInterval(watch);
      if (sb.isolate.isDisposed) {
        cpuOfDisposed += sb.cpuMs();
        if (sandbox === sb) sandbox = undefined;
      }
    }
  };

  /** A fresh isolate with the runtime, the bundle and the learner's module loaded; the test list it builds. */
  const start = async (): Promise<WireTestList> => {
    sandbox = await Sandbox.create(budgets.memoryMb);
    try {
      const runtime = await compileCached(sandbox.isolate, "runtime", input.runtime, "sandbox-runtime.js");
      await runtime.run(sandbox.context, { timeout: Math.max(1, Math.floor(backstop - performance.now())) });
      const bundle = await compileCached(sandbox.isolate, input.bundleHash, input.bundle, "sandbox.js");
      await bundle.run(sandbox.context, { timeout: Math.max(1, Math.floor(backstop - performance.now())) });
      // Starting the trusted code is the grader's cost, not the submission's.
      sandbox.startCpuMs = sandbox.rawCpuMs();
    } catch (e) {
      throw new SandboxStartFailure(String((e as Error)?.message ?? e));
    }
    await call("__grader.configure($0); return ''", [
      JSON.stringify({ maxExecutions: budgets.maxExecutions, maxTraceSteps: input.maxTraceSteps ?? 200, maxOutput: input.maxOutput ?? 16_000 }),
    ]);
    const loaded = LoadSchema.parse(JSON.parse(await call("return __grader.load($0)", [files])));
    if (!loaded.ok) out.loadError = loaded.error;
    return WireTestListSchema.parse(JSON.parse(await call("return __grader.list()")));
  };

  try {
    let list: WireTestList;
    try {
      list = await start();
    } catch (e) {
      if (e instanceof SandboxStartFailure) {
        out.fatal = `the sandbox could not start: ${e.message}`;
        return out;
      }
      const message = e instanceof SandboxFailure ? e.message : "the sandbox returned a malformed test list";
      out.loadError ??= message;
      if (sandbox) out.output = await readOutput(call);
      return out;
    }

    // Every test after the running one keeps a reserve of the budget: a runaway test fails alone,
    // and the tests after it still have time to run (in a fresh isolate).
    const total = list.reduce((n, grp) => n + (grp.ok ? grp.tests.length : 0), 0);
    const reserveMs = Math.min(500, Math.floor(budgets.cpuMs / (2 * Math.max(1, total))));
    let started = 0;
    let stop: string | null = null;
    // Output dies with a stopped isolate: what the module printed while loading is kept from the first one.
    const loadOutput = await readOutput(call);
    let restarted = false;
    for (const [g, group] of list.entries()) {
      if (!group.ok) {
        out.groups.push(group);
        continue;
      }
      const tests: Array<{ name: string; description: string; weight: number; result: HostOutcome }> = [];
      for (const [i, t] of group.tests.entries()) {
        let result: HostOutcome;
        started++;
        if (stop === null && !sandbox) {
          // The previous test's isolate was stopped: start again from scratch, with the same tests.
          try {
            const again = await start();
            if (JSON.stringify(again) !== JSON.stringify(list)) stop = "the tests built from your module changed between two loads of it";
          } catch (e) {
            stop = `the sandbox could not be restarted (${(e instanceof Error ? e.message : String(e)).split(":")[0]})`;
          }
        }
        if (stop !== null) {
          result = { ok: false, message: `not run: ${stop}` };
        } else {
          try {
            const share = started === total ? Infinity : Math.max(reserveMs, remaining() - reserveMs * (total - started));
            const raw = await call("return __grader.run($0, $1)", [g, i], undefined, share);
            const parsed = WireOutcomeSchema.safeParse(safeJson(raw));
            result = parsed.success
              ? { ok: true, outcome: parsed.data }
              : { ok: false, message: "the sandbox returned a malformed result for this test" };
          } catch (e) {
            const message = e instanceof SandboxFailure || e instanceof TestTimeout ? e.message : "the sandbox returned a malformed result for this test";
            result = { ok: false, message };
            if (e instanceof SandboxFailure) stop = `an earlier test stopped the sandbox (${message.split(":")[0]})`;
            if (e instanceof TestTimeout) restarted = true;
          }
        }
        tests.push({ ...t, result });
      }
      out.groups.push({ ok: true, tests });
    }
    // An isolate stopped at any point took its output with it: say so rather than show nothing.
    out.output = restarted || !sandbox ? loadOutput + OUTPUT_LOST : await readOutput(call);
    return out;
  } finally {
    out.peakHeapBytes = peakHeapBytes;
    sandbox?.dispose();
  }
}

const OUTPUT_LOST = "(what the tests printed is not shown: a test ran out of time or memory and its sandbox was stopped)\n";

/** One isolate and its context, with its CPU time readable after disposal. */
class Sandbox {
  /** CPU time of the isolate spent on starting the trusted code, not counted against the budget. */
  startCpuMs = 0;
  private lastCpuMs = 0;
  private constructor(
    readonly isolate: ivm.Isolate,
    readonly context: ivm.Context,
  ) {}

  static async create(memoryMb: number): Promise<Sandbox> {
    const isolate = new ivm.Isolate({ memoryLimit: memoryMb });
    return new Sandbox(isolate, await isolate.createContext());
  }

  /** CPU time charged to the submission: the isolate's, less its start. Still readable after disposal. */
  cpuMs(): number {
    return Math.max(0, this.rawCpuMs() - this.startCpuMs);
  }

  rawCpuMs(): number {
    if (this.isolate.isDisposed) return this.lastCpuMs;
    try {
      this.lastCpuMs = Number(this.isolate.cpuTime) / 1e6;
    } catch {
      /* disposed meanwhile */
    }
    return this.lastCpuMs;
  }

  heapBytes(): number {
    if (this.isolate.isDisposed) return 0;
    try {
      const s = this.isolate.getHeapStatisticsSync();
      return s.used_heap_size + s.externally_allocated_size;
    } catch {
      return 0;
    }
  }

  dispose(): void {
    this.cpuMs();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

class SandboxStartFailure extends Error {}
class SandboxFailure extends Error {}
/** One test used up its own share of the budget; the next test may run (in a fresh isolate). */
class TestTimeout extends Error {}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The learner's console output: read even after the time budget is spent (it is a bounded string). */
async function readOutput(call: (code: string, args?: unknown[], graceMs?: number) => Promise<string>): Promise<string> {
  try {
    return await call("return __grader.output()", [], 500);
  } catch {
    return "";
  }
}
