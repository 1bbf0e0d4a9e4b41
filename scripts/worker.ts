/*
 * `npm run worker`: a grading worker. Needs DATABASE_URL (PostgreSQL) and
 * GRADING_QUEUE=pgboss (the default with DATABASE_URL); start as many as
 * wanted, on any machines that reach the database and hold this repository.
 * Each grades GRADER_CONCURRENCY submissions at once, each in a worker
 * grader's own limited process. SIGINT/SIGTERM finish the gradings in
 * progress, then exit.
 */
import { EnvError } from "../lib/server/env";
import type { PgBossQueue } from "../lib/server/queue/pgboss";
import { workerServer } from "../lib/server/server";

async function main() {
  const s = await workerServer();
  const queue = s.queue as PgBossQueue;
  console.log(`[worker] grading with concurrency ${s.env.GRADER_CONCURRENCY} (pid ${process.pid})`);
  s.gradersReady().then(
    () => console.log("[worker] graders ready"),
    (e: Error) => console.error(`[worker] a grader did not start: ${e.message}`),
  );
  const sweep = setInterval(() => {
    queue.resendStranded(60).then(
      (n) => n && console.log(`[worker] re-sent ${n} stranded submission(s)`),
      (e: Error) => console.error(`[worker] sweep: ${e.message}`),
    );
  }, 60_000);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweep);
    console.log("[worker] stopping after the gradings in progress");
    await s.queue.stop();
    await s.db.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof EnvError ? e.message : e);
  process.exit(1);
});
