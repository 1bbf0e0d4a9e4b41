/*
 * The grader the site uses: grading (type check and sandbox run) happens in a
 * child process (worker-main.ts), never in the caller's process.
 *
 * Invariants
 * ----------
 * - One grading at a time per worker; calls queue in order.
 * - Every grading runs under a wall-clock limit, a CPU-time limit and a
 *   resident-memory limit of the worker process, watched from here. A breach
 *   kills the worker (SIGKILL): that submission gets a not-gradable result
 *   saying it took too long or used too much memory (`stoppedBy`), and a new
 *   worker is started for the next one. A worker that dies by itself (a fatal
 *   out-of-memory, a native crash) is handled the same way.
 * - grade() never rejects because of what the submission does; it rejects
 *   only with a GraderError for a broken exercise or a worker that cannot
 *   start at all.
 * - Submissions over the input limits are refused here, before they cross to
 *   the worker.
 * - A worker is replaced after `maxGradingsPerWorker` gradings or when its
 *   resident memory stays above half its limit, so a long-lived grader's
 *   memory stays flat.
 * - The worker gets no environment variables but PATH and NODE_ENV: it never holds the
 *   site's secrets.
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GraderError, readExercise, type LoadedExercise } from "./exercise";
import { DEFAULT_MAX_SANDBOX_MS, type Grader, type LocalGraderOptions, notGradable } from "./grader";
import { checkInputLimits } from "./limits";
import { type Results, ResultsSchema, type StopReason } from "rmap-schemas";
import { boundResults } from "./sanitize";

export interface WorkerGraderOptions extends LocalGraderOptions {
  /** Wall-clock ms one grading may take in the worker (check and run); default 9,000. */
  wallMs?: number;
  /** CPU ms of the worker process one grading may use; default 8,000. */
  cpuMs?: number;
  /** Resident memory of the worker process, MB; default 1,024. */
  memoryMb?: number;
  /** V8 heap of the worker's own (non-sandbox) code, MB; default 512. */
  heapMb?: number;
  /** Gradings before a worker is replaced; default 500. */
  maxGradingsPerWorker?: number;
  /** Ms a new worker may take to start and warm up; default 60,000. */
  startMs?: number;
}

export interface WorkerGradeStats {
  /** Peak used heap of the sandbox's isolate, in bytes (0 when the grading did not reach it). */
  peakHeapBytes: number;
  /** Peak resident memory of the worker process during the grading, in bytes. */
  peakRssBytes: number;
  /** CPU time of the worker process during the grading, ms. */
  cpuMs: number;
  /** Wall time from sending the submission to the answer, ms. */
  wallMs: number;
  /** The worker was killed or died during this grading. */
  stoppedBy?: StopReason;
}

const DEFAULTS = { wallMs: 9_000, cpuMs: 8_000, memoryMb: 1_024, heapMb: 512, maxGradingsPerWorker: 500, startMs: 60_000 };
const POLL_MS = 20;
const STDERR_KEEP = 4_000;

/** How the child runs: its TypeScript source through tsx, or its compiled JavaScript as is. */
function childEntry(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const ts = self.endsWith(".ts");
  const path = self.replace(/worker\.(ts|js|mjs)$/, `worker-main.${ts ? "ts" : "$1"}`);
  if (!ts) return { path, execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return { path, execArgv: ["--import", pathToFileURL(tsx).href] };
}

/** Resident bytes and CPU ms of a process, from /proc; undefined where /proc is not available. */
function sample(pid: number): { rss: number; cpuMs: number } | undefined {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command: state is [0]; utime and stime are fields 14 and 15 of stat, [11] and [12] here.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rss: Number(statm[1]) * 4096, cpuMs: ticks * 10 };
  } catch {
    return undefined;
  }
}

type Job = { id: number; ex: LoadedExercise; files: Record<string, string> };

