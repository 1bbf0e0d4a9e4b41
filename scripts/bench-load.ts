/*
 * npm run bench -- load [--json] [--burst=300] [--queues=inprocess,pgboss] [--skip-drain]
 *                       [--skip-http] [--connections=200] [--seconds=20] [--rate=1]
 *                       [--encoding=browser|identity]
 *
 * 1. Submission bursts: `burst` learners submit the reference solution of
 *    00-tools at once through the data access layer, graded by the real
 *    grader; the figure is the time from the first submission until every
 *    one is recorded, and a check that none is lost or recorded twice:
 *    - in-process queue on the embedded database (PGlite);
 *    - pg-boss on PostgreSQL with 1 and with 2 `npm run worker` processes.
 * 2. HTTP: `connections` concurrent signed-in learners (each its own
 *    session) on the main pages (catalog, a lesson, the glossary, sign-in,
 *    sign-up, the dashboard) and the dashboard's and progress JSON of a
 *    running site (`next start` on the embedded database), asking for
 *    compressed answers as browsers do (`--encoding=identity`: uncompressed),
 *    three times per endpoint:
 *    - learners (scripts/learner-load.ts): each learner (connection) asks
 *      `rate` times a second from its own random phase (a learner reading a
 *      lesson asks far less often), latencies counted from when the learner
 *      meant to ask (coordinated omission corrected); p50/p95/p99 latency
 *      and errors: the target;
 *    - in step: the same, every learner asking at the same instant (a burst
 *      of `connections` requests every 1/rate s): the worst case;
 *    - saturation (autocannon): every connection asks again as soon as it is
 *      answered; the figure is the throughput (requests per second) the site
 *      sustains. Its latency is connections / throughput by construction, so
 *      it is not the target's measure.
 *    Between runs the bench waits until the site answers at once again, so
 *    one endpoint's backlog does not count against the next.
 * PostgreSQL runs as a throwaway cluster on 127.0.0.1 (Debian's postgresql).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDal } from "../lib/server/dal";
import { type Database, openDatabase } from "../lib/server/db";
import { loadCatalog } from "../lib/server/exercises";
import { createGraderPool } from "../lib/server/grader";
import { REPO_ROOT } from "../lib/server/paths";
import { InProcessQueue } from "../lib/server/queue/inprocess";
import { PgBossQueue } from "../lib/server/queue/pgboss";
import type { GradingQueue } from "../lib/server/queue/types";
import { graderVersion } from "../lib/server/server";
import { learnerLoad } from "./learner-load";
import { startPostgres } from "../test/support/postgres";
import { findExercise, readReference } from "rmap-grader";

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

export async function benchDrain(n: number, report: (d: DrainFigure) => void = () => undefined, queues: readonly string[] = ["inprocess", "pgboss"]): Promise<DrainFigure[]> {
  const out: DrainFigure[] = [];
  const push = (d: DrainFigure) => {
    out.push(d);
    report(d);
  };
  const catalog = loadCatalog();
  if (queues.includes("inprocess")) await benchInProcess(n, catalog, push);
  if (queues.includes("pgboss")) await benchPgBoss(n, catalog, push);
  return out;
}

async function benchInProcess(n: number, catalog: ReturnType<typeof loadCatalog>, push: (d: DrainFigure) => void): Promise<void> {
  // The site's grading: one worker grader (its own limited process), as with GRADER_CONCURRENCY=1.
  const grader = createGraderPool(1);
  // Warm the worker's checker once, as a running site has.
  await grader(catalog.get(EXERCISE)!.dir, readReference(findExercise(EXERCISE), "solution"));

  const lite = await openDatabase({ dataDir: join(mkdtempSync(join(tmpdir(), "rmap-bench-")), "data") });
  const inproc = new InProcessQueue({ prisma: lite.prisma, catalog, grade: grader, graderVersion: graderVersion(), maxAttempts: 3, concurrency: 1 });
  push(await burst(lite, inproc, n, "in-process, embedded PGlite"));
  await inproc.stop();
  await lite.close();
  await grader.close();
}

async function benchPgBoss(n: number, catalog: ReturnType<typeof loadCatalog>, push: (d: DrainFigure) => void): Promise<void> {
  const pg = await startPostgres();
  try {
    for (const workers of [1, 2]) {
      const url = await pg.createDatabase(`bench_${workers}`);
      const db = await openDatabase({ databaseUrl: url, poolSize: 20 });
      const site = new PgBossQueue({ prisma: db.prisma, catalog, grade: async () => Promise.reject(new Error("the site does not grade")), graderVersion: "", maxAttempts: 3, connectionString: url, work: false, concurrency: 1, expireInSeconds: 120 });
      await site.start();
      const procs = Array.from({ length: workers }, () => startWorker(url));
      await Promise.all(procs.map((p) => waitForLine(p, /\[worker\] graders ready/)));
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
}

export interface HttpFigure {
  endpoint: string;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
  /** p99 and errors when every learner asks at the same instant. */
  inStepP99ms: number;
  inStepErrors: number;
  /** Requests per second per learner (connection). */
  rate: number;
  /** Throughput when every connection asks again as soon as it is answered. */
  saturationPerSecond: number;
  saturationErrors: number;
}

