import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, stopTestDatabases } from "../../test/support/databases";
import { fakeResults } from "../../test/support/results";
import { catalog, EX, type Expect, makeWorld, SOURCE, type Who, type World } from "../../test/support/world";
import { type Actor, type Dal, finalScore, lateness, LIMITS } from "./dal";
import { DalError } from "./errors";
import { gradeSubmission, type GradeFn } from "./queue/grading";

const DAY = 86_400_000;

afterAll(async () => {
  await stopTestDatabases();
});

async function outcome(p: Promise<unknown>): Promise<{ expect: Expect | string; value?: unknown }> {
  try {
    return { expect: "ok", value: await p };
  } catch (e) {
    if (e instanceof DalError) return { expect: e.code };
    throw e;
  }
}

type Case = [Who, Expect, ((v: unknown, w: World) => void)?];
let signups = 0;
let assignmentsMade = 0;

/** Every DAL function, who may call it on cohort A's data, and what the others get. */
const TABLE: Record<keyof Dal, { call: (w: World, a: Actor) => Promise<unknown>; cases: Case[] }> = {
  signUp: {
    call: (_w, a) => createdAccount(a),
    cases: [["anonymous", "ok"], ["learnerA", "ok"]],
  },
  signUpOptions: {
    call: (w, a) => w.dal.signUpOptions(a),
    cases: [["anonymous", "ok", (v) => expect(v).toEqual({ instructorSignup: true })], ["learnerA", "ok"]],
  },
  verifyCredentials: {
    call: (w, a) => w.dal.verifyCredentials(a, { email: "ada@example.org", password: "no password set" }),
    cases: [["anonymous", "ok", (v) => expect(v).toBeNull()]],
  },
  me: {
    call: (w, a) => w.dal.me(a),
    cases: [["anonymous", "unauthenticated"], ["learnerA", "ok", (v) => expect((v as { email: string }).email).toBe("ada@example.org")]],
  },
  setRole: {
    call: (w, a) => w.dal.setRole(a, { userId: w.ids.userA, role: "learner" }),
    cases: [["anonymous", "unauthenticated"], ["learnerA", "forbidden"], ["instructorA", "forbidden"], ["admin", "ok"]],
  },
  dashboard: {
    call: (w, a) => w.dal.dashboard(a),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerB", "ok", (v, w) => expect((v as { submissions: { id: string }[] }).submissions.map((s) => s.id)).toEqual([w.ids.submissionB])],
    ],
  },
  getDraft: {
    call: (w, a) => w.dal.getDraft(a, EX),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerA", "ok", (v) => expect((v as { files: unknown }).files).toEqual(SOURCE)],
      ["learnerB", "ok", (v) => expect(v).toBeNull()],
    ],
  },
  saveDraft: {
    call: (w, a) => w.dal.saveDraft(a, { exerciseId: "00-tools", files: { "eventlog.ts": "//" }, baseRevision: 0 }),
    cases: [["anonymous", "unauthenticated"], ["learnerB", "ok"]],
  },
  submit: {
    call: (w, a) => w.dal.submit(a, { exerciseId: EX, files: SOURCE, assignmentId: w.ids.assignmentA }),
    cases: [["anonymous", "unauthenticated"], ["learnerB", "not_found"], ["instructorB", "not_found"], ["learnerA", "ok"]],
  },
  listSubmissions: {
    call: (w, a) => w.dal.listSubmissions(a, {}),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerB", "ok", (v, w) => expect((v as { id: string }[]).map((s) => s.id)).toEqual([w.ids.submissionB])],
      ["instructorA", "ok", (v) => expect(v).toEqual([])],
    ],
  },
  getSubmission: {
    call: (w, a) => w.dal.getSubmission(a, w.ids.submissionA),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerA", "ok"],
      ["learnerB", "not_found"],
      ["instructorA", "ok"],
      ["instructorB", "not_found"],
      ["admin", "ok"],
    ],
  },
  joinCohort: {
    call: (w, a) => w.dal.joinCohort(a, { code: w.ids.joinCodeA }),
    cases: [["anonymous", "unauthenticated"], ["learnerA", "ok"]],
  },
  myCohorts: {
    call: (w, a) => w.dal.myCohorts(a),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerB", "ok", (v, w) => expect((v as { id: string }[]).map((c) => c.id)).toEqual([w.ids.cohortB])],
    ],
  },
  createCohort: {
    call: (w, a) => w.dal.createCohort(a, { name: "Another" }),
    cases: [["anonymous", "unauthenticated"], ["learnerA", "forbidden"], ["instructorB", "ok"]],
  },
  teachingCohorts: {
    call: (w, a) => w.dal.teachingCohorts(a),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerA", "forbidden"],
      ["instructorA", "ok", (v, w) => expect((v as { id: string }[]).map((c) => c.id)).toEqual([w.ids.cohortA])],
    ],
  },
  getCohort: cohortCases((w, a) => w.dal.getCohort(a, w.ids.cohortA)),
  rotateJoinCode: cohortCases((w, a) => w.dal.rotateJoinCode(a, w.ids.cohortA)),
  createAssignment: cohortCases((w, a) =>
    w.dal.createAssignment(a, w.ids.cohortA, { exerciseId: ["02-rwsem-refcount", "03-paired-notifiers", "06-per-vma-locks"][assignmentsMade++ % 3]!, opensAt: "2026-01-01", dueAt: "2026-12-01", latePolicy: "closed" }),
  ),
  gradebook: cohortCases((w, a) => w.dal.gradebook(a, w.ids.cohortA)),
  cohortSubmissions: {
    ...cohortCases((w, a) => w.dal.cohortSubmissions(a, w.ids.cohortA)),
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerA", "forbidden"],
      ["instructorB", "not_found"],
      ["instructorA", "ok", (v, w) => expect((v as { id: string }[]).map((s) => s.id)).toContain(w.ids.submissionA)],
      ["instructorA", "ok", (v, w) => expect((v as { id: string }[]).map((s) => s.id)).not.toContain(w.ids.submissionB)],
      ["admin", "ok"],
    ],
  },
  gradebookCsv: cohortCases((w, a) => w.dal.gradebookCsv(a, w.ids.cohortA, "canvas")),
  analytics: cohortCases((w, a) => w.dal.analytics(a, w.ids.cohortA)),
};