class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  gradings = 0;
  stderr = "";
  dead = false;
  onMessage: (m: unknown) => void = () => {};
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => {};

  constructor(options: WorkerGraderOptions, heapMb: number, startMs: number) {
    const { path, execArgv } = childEntry();
    const forChild = { maxSandboxMs: DEFAULT_MAX_SANDBOX_MS, ...options } as Record<string, unknown>;
    for (const k of Object.keys(DEFAULTS)) delete forChild[k];
    this.child = fork(path, [JSON.stringify(forChild)], {
      execArgv: [...execArgv, `--max-old-space-size=${heapMb}`],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_KEEP);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new GraderError(`the grading worker did not start within ${startMs} ms`));
      }, startMs);
      this.child.on("message", (m: unknown) => {
        if ((m as { type?: unknown })?.type === "ready") {
          clearTimeout(timer);
          resolve();
        } else this.onMessage(m);
      });
      this.child.on("exit", (code, signal) => {
        clearTimeout(timer);
        this.dead = true;
        reject(new GraderError(`the grading worker exited while starting (${signal ?? `code ${code}`}): ${this.stderr.trim().split("\n").slice(-3).join(" ")}`));
        this.onExit(code, signal);
      });
      this.child.on("error", () => {
        /* reported by "exit" */
      });
    });
    // A worker that fails to start is reported to the grading that waits for it.
    this.ready.catch(() => {});
  }

  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

export class WorkerGrader implements Grader {
  private readonly o: typeof DEFAULTS;
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;
  /** Counters for monitoring: gradings, and workers killed or lost by cause. */
  readonly counters: Record<StopReason | "gradings" | "workersStarted" | "recycled", number> = {
    gradings: 0,
    workersStarted: 0,
    "input-limit": 0,
    "time-limit": 0,
    "memory-limit": 0,
    crash: 0,
    recycled: 0,
  };

  constructor(private readonly options: WorkerGraderOptions = {}) {
    this.o = { ...DEFAULTS };
    for (const k of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
      const v = options[k];
      if (v !== undefined) this.o[k] = v;
    }
  }

  async grade(exerciseDir: string, files: Record<string, string>): Promise<Results> {
    return (await this.gradeWithStats(exerciseDir, files)).results;
  }

