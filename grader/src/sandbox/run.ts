/*
 * The host side of the sandbox: one fresh isolated-vm isolate per
 * submission, with no file system, network, process, module loader or
 * timers; a heap limit (budgets.memoryMb) and one time budget for the whole
 * submission (budgets.cpuMs), checked on every call into the isolate.
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
    return `time limit exceeded (${budgets.cpuMs} ms for the whole submission): the code probably loops forever outside the simulator's primitives, or does far too much work per step`;
  }
  return `the sandbox failed: ${msg.split("\n")[0]}`;
}

export async function runInSandbox(input: SandboxInput): Promise<SandboxOutput> {
  const { budgets } = input;
  const deadline = performance.now() + budgets.cpuMs;
  const remaining = (): number => Math.max(1, Math.floor(deadline - performance.now()));
  const isolate = new ivm.Isolate({ memoryLimit: budgets.memoryMb });
  let disposedByLimit = false;
  let peakHeapBytes = 0;
  const sampleHeap = (): void => {
    if (isolate.isDisposed) return;
    try {
      const s = isolate.getHeapStatisticsSync();
      peakHeapBytes = Math.max(peakHeapBytes, s.used_heap_size + s.externally_allocated_size);
    } catch {
      /* disposed meanwhile */
    }
  };
  const out: SandboxOutput = { groups: [], output: "", peakHeapBytes: 0 };
  try {
    const context = await isolate.createContext();
    /** Call into the isolate; returns the string answer or throws a learner-facing message. */
    const call = async (code: string, args: unknown[] = [], graceMs?: number): Promise<string> => {
      if (isolate.isDisposed) throw new SandboxFailure(describeFailure(new Error("disposed"), budgets, true));
      if (graceMs === undefined && deadline - performance.now() <= 0) {
        throw new SandboxFailure(describeFailure(new Error("timed out"), budgets, false));
      }
      try {
        const timeout = graceMs ?? remaining();
        const r: unknown = await context.evalClosure(code, args, { timeout, arguments: { copy: true }, result: { copy: true } });
        sampleHeap();
        if (typeof r !== "string") throw new Error("the sandbox answered with something other than a string");
        if (r.length > MAX_RESULT_CHARS) throw new Error(`the sandbox answered with ${r.length} characters`);
        return r;
      } catch (e) {
        if (e instanceof SandboxFailure) throw e;
        disposedByLimit ||= isolate.isDisposed;
        throw new SandboxFailure(describeFailure(e, budgets, disposedByLimit));
      }
    };

    try {
      const runtime = await compileCached(isolate, "runtime", input.runtime, "sandbox-runtime.js");
      await runtime.run(context, { timeout: remaining() });
      const bundle = await compileCached(isolate, input.bundleHash, input.bundle, "sandbox.js");
      await bundle.run(context, { timeout: remaining() });
      sampleHeap();
      await call("__grader.configure($0); return ''", [
        JSON.stringify({ maxExecutions: budgets.maxExecutions, maxTraceSteps: input.maxTraceSteps ?? 200, maxOutput: input.maxOutput ?? 16_000 }),
      ]);
    } catch (e) {
      out.fatal = e instanceof SandboxFailure ? e.message : `the sandbox could not start: ${String((e as Error)?.message ?? e)}`;
      return out;
    }

    const files = Object.fromEntries(input.files.map((f) => [f.file, f.code]));
    let list: WireTestList;
    try {
      const loaded = LoadSchema.parse(JSON.parse(await call("return __grader.load($0)", [JSON.stringify({ files, order: input.files.map((f) => f.file) })])));
      if (!loaded.ok) out.loadError = loaded.error;
      list = WireTestListSchema.parse(JSON.parse(await call("return __grader.list()")));
    } catch (e) {
      const message = e instanceof SandboxFailure ? e.message : "the sandbox returned a malformed test list";
      out.loadError ??= message;
      out.output = await readOutput(call);
      return out;
    }

    let stop: string | null = null;
    for (const [g, group] of list.entries()) {
      if (!group.ok) {
        out.groups.push(group);
        continue;
      }
      const tests: Array<{ name: string; description: string; weight: number; result: HostOutcome }> = [];
      for (const [i, t] of group.tests.entries()) {
        let result: HostOutcome;
        if (stop !== null) {
          result = { ok: false, message: `not run: ${stop}` };
        } else {
          try {
            const raw = await call("return __grader.run($0, $1)", [g, i]);
            const parsed = WireOutcomeSchema.safeParse(safeJson(raw));
            result = parsed.success
              ? { ok: true, outcome: parsed.data }
              : { ok: false, message: "the sandbox returned a malformed result for this test" };
          } catch (e) {
            const message = e instanceof SandboxFailure ? e.message : "the sandbox returned a malformed result for this test";
            result = { ok: false, message };
            if (e instanceof SandboxFailure) stop = `an earlier test stopped the sandbox (${message.split(":")[0]})`;
          }
        }
        tests.push({ ...t, result });
      }
      out.groups.push({ ok: true, tests });
    }
    out.output = await readOutput(call);
    return out;
  } finally {
    out.peakHeapBytes = peakHeapBytes;
    if (!isolate.isDisposed) isolate.dispose();
  }
}

class SandboxFailure extends Error {}

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