function cohortCases(call: (w: World, a: Actor) => Promise<unknown>) {
  return {
    call,
    cases: [
      ["anonymous", "unauthenticated"],
      ["learnerA", "forbidden"],
      ["learnerB", "forbidden"],
      ["instructorB", "not_found"],
      ["instructorA", "ok"],
      ["admin", "ok"],
    ] as Case[],
  };
}

let currentDal: Dal;
function createdAccount(a: Actor) {
  return currentDal.signUp(a, { email: `new${++signups}@example.org`, password: "correct horse battery", name: "New" });
}

describe.each(BACKENDS)("data access layer on %s", (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(backend);
    currentDal = w.dal;
  });
  afterAll(async () => {
    await w?.db.close();
  });

  it("the authorization table covers every function of the data access layer", () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(w.dal).sort());
  });

  const rows = Object.entries(TABLE).flatMap(([fn, t]) => t.cases.map(([who, exp, check]) => ({ fn, who, exp, check, call: t.call })));
  it.each(rows)("$fn as $who: $exp", async ({ who, exp, check, call }) => {
    currentDal = w.dal;
    const r = await outcome(call(w, w.actors[who]));
    expect(r.expect).toBe(exp);
    if (check) check(r.value, w);
  });

  it("a refused call writes nothing", async () => {
    const count = async () =>
      [await w.db.prisma.submission.count(), await w.db.prisma.cohort.count(), await w.db.prisma.assignment.count(), await w.db.prisma.joinCode.count(), await w.db.prisma.membership.count()].join();
    const before = await count();
    for (const [fn, t] of Object.entries(TABLE)) {
      for (const [who, exp] of t.cases) {
        if (exp === "ok") continue;
        currentDal = w.dal;
        expect((await outcome(t.call(w, w.actors[who]))).expect, `${fn} as ${who}`).toBe(exp);
      }
    }
    expect(await count()).toBe(before);
  });
});

