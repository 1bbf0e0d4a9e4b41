import type { SubmissionSink } from "../dal";

/**
 * One grading queue interface, two implementations chosen once at start
 * (lib/server/queue/index.ts): an in-process worker pool, and pg-boss on
 * PostgreSQL with workers in any number of processes (`npm run worker`).
 */
export interface GradingQueue extends SubmissionSink {
  readonly kind: "inprocess" | "pgboss";
  /** Starts accepting work; with workers, also re-queues submissions left queued or grading by a stopped process. */
  start(): Promise<void>;
  /** Stops taking new jobs and waits for running gradings to finish. */
  stop(): Promise<void>;
}
