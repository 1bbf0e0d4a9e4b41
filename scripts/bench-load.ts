/*
 * npm run bench -- load [--json] [--burst=300] [--skip-http]
 *
 * 1. Submission bursts: `burst` learners submit the reference solution of
 *    00-tools at once through the data access layer, graded by the real
 *    grader; the figure is the time from the first submission until every
 *    one is recorded, and a check that none is lost or recorded twice:
 *    - in-process queue on the embedded database (PGlite);
 *    - pg-boss on PostgreSQL with 1 and with 2 `npm run worker` processes.
 * 2. HTTP: 200 concurrent signed-in learners on a lesson page and the
 *    progress endpoint of a running site (`next start` on the embedded
 *    database), with autocannon; p50/p99 latency and errors.
 * PostgreSQL runs as a throwaway cluster on 127.0.0.1 (Debian's postgresql).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDal } from "../lib/server/dal";
import { type Database, openDatabase } from "../lib/server/db";
import { loadCatalog } from "../lib/server/exercises";
import { REPO_ROOT } from "../lib/server/paths";
import { InProcessQueue } from "../lib/server/queue/inprocess";
import { PgBossQueue } from "../lib/server/queue/pgboss";
import type { GradingQueue } from "../lib/server/queue/types";
import { graderVersion } from "../lib/server/server";
import { startPostgres } from "../test/support/postgres";
import { createLocalGrader, findExercise, readReference } from "rmap-grader";

const EXERCISE = "00-tools";

export interface DrainFigure {
  mode: string;
  submissions: number;
  acceptMs: number;
  drainMs: number;
  perSecond: number;
  recordedOnce: boolean;
  lost: number;
}

async function burst(db: Database, queue: GradingQueue, n: number, mode: string): Promise<DrainFigure> {
  const catalog = loadCatalog();
  const dal = createDal({ prisma: db.prisma, catalog, queue, submitLimit: 10, submitWindowSeconds: 60, instructorSignup: "open" });
  const files = readReference(findExercise(EXERCISE), "solution");
  const users = [];
  for (let i = 0; i < n; i++) users.push(await db.prisma.user.create({ data: { email: `${mode.replace(/\W/g, "")}-${i}@bench.example.org` } }));
  const t0 = performance.now();
  const subs = await Promise.all(users.map((u) => dal.submit({ userId: u.id }, { exerciseId: EXERCISE, files })));
  const acceptMs = performance.now() - t0;
  const ids = subs.map((s) => s.id);
  for (;;) {
    const finished = await db.prisma.submission.count({ where: { id: { in: ids }, status: { in: ["done", "failed"] } } });
    if (finished === n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const drainMs = performance.now() - t0;
  const rows = await db.prisma.submission.findMany({ where: { id: { in: ids } }, select: { status: true, attempts: true, score: true } });
  return {
    mode,
    submissions: n,
    acceptMs: Math.round(acceptMs),
    drainMs: Math.round(drainMs),
    perSecond: Math.round((n / drainMs) * 1000 * 10) / 10,
    recordedOnce: rows.every((r) => r.status === "done" && r.attempts === 1 && r.score === 1),
    lost: n - rows.filter((r) => r.status === "done").length,
  };
}

function startWorker(url: string): ChildProcess {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", join(REPO_ROOT, "scripts", "worker.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: url, GRADING_QUEUE: "pgboss", GRADER_CONCURRENCY: "1", NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout!.on("error", () => undefined);
  return child;
}

async function waitForLine(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) resolve();
    });
    child.once("exit", (c) => reject(new Error(`worker exited (${c}) before it was ready`)));
  });
}

export async function benchDrain(n: number, report: (d: DrainFigure) => void = () => undefined): Promise<DrainFigure[]> {
  const out: DrainFigure[] = [];
  const push = (d: DrainFigure) => {
    out.push(d);
    report(d);
  };
  const grader = createLocalGrader();
  const catalog = loadCatalog();
  // Warm the grader's checker once, as a running site has.
  await grader.grade(catalog.get(EXERCISE)!.dir, readReference(findExercise(EXERCISE), "solution"));

  const lite = await openDatabase({ dataDir: join(mkdtempSync(join(tmpdir(), "rmap-bench-")), "data") });
  const inproc = new InProcessQueue({ prisma: lite.prisma, catalog, grade: (d, f) => grader.grade(d, f), graderVersion: graderVersion(), maxAttempts: 3, concurrency: 1 });
  push(await burst(lite, inproc, n, "in-process, embedded PGlite"));
  await inproc.stop();
  await lite.close();

  const pg = await startPostgres();
  try {
    for (const workers of [1, 2]) {
      const url = await pg.createDatabase(`bench_${workers}`);
      const db = await openDatabase({ databaseUrl: url, poolSize: 20 });
      const site = new PgBossQueue({ prisma: db.prisma, catalog, grade: async () => Promise.reject(new Error("the site does not grade")), graderVersion: "", maxAttempts: 3, connectionString: url, work: false, concurrency: 1, expireInSeconds: 120 });
      await site.start();
      const procs = Array.from({ length: workers }, () => startWorker(url));
      await Promise.all(procs.map((p) => waitForLine(p, /\[worker\] grading with concurrency/)));
      // Each worker pays its checker's start-up before the burst, as long-running workers have.
      push(await burst(db, site, n, `pg-boss, PostgreSQL, ${workers} worker process${workers > 1 ? "es" : ""}`));
      for (const p of procs) p.kill("SIGTERM");
      await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once("exit", r)))));
      await site.stop();
      await db.close();
    }
  } finally {
    await pg.stop();
  }
  return out;
}

export async function benchLoad(args: string[]): Promise<Record<string, unknown>> {
  const n = Number(args.find((a) => a.startsWith("--burst="))?.slice(8) ?? "300");
  if (!Number.isInteger(n) || n < 1) throw new Error("--burst=N needs a positive whole number");
  console.log(`submission bursts (${n} learners submit ${EXERCISE}'s solution at once; real grader)`);
  console.log("| queue | accepted in ms | drained in ms | gradings/s | lost | each recorded once |");
  console.log("|---|---|---|---|---|---|");
  const drain = await benchDrain(n, (d) => console.log(`| ${d.mode} | ${d.acceptMs} | ${d.drainMs} | ${d.perSecond} | ${d.lost} | ${d.recordedOnce ? "yes" : "NO"} |`));
  return { drain };
}