/** Signs a learner up and in through the site's own endpoints; returns the session cookie. */
async function signedInLearner(base: string, i: number): Promise<string> {
  const email = `load-${i}@bench.example.org`;
  const password = "correct horse battery";
  const up = await fetch(`${base}/api/signup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password, name: `Load ${i}` }) });
  if (up.status !== 201) throw new Error(`sign-up of ${email}: ${up.status} ${await up.text()}`);
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/dashboard` }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in of ${email} gave no session (${res.status})`);
  return session.split(";")[0]!;
}

/** Waits until `url` answers within `fastMs` (the previous run's backlog is drained), for at most `maxMs`. */
async function quiet(url: string, cookie: string, fastMs = 100, maxMs = 60_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const t0 = performance.now();
    await (await fetch(url, { headers: { cookie } })).arrayBuffer();
    if (performance.now() - t0 < fastMs) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `acceptEncoding`: sent with every request, as browsers send "gzip, deflate, br"; absent, the site answers uncompressed. */
export async function benchHttp(connections = 200, seconds = 20, rate = 1, acceptEncoding?: string): Promise<HttpFigure[]> {
  const { default: autocannon } = await import("autocannon");
  const { ensureBuild, freePort, serve } = await import("./site-build");
  await ensureBuild();
  const port = await freePort();
  process.env.DATA_DIR = join(mkdtempSync(join(tmpdir(), "rmap-bench-site-")), "data");
  process.env.NEXTAUTH_URL = `http://localhost:${port}`;
  const site = await serve(port, { quiet: true });
  try {
    const cookies: string[] = [];
    for (let i = 0; i < connections; i += 10) {
      cookies.push(...(await Promise.all(Array.from({ length: Math.min(10, connections - i) }, (_, k) => signedInLearner(site.url, i + k)))));
    }
    const out: HttpFigure[] = [];
    for (const path of ["/", `/lessons/${EXERCISE}`, "/glossary", "/signin", "/signup", "/dashboard", "/api/dashboard", "/api/progress"]) {
      const learners = async (inStep: boolean) => {
        await quiet(site.url + path, cookies[0]!);
        return learnerLoad(site.url + path, { learners: connections, rate, seconds, inStep, cookie: (i) => cookies[i % cookies.length], ...(acceptEncoding ? { acceptEncoding } : {}) });
      };
      const saturate = async () => {
        await quiet(site.url + path, cookies[0]!);
        let next = 0;
        return autocannon({
          url: site.url,
          connections,
          duration: seconds,
          requests: [
            {
              method: "GET",
              path,
              setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
                context.cookie ??= cookies[next++ % cookies.length];
                return { ...req, headers: { ...(req.headers as object), cookie: context.cookie as string, ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) } };
              },
            },
          ],
        } as Parameters<typeof autocannon>[0]);
      };
      const r = await learners(false);
      const inStep = await learners(true);
      const sat = await saturate();
      out.push({
        endpoint: path,
        connections,
        seconds,
        rate,
        requests: r.requests,
        perSecond: r.perSecond,
        p50ms: r.p50ms,
        p95ms: r.p95ms,
        p99ms: r.p99ms,
        errors: r.errors,
        non2xx: r.non2xx,
        inStepP99ms: inStep.p99ms,
        inStepErrors: inStep.errors + inStep.non2xx,
        saturationPerSecond: Math.round(sat.requests.average),
        saturationErrors: sat.errors + sat.timeouts,
      });
    }
    return out;
  } finally {
    await site.stop();
  }
}

export async function benchLoad(args: string[]): Promise<Record<string, unknown>> {
  const n = Number(args.find((a) => a.startsWith("--burst="))?.slice(8) ?? "300");
  if (!Number.isInteger(n) || n < 1) throw new Error("--burst=N needs a positive whole number");
  console.log(`submission bursts (${n} learners submit ${EXERCISE}'s solution at once; real grader)`);
  console.log("| queue | accepted in ms | drained in ms | gradings/s | lost | each recorded once |");
  console.log("|---|---|---|---|---|---|");
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const queues = (flag("queues") ?? "inprocess,pgboss").split(",");
  for (const q of queues) if (q !== "inprocess" && q !== "pgboss") throw new Error(`--queues: ${q} is not inprocess or pgboss`);
  const connections = Number(flag("connections") ?? "200");
  const seconds = Number(flag("seconds") ?? "20");
  const rate = Number(flag("rate") ?? "1");
  if (!Number.isInteger(connections) || connections < 1 || !Number.isInteger(seconds) || seconds < 1) throw new Error("--connections and --seconds need positive whole numbers");
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error("--rate needs a positive number of requests per second per learner");
  const encoding = flag("encoding") ?? "browser";
  if (encoding !== "browser" && encoding !== "identity") throw new Error(`--encoding: ${encoding} is not browser (gzip, deflate, br asked for) or identity (uncompressed)`);
  const acceptEncoding = encoding === "browser" ? "gzip, deflate, br" : undefined;
  const drain = args.includes("--skip-drain") ? [] : await benchDrain(n, (d) => console.log(`| ${d.mode} | ${d.acceptMs} | ${d.drainMs} | ${d.perSecond} | ${d.lost} | ${d.recordedOnce ? "yes" : "NO"} |`), queues);
  if (args.includes("--skip-http")) return { drain };
  const http = await benchHttp(connections, seconds, rate, acceptEncoding);
  console.log(
    `HTTP (${connections} signed-in learners at ${rate} request/s each, ${seconds} s per endpoint, ${acceptEncoding ? `accept-encoding: ${acceptEncoding}` : "uncompressed"}, next start on the embedded database; then saturated)`,
  );
  console.log("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | non-2xx | in step: p99 ms | in step: errors | saturated req/s | saturated errors |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const h of http) {
    console.log(`| ${h.endpoint} | ${h.requests} | ${h.perSecond} | ${h.p50ms} | ${h.p95ms} | ${h.p99ms} | ${h.errors} | ${h.non2xx} | ${h.inStepP99ms} | ${h.inStepErrors} | ${h.saturationPerSecond} | ${h.saturationErrors} |`);
  }
  return { drain, http };
}
