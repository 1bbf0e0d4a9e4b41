/*
 * Grading for the site: one long-lived grading process (scripts/grade-worker.ts,
 * the grader's public entry point), fed one submission at a time. A job is
 * "queued" until the process starts it, then "grading". A process that dies
 * or overruns a job's deadline is killed and its jobs fail with a message; the
 * next submission starts a fresh one.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type Results, ResultsSchema } from "rmap-schemas";

interface Job {
  resolve(r: Results): void;
  reject(e: Error): void;
  onGrading(): void;
  timer: ReturnType<typeof setTimeout>;
}

export class GradingProcess {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  constructor(
    private readonly root: string,
    private readonly jobTimeoutMs = 120_000,
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(process.execPath, ["--import", "tsx", join(this.root, "scripts", "grade-worker.ts")], {
      cwd: this.root,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      let m: { id: number; status?: string; results?: unknown; error?: string };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        return;
      }
      const job = this.jobs.get(m.id);
      if (!job) return;
      if (m.status === "grading") return job.onGrading();
      clearTimeout(job.timer);
      this.jobs.delete(m.id);
      if (m.error !== undefined) job.reject(new Error(m.error));
      else {
        const parsed = ResultsSchema.safeParse(m.results);
        if (parsed.success) job.resolve(parsed.data);
        else job.reject(new Error("the grader returned results that do not fit the results schema"));
      }
    });
    child.stderr.on("data", (d: Buffer) => process.stderr.write(`[grader] ${d.toString()}`));
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      for (const [id, job] of this.jobs) {
        clearTimeout(job.timer);
        job.reject(new Error(`the grading process stopped (${signal ?? `exit ${code}`}); please submit again`));
        this.jobs.delete(id);
      }
    });
    this.child = child;
    return child;
  }

  grade(exerciseDir: string, files: Record<string, string>, onGrading: () => void): Promise<Results> {
    const child = this.start();
    const id = this.nextId++;
    return new Promise<Results>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The process is wedged: kill it; its exit handler fails every job it held.
        child.kill("SIGKILL");
      }, this.jobTimeoutMs);
      this.jobs.set(id, { resolve, reject, onGrading, timer });
      child.stdin.write(JSON.stringify({ id, exerciseDir, files }) + "\n");
    });
  }

  stop(): void {
    this.child?.kill();
  }
}

const g = globalThis as unknown as { __rmapGrading?: GradingProcess };
/** The server's one grading process (kept across module reloads in development). */
export function gradingProcess(): GradingProcess {
  g.__rmapGrading ??= new GradingProcess(process.cwd());
  return g.__rmapGrading;
}
