import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestDatabase, stopTestDatabases } from "../../../test/support/databases";
import { fakeResults } from "../../../test/support/results";
import { createDal } from "../dal";
import type { Database } from "../db";
import { loadCatalog } from "../exercises";
import { REPO_ROOT } from "../paths";
import { backoffMs, type GradeFn, gradeSubmission } from "./grading";
import { InProcessQueue } from "./inprocess";
import { PgBossQueue } from "./pgboss";

const catalog = loadCatalog();
const EX = "01-anon-vma";
const PASS = fakeResults(EX, [{ name: "a", passed: true }]);
const FAIL = fakeResults(EX, [{ name: "a", passed: false, scenario: "s", detector: "use-after-free" }]);

afterAll(async () => {
  await stopTestDatabases();
});

async function learnerWithSubmissions(db: Database, n: number, tag = "") {
  const user = await db.prisma.user.create({ data: { email: `l${Math.random()}@example.org` } });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = await db.prisma.submission.create({
      data: { userId: user.id, exerciseId: EX, files: { "rmap.ts": `// ${tag}${i}` }, exerciseVersion: "v" },
    });
    ids.push(s.id);
  }
  return { userId: user.id, ids };
}

describe.each(BACKENDS)("in-process grading queue on %s", (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.close();
  });

  const queue = (grade: GradeFn, concurrency = 2, maxAttempts = 3) =>
    new InProcessQueue({ prisma: db.prisma, catalog, grade, graderVersion: "g1", maxAttempts, concurrency, backoffBaseMs: 10 });

  it("grades every submission once, at most `concurrency` at a time, and updates progress", async () => {
    let running = 0;
    let peak = 0;
    const graded: string[] = [];
    let release!: () => void;
    const twoRunning = new Promise<void>((r) => (release = r));
    const q = queue(async (_dir, files) => {
      running++;
      peak = Math.max(peak, running);
      if (running === 2) release();
      // The first grading waits for a second one to start, so the pool's parallelism shows whatever the machine's load.
      await Promise.race([twoRunning, new Promise((r) => setTimeout(r, 10_000))]);
      graded.push(files["rmap.ts"]!);
      running--;
      return PASS;
    });
    const { userId, ids } = await learnerWithSubmissions(db, 12);
    for (const id of ids) await q.enqueue(id);
    await q.enqueue(ids[0]!);
    await q.idle();
    expect(peak).toBe(2);
    expect(graded.sort()).toEqual(ids.map((_, i) => `// ${i}`).sort());
    const rows = await db.prisma.submission.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.status === "done" && r.score === 1 && r.attempts === 1 && r.graderVersion === "g1")).toBe(true);
    expect(rows[0]!.timings).toMatchObject({ gradeMs: expect.any(Number), queueMs: expect.any(Number) });
    expect(await db.prisma.progress.findMany({ where: { userId } })).toMatchObject([{ lessonSlug: catalog.get(EX)!.lessonSlug, bestScore: 1 }]);
  });

  it("retries a grader crash with backoff, never a learner's failing code", async () => {
    const calls: number[] = [];
    let crashes = 1;
    const q = queue(async () => {
      calls.push(Date.now());
      if (crashes-- > 0) throw new Error("worker process exited with signal SIGSEGV");
      return FAIL;
    });
    const { ids } = await learnerWithSubmissions(db, 1);
    await q.enqueue(ids[0]!);
    await q.idle();
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(10);
    expect(await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ status: "done", score: 0, attempts: 2, gradable: true });
    expect(backoffMs(1)).toBe(1000);
    expect(backoffMs(3)).toBe(4000);
    expect(backoffMs(30)).toBe(60_000);
  });

  it("records a submission as failed (no attempt spent) after maxAttempts crashes or malformed results", async () => {
    let calls = 0;
    const q = queue(async () => {
      calls++;
      return (calls === 2 ? { score: 7 } : Promise.reject(new Error("out of memory"))) as never;
    }, 1, 3);
    const { ids } = await learnerWithSubmissions(db, 1);
    await q.enqueue(ids[0]!);
    await q.idle();
    expect(calls).toBe(3);
    const s = await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } });
    expect(s).toMatchObject({ status: "failed", attempts: 3, score: null });
    expect(s.error).toMatch(/the grader failed 3 times \(out of memory\); this submission costs no attempt/);
  });

  it("picks up, at start, submissions a stopped process left queued or grading, and records each once", async () => {
    const { ids } = await learnerWithSubmissions(db, 2);
    // As a process killed mid-grade leaves it: claimed once, never recorded.
    await db.prisma.submission.update({ where: { id: ids[1]! }, data: { status: "grading", attempts: 1, startedAt: new Date() } });
    const graded: string[] = [];
    const q = queue(async (_d, files) => {
      graded.push(files["rmap.ts"]!);
      return PASS;
    });
    await q.start();
    await q.idle();
    expect(graded.sort()).toEqual(["// 0", "// 1"]);
    const rows = await db.prisma.submission.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["done", 1],
      ["done", 2],
    ]);
  });

  it("a grading that was presumed dead cannot overwrite the later grading's record", async () => {
    const { ids } = await learnerWithSubmissions(db, 1);
    const deps = { prisma: db.prisma, catalog, graderVersion: "g", maxAttempts: 3 };
    let release!: () => void;
    const firstRun = gradeSubmission({ ...deps, grade: () => new Promise((r) => (release = () => r(FAIL))) }, ids[0]!);
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const second = await gradeSubmission({ ...deps, grade: async () => PASS }, ids[0]!);
    release();
    expect(second).toMatchObject({ kind: "recorded", score: 1 });
    expect(await firstRun).toEqual({ kind: "skipped", reason: "claimed by another run" });
    expect(await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ status: "done", score: 1, attempts: 2 });
    expect(await gradeSubmission({ ...deps, grade: async () => FAIL }, ids[0]!)).toEqual({ kind: "skipped", reason: "already done" });
  });

  it("grades an anonymous submission and records it, with no progress row (no account to hold it)", async () => {
    const q = queue(async () => PASS);
    const s = await db.prisma.submission.create({ data: { anonId: "C".repeat(22), exerciseId: EX, files: { "rmap.ts": "//" }, exerciseVersion: "v" } });
    const progressBefore = await db.prisma.progress.count();
    await q.enqueue(s.id);
    await q.idle();
    expect(await db.prisma.submission.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ status: "done", score: 1, attempts: 1 });
    expect(await db.prisma.progress.count()).toBe(progressBefore);
  });

  it("submissions through the data access layer reach the queue and are graded", async () => {
    const q = queue(async () => PASS);
    const dal = createDal({ prisma: db.prisma, catalog, queue: q, submitLimit: 5, submitWindowSeconds: 60, instructorSignup: "open" });
    const u = await dal.signUp(null, { email: "dal@example.org", password: "long enough pw", name: "D" });
    const s = await dal.submit({ userId: u.id }, { exerciseId: EX, files: { "rmap.ts": "//" } });
    await q.idle();
    expect(await dal.getSubmission({ userId: u.id }, s.id)).toMatchObject({ status: "done", score: 1 });
  });
});