  /** grade(), plus the worker's figures for this grading. */
  gradeWithStats(exerciseDir: string, files: Record<string, string>): Promise<{ results: Results; stats: WorkerGradeStats }> {
    const run = this.queue.then(() => this.gradeNow(exerciseDir, files));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Process id of the current worker, if one is running (for monitoring). */
  get workerPid(): number | undefined {
    return this.worker && !this.worker.dead ? this.worker.child.pid : undefined;
  }

  /** Resident memory of the current worker in bytes, if one is running and /proc is available. */
  workerRssBytes(): number | undefined {
    const pid = this.workerPid;
    return pid === undefined ? undefined : sample(pid)?.rss;
  }

  /** Start the worker now rather than at the first grading. */
  async start(): Promise<void> {
    await this.ensureWorker().ready;
  }

  /** Stop the worker; later gradings are refused with a GraderError. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    this.worker?.kill();
    this.worker = undefined;
  }

  private ensureWorker(): Worker {
    if (this.closed) throw new GraderError("this grader is closed");
    if (!this.worker || this.worker.dead) {
      this.worker = new Worker(this.options, this.o.heapMb, this.o.startMs);
      this.counters.workersStarted++;
    }
    return this.worker;
  }

  private async gradeNow(exerciseDir: string, files: Record<string, string>): Promise<{ results: Results; stats: WorkerGradeStats }> {
    const ex = readExercise(exerciseDir);
    const none: WorkerGradeStats = { peakHeapBytes: 0, peakRssBytes: 0, cpuMs: 0, wallMs: 0 };
    const over = checkInputLimits(files, ex.meta.files, this.options.inputLimits);
    if (over.length) {
      const results = notGradable(ex, over, 0);
      results.stoppedBy = "input-limit";
      this.counters["input-limit"]++;
      return { results: this.finish(results), stats: none };
    }
    let worker = this.ensureWorker();
    try {
      await worker.ready;
    } catch (e) {
      // One retry: a worker can be lost at start-up for reasons of the machine, not of this submission.
      this.worker = undefined;
      worker = this.ensureWorker();
      await worker.ready.catch(() => {
        throw e;
      });
    }
    this.counters.gradings++;
    const { results, stats } = await this.runJob(worker, { id: this.nextId++, ex, files });
    worker.gradings++;
    const rssNow = sample(worker.child.pid ?? -1)?.rss ?? 0;
    if (!worker.dead && (worker.gradings >= this.o.maxGradingsPerWorker || rssNow > (this.o.memoryMb * 2 ** 20) / 2)) {
      this.counters.recycled++;
      worker.kill();
    }
    if (worker.dead) {
      this.worker = undefined;
      // Start the replacement now, so the next grading does not wait for its warm-up.
      if (!this.closed) this.ensureWorker();
    }
    return { results, stats };
  }

  private runJob(worker: Worker, job: Job): Promise<{ results: Results; stats: WorkerGradeStats }> {
    return new Promise((resolve, reject) => {
      const pid = worker.child.pid ?? -1;
      const t0 = performance.now();
      const base = sample(pid);
      const stats: WorkerGradeStats = { peakHeapBytes: 0, peakRssBytes: base?.rss ?? 0, cpuMs: 0, wallMs: 0 };
      let phase: "check" | "run" = "check";
      let settled = false;
      const finish = (results: Results): void => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        worker.onMessage = () => {};
        worker.onExit = () => {};
        stats.wallMs = Math.round(performance.now() - t0);
        resolve({ results: this.finish(results), stats });
      };
      const stop = (reason: StopReason): void => {
        if (settled) return;
        worker.kill();
        stats.stoppedBy = reason;
        this.counters[reason]++;
        finish(this.stopped(job.ex, reason, phase, performance.now() - t0));
      };
      const watch = setInterval(() => {
        const s = sample(pid);
        if (s) {
          stats.peakRssBytes = Math.max(stats.peakRssBytes, s.rss);
          stats.cpuMs = s.cpuMs - (base?.cpuMs ?? 0);
          if (s.rss > this.o.memoryMb * 2 ** 20) return stop("memory-limit");
          if (stats.cpuMs > this.o.cpuMs) return stop("time-limit");
        }
        if (performance.now() - t0 > this.o.wallMs) stop("time-limit");
      }, POLL_MS);
      worker.onExit = () => {
        const oom = /heap out of memory|Allocation failed|memory limit/i.test(worker.stderr);
        stop(oom ? "memory-limit" : "crash");
      };
      worker.onMessage = (m: unknown) => {
        const msg = m as { type?: unknown; id?: unknown; phase?: unknown; results?: unknown; peakHeapBytes?: unknown; graderError?: unknown; message?: unknown };
        if (msg?.id !== job.id) return;
        if (msg.type === "phase" && (msg.phase === "check" || msg.phase === "run")) {
          phase = msg.phase;
        } else if (msg.type === "done") {
          const parsed = ResultsSchema.safeParse(msg.results);
          if (typeof msg.peakHeapBytes === "number") stats.peakHeapBytes = msg.peakHeapBytes;
          const end = sample(pid);
          if (end) stats.cpuMs = end.cpuMs - (base?.cpuMs ?? 0);
          if (parsed.success) finish(parsed.data);
          else stop("crash");
        } else if (msg.type === "error") {
          if (msg.graderError === true) {
            // A broken exercise: the worker is fine, the caller hears about it.
            settled = true;
            clearInterval(watch);
            worker.onMessage = () => {};
            worker.onExit = () => {};
            reject(new GraderError(String(msg.message)));
            return;
          }
          stop("crash");
        }
      };
      worker.child.send({ type: "grade", id: job.id, exerciseDir: job.ex.dir, files: job.files }, (err) => {
        if (err) stop("crash");
      });
    });
  }

  /** The not-gradable result of a grading the worker could not finish. */
  private stopped(ex: LoadedExercise, reason: StopReason, phase: "check" | "run", elapsedMs: number): Results {
    const what = phase === "check" ? "Type-checking your code" : "Running the tests on your code";
    const message =
      reason === "time-limit"
        ? `${what} took too long (limits: ${this.o.wallMs} ms of wall-clock time, ${this.o.cpuMs} ms of CPU): look for a loop that never ends, or types the checker must expand without bound`
        : reason === "memory-limit"
          ? `${what} used too much memory (limit: ${this.o.memoryMb} MB): look for data that grows without bound, or a huge value thrown or printed`
          : `${what} crashed the grading process: the submission could not be graded`;
    const results = notGradable(ex, [{ file: ex.meta.files[0] ?? "submission", line: 1, column: 1, message }], Math.round(elapsedMs), "Your code could not be graded");
    results.stoppedBy = reason;
    return results;
  }

  private finish(results: Results): Results {
    return ResultsSchema.parse(boundResults(results, this.options.maxResultsBytes));
  }
}

/** Create the grader the site uses once at start-up; call close() at shutdown. */
export function createWorkerGrader(options: WorkerGraderOptions = {}): WorkerGrader {
  return new WorkerGrader(options);
}
