import "server-only";
import type { Env } from "../env";
import type { GradingDeps } from "./grading";
import { InProcessQueue } from "./inprocess";
import { PgBossQueue } from "./pgboss";
import type { GradingQueue } from "./types";

export type { GradingQueue } from "./types";

/**
 * The queue chosen once at start from the environment. `role`: the site
 * grades in-process with the inprocess queue and only sends with pgboss;
 * a worker process grades.
 */
export function createQueue(env: Env, deps: GradingDeps, role: "site" | "worker", log?: (m: string) => void): GradingQueue {
  if (env.GRADING_QUEUE === "pgboss") {
    return new PgBossQueue({
      ...deps,
      connectionString: env.DATABASE_URL!,
      work: role === "worker",
      concurrency: env.GRADER_CONCURRENCY,
      expireInSeconds: env.GRADE_JOB_TIMEOUT_SECONDS,
      log,
    });
  }
  if (role === "worker") throw new Error("npm run worker needs GRADING_QUEUE=pgboss and DATABASE_URL: the in-process queue grades inside the site");
  return new InProcessQueue({ ...deps, concurrency: env.GRADER_CONCURRENCY, log });
}
