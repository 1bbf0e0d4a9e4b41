/*
 * The grading queue on PostgreSQL with pg-boss: the site sends one job per
 * submission; `npm run worker` processes (on any number of machines, against
 * the same database) grade them.
 *
 * Durability: a job is locked while active; a worker killed mid-grade leaves
 * it active until `expireInSeconds`, when pg-boss's maintenance hands it to
 * another worker (as a retry). gradeSubmission records results at most once
 * per submission whatever the number of deliveries. pg-boss retries a grader
 * crash with exponential backoff; it is allowed one delivery more than
 * `maxAttempts` so the last one can record a submission whose gradings were
 * all interrupted as failed.
 */
import "server-only";
import PgBoss from "pg-boss";
import { GraderCrash, type GradingDeps, gradeSubmission } from "./grading";
import type { GradingQueue } from "./types";

export const QUEUE_NAME = "grade-submission";

export interface PgBossOptions extends GradingDeps {
  connectionString: string;
  /** Whether this process grades (the site only sends when separate workers run). */
  work: boolean;
  concurrency: number;
  /** Seconds before an active job whose worker went silent is handed to another. */
  expireInSeconds: number;
  /** Base delay of the crash backoff, seconds. */
  retryDelaySeconds?: number;
  /** How often workers poll for jobs (pg-boss minimum 0.5 s). */
  pollingIntervalSeconds?: number;
  /** How often expired jobs are looked for (at least 1 s). */
  maintenanceIntervalSeconds?: number;
  log?: (message: string) => void;
}

export class PgBossQueue implements GradingQueue {
  readonly kind = "pgboss" as const;
  readonly boss: PgBoss;

  constructor(private readonly o: PgBossOptions) {
    this.boss = new PgBoss({
      connectionString: o.connectionString,
      schema: "pgboss",
      application_name: o.work ? "rmap-grading-worker" : "rmap-site",
      max: Math.max(4, o.concurrency + 2),
      supervise: true,
      maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 10,
      monitorStateIntervalSeconds: 60,
    });
    this.boss.on("error", (e) => o.log?.(`pg-boss: ${e.message}`));
  }

  async start(): Promise<void> {
    await this.boss.start();
    const queue = {
      name: QUEUE_NAME,
      policy: "standard" as const,
      retryLimit: this.o.maxAttempts,
      retryDelay: this.o.retryDelaySeconds ?? 2,
      retryBackoff: true,
      expireInSeconds: this.o.expireInSeconds,
    };
    await this.boss.createQueue(QUEUE_NAME, queue);
    await this.boss.updateQueue(QUEUE_NAME, queue);
    if (!this.o.work) return;
    for (let i = 0; i < this.o.concurrency; i++) {
      await this.boss.work<{ submissionId: string }>(
        QUEUE_NAME,
        { batchSize: 1, pollingIntervalSeconds: this.o.pollingIntervalSeconds ?? 0.5 },
        async ([job]) => {
          if (!job) return;
          try {
            const outcome = await gradeSubmission(this.o, job.data.submissionId);
            if (outcome.kind === "failed") this.o.log?.(`grading ${job.data.submissionId}: ${outcome.error}`);
          } catch (e) {
            if (e instanceof GraderCrash) this.o.log?.(`grading ${job.data.submissionId}: grader crashed (attempt ${e.attempt}): ${e.message}; pg-boss retries it`);
            throw e;
          }
        },
      );
    }
  }

  async enqueue(submissionId: string): Promise<void> {
    await this.boss.send(QUEUE_NAME, { submissionId });
  }

  /**
   * Re-sends submissions still queued after `olderThanSeconds` with no job
   * (the site stopped between storing a submission and sending its job).
   * A duplicate job is harmless: the submission is recorded once.
   */
  async resendStranded(olderThanSeconds: number): Promise<number> {
    const stranded = await this.o.prisma.$queryRaw<{ id: string }[]>`
      SELECT s."id" FROM "Submission" s
      WHERE s."status" = 'queued' AND s."createdAt" < now() - make_interval(secs => ${olderThanSeconds})
        AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${QUEUE_NAME} AND j.data->>'submissionId' = s."id" AND j.state < 'completed')`;
    for (const s of stranded) await this.enqueue(s.id);
    return stranded.length;
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}