describe.each(BACKENDS)("learner state on %s", (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(backend, { submitLimit: 3 });
  });
  afterAll(async () => {
    await w?.db.close();
  });

  it("signs up with an argon2id hash and verifies the password; a duplicate email is a conflict", async () => {
    const u = await w.dal.signUp(null, { email: "Carol@Example.org", password: "long enough pw", name: "Carol", instructor: true });
    expect(u).toMatchObject({ email: "carol@example.org", role: "instructor" });
    const row = await w.db.prisma.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await w.dal.verifyCredentials(null, { email: "carol@example.org", password: "long enough pw" })).toMatchObject({ id: u.id, role: "instructor" });
    expect(await w.dal.verifyCredentials(null, { email: "carol@example.org", password: "wrong password" })).toBeNull();
    expect(await w.dal.verifyCredentials(null, { email: "nobody@example.org", password: "long enough pw" })).toBeNull();
    await expect(w.dal.signUp(null, { email: "carol@example.org", password: "long enough pw", name: "C2" })).rejects.toMatchObject({ code: "conflict", status: 409 });
    await expect(w.dal.signUp(null, { email: "x@example.org", password: "short", name: "X" })).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("at least 10") });
    await expect(w.dal.signUp(null, { email: "not an email", password: "long enough pw", name: "X" })).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("email") });
  });

  it("drafts from two devices: a stale save is refused with the server's copy, and nothing is lost", async () => {
    const a = w.actors.learnerB;
    const ex = "03-paired-notifiers";
    expect(await w.dal.saveDraft(a, { exerciseId: ex, files: { "memory.ts": "laptop" }, baseRevision: 0 })).toEqual({ saved: true, revision: 1 });
    const stale = await w.dal.saveDraft(a, { exerciseId: ex, files: { "memory.ts": "phone" }, baseRevision: 0 });
    expect(stale).toMatchObject({ saved: false, server: { files: { "memory.ts": "laptop" }, revision: 1 } });
    expect(await w.dal.saveDraft(a, { exerciseId: ex, files: { "memory.ts": "laptop+phone" }, baseRevision: 1 })).toEqual({ saved: true, revision: 2 });
    expect(await w.dal.saveDraft(a, { exerciseId: ex, files: { "memory.ts": "old tab" }, baseRevision: 1 })).toMatchObject({ saved: false, server: { revision: 2 } });
    expect((await w.dal.getDraft(a, ex))?.files).toEqual({ "memory.ts": "laptop+phone" });
  });

  it("bad input is refused with a clear message and stores nothing", async () => {
    const a = w.actors.learnerB;
    const before = await w.db.prisma.submission.count();
    const big = "x".repeat(LIMITS.fileBytes + 1);
    const cases: [unknown, string, RegExp][] = [
      [null, "invalid", /expected object/i],
      ["rmap.ts", "invalid", /expected object/i],
      [{ exerciseId: "no-such", files: SOURCE }, "invalid", /no exercise "no-such"/],
      [{ exerciseId: "../../etc", files: SOURCE }, "invalid", /exerciseId/],
      [{ exerciseId: EX, files: { "rmap.ts": 42 } }, "invalid", /files/],
      [{ exerciseId: EX, files: { "../rmap.ts": "x" } }, "invalid", /plain file name/],
      [{ exerciseId: EX, files: { "other.ts": "x", "rmap.ts": "x" } }, "invalid", /other\.ts is not a file of 01-anon-vma/],
      [{ exerciseId: EX, files: {} }, "invalid", /missing rmap\.ts/],
      [{ exerciseId: EX, files: { "rmap.ts": big } }, "too_large", /at most 65536 per file/],
      [{ exerciseId: EX, files: SOURCE, assignmentId: "no such id!" }, "invalid", /assignmentId/],
    ];
    for (const [input, code, message] of cases) {
      const e = await w.dal.submit(a, input).catch((x: unknown) => x);
      expect(e, JSON.stringify(input)?.slice(0, 80)).toBeInstanceOf(DalError);
      expect((e as DalError).code).toBe(code);
      expect((e as DalError).message).toMatch(message);
    }
    await expect(w.dal.saveDraft(a, { exerciseId: EX, files: { "rmap.ts": big }, baseRevision: 0 })).rejects.toMatchObject({ code: "too_large", status: 413 });
    await expect(w.dal.createAssignment(w.actors.instructorA, w.ids.cohortA, { exerciseId: EX, opensAt: "2026-05-01", dueAt: "2026-04-01", latePolicy: "closed" })).rejects.toMatchObject({
      code: "invalid",
      message: expect.stringContaining("due date must be after"),
    });
    await expect(w.dal.createAssignment(w.actors.instructorA, w.ids.cohortA, { exerciseId: EX, opensAt: "yesterday", dueAt: "2026-04-01", latePolicy: "sometimes" })).rejects.toMatchObject({
      code: "invalid",
      message: expect.stringMatching(/opensAt: expected a date.*latePolicy: expected penalty, grace or closed/),
    });
    await expect(w.dal.joinCohort(a, { code: "'; DROP TABLE" })).rejects.toMatchObject({ code: "invalid" });
    expect(await w.db.prisma.submission.count()).toBe(before);
  });

  it("rate-limits each learner (also under concurrent submissions) and says when to retry", async () => {
    const u = await w.dal.signUp(null, { email: "burst@example.org", password: "long enough pw", name: "Burst" });
    const a = { userId: u.id };
    const results = await Promise.all(Array.from({ length: 8 }, () => w.dal.submit(a, { exerciseId: "00-tools", files: { "eventlog.ts": "//" } }).catch((e: unknown) => e)));
    const refused = results.filter((r) => r instanceof DalError) as DalError[];
    expect(results.length - refused.length).toBe(3);
    expect(await w.db.prisma.submission.count({ where: { userId: u.id } })).toBe(3);
    for (const e of refused) {
      expect(e.code).toBe("rate_limited");
      expect(e.status).toBe(429);
      expect(e.retryAfterSeconds).toBe(60);
      expect(e.message).toMatch(/at most 3 submissions per 60 s; try again in 60 s/);
    }
    w.clock.now = new Date(w.clock.now.getTime() + 61_000);
    await expect(w.dal.submit(a, { exerciseId: "00-tools", files: { "eventlog.ts": "//" } })).resolves.toMatchObject({ status: "queued" });
  });

  it("assignment windows: not open yet, closed, grace period, late penalty", async () => {
    const ia = w.actors.instructorA;
    const la = w.actors.learnerA;
    const mk = (exerciseId: string, latePolicy: "closed" | "grace" | "penalty", extra = {}) =>
      w.dal.createAssignment(ia, w.ids.cohortA, { exerciseId, opensAt: "2026-04-01T00:00:00Z", dueAt: "2026-04-10T00:00:00Z", latePolicy, ...extra });
    const closed = await mk("04-anon-vma-chain", "closed");
    const grace = await mk("05-root-refcount", "grace", { graceHours: 12 });
    const files = (ex: string) => Object.fromEntries(catalog.get(ex)!.files.map((f) => [f, "//"]));
    const submitAt = async (when: string, ex: string, assignmentId: string) => {
      w.clock.now = new Date(when);
      return w.dal.submit(la, { exerciseId: ex, files: files(ex), assignmentId });
    };
    await expect(submitAt("2026-03-31T23:00:00Z", "04-anon-vma-chain", closed.id)).rejects.toMatchObject({ code: "conflict", message: "this assignment opens at 2026-04-01T00:00:00.000Z" });
    await expect(submitAt("2026-04-10T00:00:01Z", "04-anon-vma-chain", closed.id)).rejects.toMatchObject({ code: "conflict", message: "this assignment closed at 2026-04-10T00:00:00.000Z" });
    const inGrace = await submitAt("2026-04-10T11:00:00Z", "05-root-refcount", grace.id);
    expect((await w.db.prisma.submission.findUniqueOrThrow({ where: { id: inGrace.id } })).late).toBe(false);
    await expect(submitAt("2026-04-10T12:00:01Z", "05-root-refcount", grace.id)).rejects.toMatchObject({ message: "this assignment closed at 2026-04-10T12:00:00.000Z" });
    await expect(submitAt("2026-04-05T00:00:00Z", "00-tools", closed.id)).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("that assignment is 04-anon-vma-chain") });
  });
});

