/*
 * The in-process grading queue: a pool of `concurrency` gradings inside the
 * server (the embedded default needs nothing else). The database row is the
 * durable record: a submission is stored before it is queued here, so one
 * left queued or grading by a stopped process is picked up again at start().
 */
import "server-only";
import { backoffMs, GraderCrash, type GradingDeps, gradeSubmission } from "./grading";
import type { GradingQueue } from "./types";

export interface InProcessOptions extends GradingDeps {
  concurrency: number;
  /** Base of the crash backoff (doubles per attempt). */
  backoffBaseMs?: number;
  log?: (message: string) => void;
}

export class InProcessQueue implements GradingQueue {
  readonly kind = "inprocess" as const;
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: InProcessOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    const left = await this.o.prisma.submission.findMany({
      where: { status: { in: ["queued", "grading"] } },
      orderBy: { createdAt: "asc" },
      select: { id: true },
    });
    for (const s of left) await this.enqueue(s.id);
  }

  async enqueue(submissionId: string): Promise<void> {
    if (this.queued.has(submissionId)) return;
    this.queued.add(submissionId);
    this.pending.push(submissionId);
    this.pump();
  }

  /** Resolves when nothing is pending, running or waiting to retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private isIdle() {
    return this.pending.length === 0 && this.running === 0 && this.timers.size === 0;
  }

  private pump() {
    while (!this.stopped && this.running < this.o.concurrency && this.pending.length > 0) {
      const id = this.pending.shift()!;
      this.running++;
      void this.run(id).finally(() => {
        this.running--;
        this.pump();
        if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async run(id: string) {
    try {
      await gradeSubmission(this.o, id);
      this.queued.delete(id);
    } catch (e) {
      if (e instanceof GraderCrash && !this.stopped) {
        const delay = backoffMs(e.attempt, this.o.backoffBaseMs);
        this.o.log?.(`grading ${id}: grader crashed (attempt ${e.attempt}): ${e.message}; retrying in ${delay} ms`);
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.pending.push(id);
          this.pump();
        }, delay);
        this.timers.add(t);
      } else {
        // The database itself failed: leave the row queued/grading; start() picks it up again.
        this.queued.delete(id);
        this.o.log?.(`grading ${id}: ${(e as Error).message}`);
      }
    }
  }
}
