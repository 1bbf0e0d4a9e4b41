/*
 * The server's one instance of everything, built once per process from the
 * validated environment: database (migrated), exercise catalog, grader,
 * grading queue and the data access layer. Pages, route handlers and
 * next-auth reach learner state only through `server().dal`.
 */
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createDal, type Dal } from "./dal";
import { type Database, openDatabase } from "./db";
import { type Env, env as loadEnv } from "./env";
import { type Catalog, loadCatalog } from "./exercises";
import { REPO_ROOT } from "./paths";
import { createGraderPool } from "./grader";
import { createQueue, type GradingQueue } from "./queue";
import type { GradeFn, GradingDeps } from "./queue/grading";
import { RateLimiter } from "./rate-limit";
import { seedDemo, seedMessage, shouldSeed } from "./seed";

export interface Server {
  env: Env;
  db: Database;
  catalog: Catalog;
  queue: GradingQueue;
  dal: Dal;
  /** Signs next-auth tokens and anonymous cookies: NEXTAUTH_SECRET, or one kept in DATA_DIR for the embedded default. */
  authSecret: string;
  /** Anonymous submissions per network address (ANON_SUBMIT_LIMIT per SUBMIT_WINDOW_SECONDS). */
  anonLimiter: RateLimiter;
  /** Resolves when this process's graders have warmed up (at once where this process does not grade). */
  gradersReady(): Promise<void>;
}

/** A hash of the grader's source: recorded on each submission as `graderVersion`. */
export function graderVersion(root = REPO_ROOT): string {
  const h = createHash("sha256");
  const dir = join(root, "grader", "src");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) h.update(e.name).update(readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return h.digest("hex").slice(0, 12);
}

function localSecret(dataDir: string): string {
  const file = resolve(dataDir, "nextauth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

/**
 * `grade`: how this process grades; by default a pool of GRADER_CONCURRENCY
 * worker graders (lib/server/grader.ts), started only where this process
 * grades (the in-process queue, or a worker).
 */
async function build(role: "site" | "worker", grade?: GradeFn): Promise<Server> {
  const e = loadEnv();
  const db = await openDatabase({ databaseUrl: e.DATABASE_URL, dataDir: e.DATA_DIR });
  const where = db.kind === "pglite" ? `embedded database in ${db.location}` : `PostgreSQL at ${db.location}`;
  console.log(`[server] ${where}; migrations applied now: ${db.applied.length ? db.applied.join(", ") : "none (up to date)"}`);
  const catalog = loadCatalog();
  const log = (m: string) => console.log(`[grading] ${m}`);
  const grades = role === "worker" || e.GRADING_QUEUE === "inprocess";
  const notHere: GradeFn = () => Promise.reject(new Error("this process only sends submissions to the queue; `npm run worker` grades them"));
  const pool = !grade && grades ? createGraderPool(e.GRADER_CONCURRENCY, log) : undefined;
  const deps: GradingDeps = {
    prisma: db.prisma,
    catalog,
    grade: grade ?? pool ?? notHere,
    graderVersion: graderVersion(),
    maxAttempts: e.GRADE_MAX_ATTEMPTS,
  };
  const queue = createQueue(e, deps, role, log);
  await queue.start();
  const dal = createDal({
    prisma: db.prisma,
    catalog,
    queue,
    submitLimit: e.SUBMIT_LIMIT,
    submitWindowSeconds: e.SUBMIT_WINDOW_SECONDS,
    instructorSignup: e.INSTRUCTOR_SIGNUP,
    cache: db.cache,
  });
  if (role === "site" && (await shouldSeed(db.prisma, e.SEED_DEMO, db.kind === "pglite"))) {
    try {
      console.log(seedMessage(await seedDemo({ dal, prisma: db.prisma, ...(e.SEED_PASSWORD ? { password: e.SEED_PASSWORD } : {}) })));
    } catch (x) {
      // Another site process seeding the same database at the same moment wins; this one goes on.
      console.log(`[server] demo accounts not created: ${(x as Error)?.message ?? String(x)}`);
    }
  }
  const authSecret = e.NEXTAUTH_SECRET ?? localSecret(e.DATA_DIR);
  return { env: e, db, catalog, queue, dal, authSecret, anonLimiter: new RateLimiter(e.ANON_SUBMIT_LIMIT, e.SUBMIT_WINDOW_SECONDS * 1000), gradersReady: () => pool?.ready() ?? Promise.resolve() };
}

const g = globalThis as { __rmapServer?: Promise<Server> };

/** The process's server (built on first call; kept across hot reloads in development). */
export function server(): Promise<Server> {
  g.__rmapServer ??= build("site");
  return g.__rmapServer;
}

/** For `npm run worker`: the same wiring with a grading (not sending) queue; `grade` replaces the worker graders (tests). */
export function workerServer(grade?: GradeFn): Promise<Server> {
  return build("worker", grade);
}