describe.each(BACKENDS)("submissions without an assignment id, and anonymous ones, on %s", (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(backend, { submitLimit: 2 });
  });
  afterAll(async () => {
    await w?.db.close();
  });

  it("counts for the learner's assignment of that exercise while it accepts submissions; null opts out", async () => {
    const la = w.actors.learnerA;
    const assignmentOf = async (p: Promise<{ id: string }>) => (await w.db.prisma.submission.findUniqueOrThrow({ where: { id: (await p).id } })).assignmentId;
    w.clock.now = new Date("2026-03-02T00:00:00Z");
    expect(await assignmentOf(w.dal.submit(la, { exerciseId: EX, files: SOURCE }))).toBe(w.ids.assignmentA);
    w.clock.now = new Date("2026-03-02T00:02:00Z");
    expect(await assignmentOf(w.dal.submit(la, { exerciseId: EX, files: SOURCE, assignmentId: null }))).toBeNull();
    // Another exercise: no assignment. learnerB's closed assignment after its due date: none either.
    expect(await assignmentOf(w.dal.submit(la, { exerciseId: "00-tools", files: { "eventlog.ts": "//" } }))).toBeNull();
    w.clock.now = new Date("2026-03-11T00:00:00Z");
    expect(await assignmentOf(w.dal.submit(w.actors.learnerB, { exerciseId: EX, files: SOURCE }))).toBeNull();
  });

  it("a lesson-page submission counts for an opened assignment that still accepts it, on time first; closed ones leave it practice", async () => {
    const ia = w.actors.instructorA;
    const la = w.actors.learnerA;
    const files = (ex: string) => Object.fromEntries(catalog.get(ex)!.files.map((f) => [f, "//"]));
    // An exercise is assigned once per cohort: the learner is in a second cohort of the same instructor.
    const second = await w.dal.createCohort(ia, { name: "Evening" });
    await w.dal.joinCohort(la, { code: second.joinCodes[0]!.code });
    const mk = (exerciseId: string, latePolicy: "closed" | "grace" | "penalty", opensAt: string, dueAt: string, cohortId = w.ids.cohortA) =>
      w.dal.createAssignment(ia, cohortId, { exerciseId, opensAt, dueAt, latePolicy, ...(latePolicy === "penalty" ? { penaltyPerDay: 0.1 } : {}) });
    const EX2 = "02-rwsem-refcount";
    const penalty = await mk(EX2, "penalty", "2026-05-01T00:00:00Z", "2026-05-10T00:00:00Z");
    const closedLater = await mk(EX2, "closed", "2026-05-01T00:00:00Z", "2026-05-20T00:00:00Z", second.id);
    const closedOnly = await mk("03-paired-notifiers", "closed", "2026-05-01T00:00:00Z", "2026-05-10T00:00:00Z");
    await mk("04-anon-vma-chain", "penalty", "2026-06-01T00:00:00Z", "2026-06-10T00:00:00Z");
    const submitAt = async (when: string, who: Actor, ex: string) => {
      w.clock.now = new Date(when);
      const s = await w.dal.submit(who, { exerciseId: ex, files: files(ex) });
      return w.db.prisma.submission.findUniqueOrThrow({ where: { id: s.id }, select: { assignmentId: true, late: true } });
    };
    // In time order (the rate limit counts by time). Both on time: the one due first.
    expect(await submitAt("2026-05-05T00:00:00Z", la, EX2)).toEqual({ assignmentId: penalty.id, late: false });
    // The cohort's instructor practising, and a learner of another cohort: none.
    expect(await submitAt("2026-05-05T00:00:00Z", ia, EX2)).toEqual({ assignmentId: null, late: false });
    expect(await submitAt("2026-05-05T00:00:00Z", w.actors.learnerB, EX2)).toEqual({ assignmentId: null, late: false });
    // Only a closed assignment: accepted as practice, counted for none (an explicit id would be refused).
    expect(await submitAt("2026-05-11T00:00:00Z", la, "03-paired-notifiers")).toEqual({ assignmentId: null, late: false });
    w.clock.now = new Date("2026-05-11T00:01:00Z");
    await expect(w.dal.submit(la, { exerciseId: "03-paired-notifiers", files: files("03-paired-notifiers"), assignmentId: closedOnly.id })).rejects.toMatchObject({ code: "conflict" });
    // The first is now late (penalty), the second on time: on time wins.
    expect(await submitAt("2026-05-12T00:00:00Z", la, EX2)).toEqual({ assignmentId: closedLater.id, late: false });
    // The second has closed; the first still takes late submissions, marked late.
    expect(await submitAt("2026-05-21T00:00:00Z", la, EX2)).toEqual({ assignmentId: penalty.id, late: true });
    // Not opened yet: none.
    expect(await submitAt("2026-05-22T00:00:00Z", la, "04-anon-vma-chain")).toEqual({ assignmentId: null, late: false });
  });

  it("ungradable submissions count against the rate limit like graded ones", async () => {
    const u = await w.dal.signUp(null, { email: "ungradable@example.org", password: "long enough pw", name: "U" });
    const a = { userId: u.id };
    w.clock.now = new Date("2026-07-01T00:00:00Z");
    const first = await w.dal.submit(a, { exerciseId: "00-tools", files: { "eventlog.ts": "syntax error (" } });
    const second = await w.dal.submit(a, { exerciseId: "00-tools", files: { "eventlog.ts": "syntax error (" } });
    // As the grader records code that cannot be graded: done, not gradable, score 0.
    await w.db.prisma.submission.updateMany({ where: { id: { in: [first.id, second.id] } }, data: { status: "done", gradable: false, score: 0, finishedAt: w.clock.now } });
    await expect(w.dal.submit(a, { exerciseId: "00-tools", files: { "eventlog.ts": "//" } })).rejects.toMatchObject({ code: "rate_limited", retryAfterSeconds: 60 });
  });

  it("an anonymous browser submits outside assignments, is rate-limited by its id, and reads only its own submissions", async () => {
    const anon = { anonId: "A".repeat(22) };
    const other = { anonId: "B".repeat(22) };
    w.clock.now = new Date("2026-03-12T00:00:00Z");
    const s = await w.dal.submit(anon, { exerciseId: EX, files: SOURCE });
    expect(await w.db.prisma.submission.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ userId: null, anonId: anon.anonId, assignmentId: null });
    expect(w.enqueued).toContain(s.id);
    await w.dal.submit(anon, { exerciseId: EX, files: SOURCE });
    await expect(w.dal.submit(anon, { exerciseId: EX, files: SOURCE })).rejects.toMatchObject({ code: "rate_limited", retryAfterSeconds: 60 });
    await expect(w.dal.submit(other, { exerciseId: EX, files: SOURCE })).resolves.toMatchObject({ status: "queued" });
    await expect(w.dal.submit(other, { exerciseId: EX, files: SOURCE, assignmentId: w.ids.assignmentA })).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(w.dal.submit({ anonId: "../x" }, { exerciseId: EX, files: SOURCE })).rejects.toMatchObject({ code: "invalid" });

    expect(await w.dal.getSubmission(anon, s.id)).toMatchObject({ id: s.id, anonId: anon.anonId });
    await expect(w.dal.getSubmission(other, s.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(w.dal.getSubmission(anon, w.ids.submissionA)).rejects.toMatchObject({ code: "not_found" });
    for (const who of ["learnerA", "instructorA"] as const) await expect(w.dal.getSubmission(w.actors[who], s.id)).rejects.toMatchObject({ code: "not_found" });
    // Everything else needs a signed-in user.
    await expect(w.dal.dashboard(anon)).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(w.dal.listSubmissions(anon)).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(w.dal.getDraft(anon, EX)).rejects.toMatchObject({ code: "unauthenticated" });
    // The database itself refuses a submission with both owners or neither.
    await expect(w.db.prisma.submission.create({ data: { exerciseId: EX, files: SOURCE, exerciseVersion: "v" } })).rejects.toThrow(/Submission_owner_check|check constraint/i);
  });
});