function startWorker(url: string, gradeMs: number, expireSeconds: number): { child: ChildProcess; lines: string[]; waitFor(line: string): Promise<void> } {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", join(REPO_ROOT, "test", "support", "queue-worker.ts"), url, String(expireSeconds)], {
    cwd: REPO_ROOT,
    env: { ...process.env, GRADE_MS: String(gradeMs) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buf = "";
  let stderr = "";
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.filter((w) => w.line === line)) w.resolve();
    }
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    lines,
    waitFor: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            waiters.push({ line, resolve });
            child.once("exit", (code) => reject(new Error(`worker exited (${code}) before printing "${line}": ${stderr}`)));
          }),
  };
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("pg-boss grading queue on PostgreSQL", () => {
  let db: Database & { url?: string };
  let site: PgBossQueue;
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    site = new PgBossQueue({ prisma: db.prisma, catalog, grade: async () => PASS, graderVersion: "g", maxAttempts: 3, connectionString: db.url!, work: false, concurrency: 1, expireInSeconds: 3 });
    await site.start();
  });
  afterAll(async () => {
    await site?.stop();
    await db?.close();
  });

  it("two workers drain a burst: every submission graded and recorded once", async () => {
    const seen: string[] = [];
    const workers = [1, 2].map(
      () =>
        new PgBossQueue({
          prisma: db.prisma,
          catalog,
          grade: async (_d, files) => {
            seen.push(files["rmap.ts"]!);
            return PASS;
          },
          graderVersion: "g",
          maxAttempts: 3,
          connectionString: db.url!,
          work: true,
          concurrency: 2,
          expireInSeconds: 3,
        }),
    );
    await Promise.all(workers.map((w) => w.start()));
    try {
      const { ids } = await learnerWithSubmissions(db, 40, "burst");
      for (const id of ids) await site.enqueue(id);
      await until("the burst to drain", async () => (await db.prisma.submission.count({ where: { id: { in: ids }, status: "done" } })) === ids.length);
      expect(seen.length).toBe(ids.length);
      expect(new Set(seen).size).toBe(ids.length);
      expect(await db.prisma.submission.count({ where: { id: { in: ids }, attempts: 1 } })).toBe(ids.length);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it("a worker process killed mid-grade: the submission is graded again by another worker and recorded once", async () => {
    const { userId, ids } = await learnerWithSubmissions(db, 1, "killed");
    const marker = "// killed0";
    const doomed = startWorker(db.url!, 600_000, 3);
    await doomed.waitFor("ready");
    await site.enqueue(ids[0]!);
    await doomed.waitFor(`grading ${marker}`);
    expect(await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ status: "grading", attempts: 1 });
    doomed.child.kill("SIGKILL");
    await new Promise((r) => doomed.child.once("exit", r));

    const rescuer = startWorker(db.url!, 0, 3);
    try {
      await rescuer.waitFor("ready");
      const done = await until("the submission to be recorded", async () => {
        const s = await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } });
        return s.status === "done" && s;
      });
      expect(done).toMatchObject({ score: 1, attempts: 2 });
      // Give a duplicate delivery the time to show up, then check nothing was graded or recorded twice.
      await new Promise((r) => setTimeout(r, 4000));
      expect(rescuer.lines.filter((l) => l === `grading ${marker}`)).toHaveLength(1);
      expect(await db.prisma.submission.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ status: "done", attempts: 2, finishedAt: done.finishedAt });
      expect(await db.prisma.progress.count({ where: { userId } })).toBe(1);
    } finally {
      rescuer.child.kill("SIGTERM");
    }
  });

  it("re-sends a submission stored while no job was sent", async () => {
    const { ids } = await learnerWithSubmissions(db, 1, "stranded");
    await db.prisma.submission.update({ where: { id: ids[0]! }, data: { createdAt: new Date(Date.now() - 120_000) } });
    expect(await site.resendStranded(60)).toBe(1);
    expect(await site.resendStranded(60)).toBe(0);
  });
});