describe("late policy arithmetic", () => {
  const due = new Date("2026-04-10T00:00:00Z");
  it("counts started days late and never goes below zero", () => {
    expect(lateness({ dueAt: due, latePolicy: "penalty", graceHours: 0 }, new Date(due.getTime() + 1))).toEqual({ accepted: true, late: true, daysLate: 1 });
    expect(lateness({ dueAt: due, latePolicy: "penalty", graceHours: 0 }, new Date(due.getTime() + DAY + 1))).toEqual({ accepted: true, late: true, daysLate: 2 });
    expect(lateness({ dueAt: due, latePolicy: "penalty", graceHours: 0 }, due)).toEqual({ accepted: true, late: false, daysLate: 0 });
    expect(finalScore(0.8, { latePolicy: "penalty", penaltyPerDay: 0.1 }, 2)).toBeCloseTo(0.64);
    expect(finalScore(0.8, { latePolicy: "penalty", penaltyPerDay: 0.3 }, 5)).toBe(0);
    expect(finalScore(0.8, { latePolicy: "grace", penaltyPerDay: 0.3 }, 5)).toBe(0.8);
  });
});

describe.each(BACKENDS)("gradebook, CSV and analytics on %s", (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(backend);
  });
  afterAll(async () => {
    await w?.db.close();
  });

  async function gradeWith(submissionId: string, grade: GradeFn) {
    return gradeSubmission({ prisma: w.db.prisma, catalog, grade, graderVersion: "test", maxAttempts: 3 }, submissionId);
  }

  it("shows each learner's best score after the late policy, lateness and attempts; exports Canvas and Moodle CSV; ranks failing races", async () => {
    const { dal, actors, ids } = w;
    // A second learner in cohort A, with a comma and a formula in their name.
    const carol = await dal.signUp(null, { email: "carol@example.org", password: "long enough pw", name: '=cmd|"calc", Carol Smith' });
    await dal.joinCohort({ userId: carol.id }, { code: ids.joinCodeA });
    // Ada: the setup's submission scores 0.5 (fails a race), then a late full score two days after the due date.
    await gradeWith(ids.submissionA, async () =>
      fakeResults(EX, [
        { name: "fork vs unmap", passed: false, scenario: "fork-vs-unmap", detector: "use-after-free" },
        { name: "basics", passed: true },
      ]),
    );
    w.clock.now = new Date("2026-03-11T06:00:00Z");
    const late = await dal.submit(actors.learnerA, { exerciseId: EX, files: SOURCE, assignmentId: ids.assignmentA });
    await gradeWith(late.id, async () => fakeResults(EX, [{ name: "fork vs unmap", passed: true }, { name: "basics", passed: true }]));
    // Carol: one ungradable submission (costs no attempt), one failing the same race and a leak.
    w.clock.now = new Date("2026-03-05T00:00:00Z");
    const c1 = await dal.submit({ userId: carol.id }, { exerciseId: EX, files: SOURCE, assignmentId: ids.assignmentA });
    await gradeWith(c1.id, async () => fakeResults(EX, [], false));
    const c2 = await dal.submit({ userId: carol.id }, { exerciseId: EX, files: SOURCE, assignmentId: ids.assignmentA });
    await gradeWith(c2.id, async () =>
      fakeResults(EX, [
        { name: "fork vs unmap", passed: false, scenario: "fork-vs-unmap", detector: "use-after-free" },
        { name: "unlink leak", passed: false, scenario: "unlink-last", detector: "leak" },
        { name: "basics", passed: true },
        { name: "public one", passed: false, hidden: false },
      ]),
    );

    const g = await dal.gradebook(actors.instructorA, ids.cohortA);
    expect(g.assignments.map((a) => a.exerciseId)).toEqual([EX]);
    expect(g.rows.map((r) => [r.email, r.cells[0]])).toEqual([
      ["carol@example.org", { assignmentId: ids.assignmentA, best: 0.25, late: false, attempts: 1 }],
      ["ada@example.org", { assignmentId: ids.assignmentA, best: 0.8, late: true, attempts: 2 }],
    ]);

    const title = `${catalog.get(EX)!.title} (${EX})`;
    const canvas = await dal.gradebookCsv(actors.instructorA, ids.cohortA, "canvas");
    expect(canvas.filename).toBe("sum-a1-autumn-grades-canvas.csv");
    expect(canvas.csv).toBe(
      [
        `Student,ID,SIS User ID,SIS Login ID,Section,${title}`,
        "    Points Possible,,,,,100.00",
        `"Smith, =cmd|""calc"", Carol",,,carol@example.org,'=SUM(A1) Autumn,25.00`,
        "ada,,,ada@example.org,'=SUM(A1) Autumn,80.00",
        "",
      ].join("\r\n"),
    );
    const moodle = await dal.gradebookCsv(actors.instructorA, ids.cohortA, "moodle");
    expect(moodle.csv).toBe(
      [`First name,Last name,Email address,${title}`, `"'=cmd|""calc"", Carol",Smith,carol@example.org,25.00`, "ada,,ada@example.org,80.00", ""].join("\r\n"),
    );
    await expect(dal.gradebookCsv(actors.instructorA, ids.cohortA, "excel")).rejects.toMatchObject({ code: "invalid", message: "expected canvas or moodle" });

    const an = await dal.analytics(actors.instructorA, ids.cohortA);
    expect(an.assignments).toHaveLength(1);
    // Ada's best submission passes everything; Carol's fails the race and the leak. Public tests are not counted.
    expect(an.assignments[0]).toMatchObject({ exerciseId: EX, learners: 2, submitted: 2 });
    expect(an.assignments[0]!.failing).toEqual([
      { test: "fork vs unmap", detector: "use-after-free", learners: 1, scenario: "fork-vs-unmap", scenarios: [{ name: "fork-vs-unmap", learners: 1 }] },
      { test: "unlink leak", detector: "leak", learners: 1, scenario: "unlink-last", scenarios: [{ name: "unlink-last", learners: 1 }] },
    ]);

    const dash = await dal.dashboard(actors.learnerA);
    expect(dash.lessons.find((l) => l.exerciseId === EX)).toMatchObject({ bestScore: 1 });
  });

  it("counts learners who fail the same test on different generated shapes in one row, each shape as detail", async () => {
    const { dal, actors, ids } = w;
    const shape = (n: number, steps: number) => `fork tree of ${n} (shape ${n} of 40 drawn, shrunk in ${steps} steps)`;
    const fails = (scenario: string) => [
      { name: "fork trees", passed: false, scenario, detector: "use-after-free" },
      { name: "basics", passed: true },
    ];
    w.clock.now = new Date("2026-03-05T00:00:00Z");
    const learners = [];
    for (const [i, sc] of [shape(3, 4), shape(5, 9), shape(3, 4)].entries()) {
      const u = await dal.signUp(null, { email: `shape${i}@example.org`, password: "long enough pw", name: `Shape ${i}` });
      await dal.joinCohort({ userId: u.id }, { code: ids.joinCodeA });
      const s = await dal.submit({ userId: u.id }, { exerciseId: EX, files: SOURCE, assignmentId: ids.assignmentA });
      await gradeWith(s.id, async () => fakeResults(EX, fails(sc)));
      learners.push(u);
    }
    const row = (await dal.analytics(actors.instructorA, ids.cohortA)).assignments[0]!.failing.find((f) => f.test === "fork trees");
    expect(row).toEqual({
      test: "fork trees",
      detector: "use-after-free",
      learners: 3,
      scenario: shape(3, 4),
      scenarios: [
        { name: shape(3, 4), learners: 2 },
        { name: shape(5, 9), learners: 1 },
      ],
    });
  });
});
