/*
 * The data access layer: every read and write of learner state made on
 * behalf of a person goes through one of these functions, and each checks
 * that its actor may do it before touching anything. Pages and route handlers
 * pass the signed-in actor (or null) and never query the database.
 *
 * Authorization rules:
 * - A learner reads and writes only their own drafts, submissions, progress
 *   and memberships.
 * - An anonymous browser (a signed cookie's id, lib/server/anon.ts) may only
 *   submit, outside any assignment, and read its own submissions; everything
 *   else needs a signed-in user.
 * - An instructor manages only cohorts they hold an instructor membership
 *   in; there they see the cohort's learners, assignments and submissions.
 * - An admin may do everything.
 * - Something that exists but is not the actor's is "not found" (its
 *   existence is not disclosed); an action the actor's role never allows is
 *   "forbidden"; no actor is "unauthenticated".
 *
 * Input crosses a trust boundary: every argument is parsed with a schema; a
 * refusal (DalError) is thrown before anything is written.
 */
import "server-only";
import { randomInt } from "node:crypto";
import { z } from "zod";
import type { Catalog } from "./exercises";
import type { ReadCache } from "./read-cache";
import { DalError } from "./errors";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import type { LatePolicy, Role } from "./generated/prisma/enums";
import { type CsvFormat, gradebookCsv } from "./gradebook-csv";
import { hashPassword, verifyPassword } from "./password";

/**
 * Who is asking: the signed-in user's id, an anonymous browser's id (verified
 * from its signed cookie by the caller), or null. A user's role is read from
 * the database on each call.
 */
export type Actor = { userId: string } | { anonId: string } | null;

export interface SubmissionSink {
  /** Hands a stored, queued submission to the grading queue. */
  enqueue(submissionId: string): Promise<void>;
}

export interface DalOptions {
  prisma: PrismaClient;
  catalog: Catalog;
  queue: SubmissionSink;
  submitLimit: number;
  submitWindowSeconds: number;
  instructorSignup: "open" | "closed";
  now?: () => Date;
  /** Cached reads of who a user is and of their dashboard (lib/server/read-cache.ts); absent: every call reads. */
  cache?: ReadCache | null;
}

/**
 * A burst of submissions (a deadline) queues their transactions on the pool
 * (on the embedded database, on its one connection): wait for a turn rather
 * than fail after Prisma's default 2 s (the HTTP request waits as long).
 */
const SUBMIT_TRANSACTION = { maxWait: 60_000, timeout: 30_000 };

/** Limits of what one request may store. */
export const LIMITS = {
  fileBytes: 64 * 1024,
  totalBytes: 256 * 1024,
  nameChars: 100,
};

const id = z.string().min(1).max(64).regex(/^[\w-]+$/, { error: "expected an id" });
const exerciseId = z.string().min(1).max(64).regex(/^[\w.-]+$/, { error: "expected an exercise folder name" });
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const files = z.record(z.string(), z.string({ error: "expected the file's source text" })).superRefine((f, ctx) => {
  for (const name of Object.keys(f)) {
    if (!FILE_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "expected a plain file name (letters, digits, . _ -)" });
  }
});

const SignUpInput = z.object({
  email: z.email({ error: "expected an email address" }).max(254).transform((e) => e.toLowerCase()),
  password: z.string().min(10, { error: "a password needs at least 10 characters" }).max(256),
  name: z.string().trim().min(1).max(LIMITS.nameChars),
  instructor: z.boolean().default(false),
});

const DraftInput = z.object({
  exerciseId,
  files,
  /** The revision the client's copy started from (0: no server copy yet). */
  baseRevision: z.number().int().min(0),
});

/**
 * assignmentId: the assignment the submission counts for; omitted, the
 * learner's open assignment of that exercise if there is one; null, none.
 */
const SubmitInput = z.object({ exerciseId, files, assignmentId: id.nullable().optional() });

const CohortInput = z.object({ name: z.string().trim().min(1).max(LIMITS.nameChars) });

const AssignmentInput = z
  .object({
    exerciseId,
    opensAt: z.coerce.date({ error: "expected a date" }),
    dueAt: z.coerce.date({ error: "expected a date" }),
    latePolicy: z.enum(["penalty", "grace", "closed"], { error: "expected penalty, grace or closed" }),
    penaltyPerDay: z.number().min(0).max(1).default(0),
    graceHours: z.number().int().min(0).max(24 * 30).default(0),
  })
  .refine((a) => a.dueAt > a.opensAt, { error: "the due date must be after the opening date", path: ["dueAt"] });

const JoinInput = z.object({ code: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/, { error: "expected a join code like ABCD-2345" }) });

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new DalError("invalid", r.error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`).join("; "));
  }
  return r.data;
}

/** Join codes avoid look-alike characters (0/O, 1/I/L). */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export function newJoinCode(): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/**
 * Whether a submission made at `at` counts for an assignment, and whether late.
 * Precondition: at >= opensAt (checked by the caller).
 */
export function lateness(a: { dueAt: Date; latePolicy: LatePolicy; graceHours: number }, at: Date): { accepted: boolean; late: boolean; daysLate: number } {
  const overMs = at.getTime() - a.dueAt.getTime();
  if (overMs <= 0) return { accepted: true, late: false, daysLate: 0 };
  const daysLate = Math.ceil(overMs / 86_400_000);
  switch (a.latePolicy) {
    case "closed":
      return { accepted: false, late: true, daysLate };
    case "grace":
      return overMs <= a.graceHours * 3_600_000 ? { accepted: true, late: false, daysLate: 0 } : { accepted: false, late: true, daysLate };
    case "penalty":
      return { accepted: true, late: true, daysLate };
  }
}

/**
 * The assignment a signed-in learner's submission counts for when it names
 * none (a submission from the lesson page): among the opened assignments of
 * that exercise in the cohorts where they are a learner, one that still
 * accepts submissions under its late policy, on time before late, then the
 * earliest due (then by id, so the choice is stable). None when every one
 * is closed: the submission is then practice, accepted and counted for no
 * assignment, never refused.
 */
export function implicitAssignment(open: readonly { id: string; dueAt: Date; latePolicy: LatePolicy; graceHours: number }[], at: Date): string | null {
  const accepting = open.map((a) => ({ a, l: lateness(a, at) })).filter((x) => x.l.accepted);
  accepting.sort((x, y) => Number(x.l.late) - Number(y.l.late) || x.a.dueAt.getTime() - y.a.dueAt.getTime() || (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0));
  return accepting[0]?.a.id ?? null;
}

/** The score after the late policy: penaltyPerDay per started day late, never below 0. */
export function finalScore(score: number, a: { penaltyPerDay: number; latePolicy: LatePolicy } | null, daysLate: number): number {
  if (!a || a.latePolicy !== "penalty" || daysLate === 0) return score;
  return Math.max(0, score * (1 - a.penaltyPerDay * daysLate));
}

export interface GradebookRow {
  userId: string;
  name: string;
  email: string;
  cells: { assignmentId: string; best: number | null; late: boolean | null; attempts: number }[];
}

export interface Gradebook {
  cohort: { id: string; name: string };
  assignments: { id: string; exerciseId: string; title: string; dueAt: Date }[];
  rows: GradebookRow[];
}

export interface FailingRace {
  /** The hidden test: one row per test and detector, whatever scenario (for generated tests: shape) each learner failed it on. */
  test: string;
  /** Detector kind (use-after-free, leak, ...) or "failed" when no detector fired. */
  detector: string;
  /** Learners whose best submission fails here. */
  learners: number;
  /** The scenarios the learners failed it on (a test on generated shapes reports each learner's shrunk shape), most learners first. */
  scenarios: { name: string; learners: number }[];
  /** The first of `scenarios` (or the test name when the test reports none). */
  scenario: string;
}

export interface CohortAnalytics {
  cohort: { id: string; name: string };
  assignments: { id: string; exerciseId: string; title: string; learners: number; submitted: number; failing: FailingRace[] }[];
}

type ResultsJson = { tests?: { name?: unknown; hidden?: unknown; passed?: unknown; scenario?: unknown; report?: { kind?: unknown } }[] };

export function createDal(o: DalOptions) {
  const { prisma, catalog } = o;
  const now = o.now ?? (() => new Date());

  /** A read through the cache when there is one; the value is shared, so callers never modify it. */
  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => (o.cache ? o.cache.get(key, load) : load());

  async function who(actor: Actor): Promise<{ id: string; role: Role }> {
    if (!actor || !("userId" in actor)) throw new DalError("unauthenticated", "sign in first");
    const userId = actor.userId;
    const user = await cached(`who:${userId}`, () => prisma.user.findUnique({ where: { id: userId }, select: { id: true, role: true } }));
    if (!user) throw new DalError("unauthenticated", "your account no longer exists; sign in again");
    return user;
  }

  /** The learner's progress per lesson, latest submissions and cohorts. */
  async function dashboardOf(userId: string) {
    const [progress, submissions, memberships] = await Promise.all([
      prisma.progress.findMany({ where: { userId }, orderBy: { lessonSlug: "asc" } }),
      prisma.submission.findMany({
        where: { userId },
        orderBy: { createdAt: "desc" },
        take: 20,
        select: { id: true, exerciseId: true, status: true, score: true, finalScore: true, late: true, gradable: true, createdAt: true, assignmentId: true },
      }),
      prisma.membership.findMany({ where: { userId }, include: { cohort: { select: { id: true, name: true } } } }),
    ]);
    const lessons = catalog.exercises.map((e) => {
      const p = progress.find((x) => x.lessonSlug === e.lessonSlug);
      return { lessonSlug: e.lessonSlug, exerciseId: e.id, title: e.title, bestScore: p?.bestScore ?? null, completedAt: p?.completedAt ?? null };
    });
    return { lessons, submissions, cohorts: memberships.map((m) => ({ ...m.cohort, role: m.role })) };
  }

  async function instructorRole(actor: Actor): Promise<{ id: string; role: Role }> {
    const u = await who(actor);
    if (u.role === "learner") throw new DalError("forbidden", "only instructors can do this");
    return u;
  }

  /** The cohort, when `actor` teaches it (instructor membership) or is an admin; else not_found. */
  async function taughtCohort(actor: Actor, cohortId: unknown) {
    const u = await instructorRole(actor);
    const cid = parse(id, cohortId);
    const cohort = await prisma.cohort.findFirst({
      where: u.role === "admin" ? { id: cid } : { id: cid, memberships: { some: { userId: u.id, role: { in: ["instructor", "admin"] } } } },
    });
    if (!cohort) throw new DalError("not_found", "no such cohort among yours");
    return { user: u, cohort };
  }

  function exercise(idValue: string) {
    const ex = catalog.get(idValue);
    if (!ex) throw new DalError("invalid", `exerciseId: no exercise ${JSON.stringify(idValue)}`);
    return ex;
  }

  function checkFiles(ex: { id: string; files: string[] }, f: Record<string, string>) {
    const names = Object.keys(f);
    const extra = names.filter((n) => !ex.files.includes(n));
    if (extra.length) throw new DalError("invalid", `files: ${extra.join(", ")} is not a file of ${ex.id} (expected ${ex.files.join(", ")})`);
    let total = 0;
    for (const [n, src] of Object.entries(f)) {
      const bytes = Buffer.byteLength(src, "utf8");
      if (bytes > LIMITS.fileBytes) throw new DalError("too_large", `files.${n}: ${bytes} bytes; at most ${LIMITS.fileBytes} per file`);
      total += bytes;
    }
    if (total > LIMITS.totalBytes) throw new DalError("too_large", `files: ${total} bytes in all; at most ${LIMITS.totalBytes}`);
  }

  return {
    /** Creates a local account. Anyone (no actor) may; an instructor account only while INSTRUCTOR_SIGNUP is open. */
    /** Public: what the sign-up form offers (instructor accounts only where INSTRUCTOR_SIGNUP is open). */
    async signUpOptions(_actor: Actor) {
      return { instructorSignup: o.instructorSignup === "open" };
    },

    async signUp(_actor: Actor, input: unknown) {
      const i = parse(SignUpInput, input);
      if (i.instructor && o.instructorSignup === "closed") throw new DalError("forbidden", "instructor accounts are created by an admin here");
      const passwordHash = await hashPassword(i.password);
      try {
        const u = await prisma.user.create({
          data: { email: i.email, name: i.name, passwordHash, role: i.instructor ? "instructor" : "learner" },
          select: { id: true, email: true, name: true, role: true },
        });
        return u;
      } catch (e) {
        if ((e as { code?: string }).code === "P2002") throw new DalError("conflict", "an account with this email exists; sign in instead");
        throw e;
      }
    },

    /** The user for an email and password, or null (same answer for an unknown email and a wrong password). */
    async verifyCredentials(_actor: Actor, input: unknown) {
      const r = z.object({ email: z.string().max(254), password: z.string().max(256) }).safeParse(input);
      if (!r.success) return null;
      const user = await prisma.user.findUnique({ where: { email: r.data.email.toLowerCase() } });
      if (!user?.passwordHash) return null;
      if (!(await verifyPassword(user.passwordHash, r.data.password))) return null;
      return { id: user.id, email: user.email, name: user.name, role: user.role };
    },

    /** The signed-in user's own account. */
    async me(actor: Actor) {
      const u = await who(actor);
      return cached(`me:${u.id}`, () => prisma.user.findUniqueOrThrow({ where: { id: u.id }, select: { id: true, email: true, name: true, role: true } }));
    },

    /** Admin only: changes a user's site-wide role. */
    async setRole(actor: Actor, input: unknown) {
      const u = await who(actor);
      if (u.role !== "admin") throw new DalError("forbidden", "only admins change roles");
      const i = parse(z.object({ userId: id, role: z.enum(["learner", "instructor", "admin"]) }), input);
      const r = await prisma.user.updateMany({ where: { id: i.userId }, data: { role: i.role } });
      if (r.count === 0) throw new DalError("not_found", "no such user");
    },

    /** The learner's progress per lesson and latest submissions. */
    async dashboard(actor: Actor) {
      const u = await who(actor);
      return cached(`dashboard:${u.id}`, () => dashboardOf(u.id));
    },


    async getDraft(actor: Actor, exerciseIdValue: unknown) {
      const u = await who(actor);
      const ex = exercise(parse(exerciseId, exerciseIdValue));
      return prisma.draft.findUnique({ where: { userId_exerciseId: { userId: u.id, exerciseId: ex.id } }, select: { files: true, revision: true, updatedAt: true } });
    },

    /**
     * Saves the learner's draft when it is based on the server's current
     * revision; otherwise stores nothing and returns the server's copy so the
     * client can merge both and save again on top of it.
     */
    async saveDraft(actor: Actor, input: unknown) {
      const u = await who(actor);
      const i = parse(DraftInput, input);
      const ex = exercise(i.exerciseId);
      checkFiles(ex, i.files);
      const key = { userId_exerciseId: { userId: u.id, exerciseId: ex.id } };
      if (i.baseRevision === 0) {
        try {
          const d = await prisma.draft.create({ data: { userId: u.id, exerciseId: ex.id, files: i.files, revision: 1 } });
          return { saved: true as const, revision: d.revision };
        } catch (e) {
          if ((e as { code?: string }).code !== "P2002") throw e;
        }
      } else {
        const r = await prisma.draft.updateMany({
          where: { userId: u.id, exerciseId: ex.id, revision: i.baseRevision },
          data: { files: i.files, revision: i.baseRevision + 1 },
        });
        if (r.count === 1) return { saved: true as const, revision: i.baseRevision + 1 };
      }
      const server = await prisma.draft.findUnique({ where: key, select: { files: true, revision: true, updatedAt: true } });
      return { saved: false as const, server };
    },

    /**
     * Stores a submission (queued) and hands it to the grading queue. A
     * signed-in learner's submission without an assignmentId counts for their
     * cohort's assignment of that exercise when one accepts submissions now
     * (the earliest due); an anonymous one never counts for an assignment.
     */
    async submit(actor: Actor, input: unknown) {
      const anonId = actor && "anonId" in actor ? parse(z.string().regex(/^[\w-]{16,64}$/), actor.anonId) : null;
      const u = anonId ? null : await who(actor);
      const i = parse(SubmitInput, input);
      const ex = exercise(i.exerciseId);
      checkFiles(ex, i.files);
      const missing = ex.files.filter((f) => !(f in i.files));
      if (missing.length) throw new DalError("invalid", `files: missing ${missing.join(", ")}`);
      const at = now();
      let late = false;
      let assignmentId = i.assignmentId ?? null;
      if (!u) {
        if (assignmentId) throw new DalError("unauthenticated", "sign in to submit for an assignment");
      } else if (i.assignmentId === undefined) {
        const opened = await prisma.assignment.findMany({
          where: { exerciseId: ex.id, opensAt: { lte: at }, cohort: { memberships: { some: { userId: u.id, role: "learner" } } } },
          select: { id: true, dueAt: true, latePolicy: true, graceHours: true },
        });
        assignmentId = implicitAssignment(opened, at);
      }
      if (u && assignmentId) {
        const a = await prisma.assignment.findFirst({
          where: { id: assignmentId, cohort: { memberships: { some: { userId: u.id } } } },
        });
        if (!a) throw new DalError("not_found", "no such assignment in your cohorts");
        if (a.exerciseId !== ex.id) throw new DalError("invalid", `assignmentId: that assignment is ${a.exerciseId}, not ${ex.id}`);
        if (at < a.opensAt) throw new DalError("conflict", `this assignment opens at ${a.opensAt.toISOString()}`);
        const l = lateness(a, at);
        if (!l.accepted) throw new DalError("conflict", `this assignment closed at ${new Date(a.dueAt.getTime() + (a.latePolicy === "grace" ? a.graceHours * 3_600_000 : 0)).toISOString()}`);
        late = l.late;
      }
      const windowMs = o.submitWindowSeconds * 1000;
      const owner = u ? { userId: u.id } : { anonId: anonId! };
      const ownerKey = u ? `submit:${u.id}` : `submit:anon:${anonId}`;
      const sub = await prisma.$transaction(async (tx) => {
        // Serialises one learner's concurrent submissions so the count below stays exact.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${ownerKey}))`;
        const recent = await tx.submission.findMany({
          where: { ...owner, createdAt: { gt: new Date(at.getTime() - windowMs) } },
          orderBy: { createdAt: "asc" },
          select: { createdAt: true },
        });
        if (recent.length >= o.submitLimit) {
          const oldest = recent[recent.length - o.submitLimit]!.createdAt.getTime();
          const retry = Math.max(1, Math.ceil((oldest + windowMs - at.getTime()) / 1000));
          throw new DalError(
            "rate_limited",
            `at most ${o.submitLimit} submissions per ${o.submitWindowSeconds} s; try again in ${retry} s (your draft is kept)`,
            retry,
          );
        }
        return tx.submission.create({
          data: { ...owner, exerciseId: ex.id, assignmentId, files: i.files, exerciseVersion: ex.version, late, createdAt: at },
          select: { id: true, status: true, createdAt: true, assignmentId: true },
        });
      }, SUBMIT_TRANSACTION);
      await o.queue.enqueue(sub.id);
      return sub;
    },

    /** The learner's own submissions, newest first, without files or results. */
    async listSubmissions(actor: Actor, input: unknown = {}) {
      const u = await who(actor);
      const i = parse(z.object({ exerciseId: exerciseId.optional() }), input ?? {});
      return prisma.submission.findMany({
        where: { userId: u.id, ...(i.exerciseId ? { exerciseId: i.exerciseId } : {}) },
        orderBy: { createdAt: "desc" },
        take: 100,
        select: { id: true, exerciseId: true, assignmentId: true, status: true, score: true, finalScore: true, late: true, gradable: true, attempts: true, createdAt: true, finishedAt: true },
      });
    },

    /** One submission with files and results: its learner's (or anonymous browser's), or one in a cohort the actor teaches. */
    async getSubmission(actor: Actor, submissionId: unknown) {
      const sid = parse(id, submissionId);
      if (actor && "anonId" in actor) {
        const s = await prisma.submission.findFirst({ where: { id: sid, anonId: actor.anonId }, include: { user: { select: { id: true, name: true, email: true } } } });
        if (!s) throw new DalError("not_found", "no such submission among those you may see");
        return s;
      }
      const u = await who(actor);
      const where: Prisma.SubmissionWhereInput =
        u.role === "admin"
          ? { id: sid }
          : {
              id: sid,
              OR: [
                { userId: u.id },
                { assignment: { cohort: { memberships: { some: { userId: u.id, role: { in: ["instructor", "admin"] } } } } } },
              ],
            };
      const s = await prisma.submission.findFirst({ where, include: { user: { select: { id: true, name: true, email: true } } } });
      if (!s) throw new DalError("not_found", "no such submission among those you may see");
      return s;
    },

    /** Joins the cohort of a join code as a learner (idempotent). */
    async joinCohort(actor: Actor, input: unknown) {
      const u = await who(actor);
      const i = parse(JoinInput, input);
      const code = i.code.includes("-") ? i.code : `${i.code.slice(0, 4)}-${i.code.slice(4)}`;
      const jc = await prisma.joinCode.findFirst({ where: { code, revokedAt: null }, include: { cohort: { select: { id: true, name: true } } } });
      if (!jc) throw new DalError("not_found", "no cohort has this join code (it may have been replaced)");
      await prisma.membership.upsert({
        where: { cohortId_userId: { cohortId: jc.cohortId, userId: u.id } },
        create: { cohortId: jc.cohortId, userId: u.id, role: jc.role },
        update: {},
      });
      return jc.cohort;
    },

    /** Cohorts the actor belongs to as a learner, with their assignments. */
    async myCohorts(actor: Actor) {
      const u = await who(actor);
      return prisma.cohort.findMany({
        where: { memberships: { some: { userId: u.id } } },
        select: { id: true, name: true, assignments: { orderBy: { dueAt: "asc" } }, memberships: { where: { userId: u.id }, select: { role: true } } },
      });
    },

    /** Instructors: a new cohort they teach, with a join code. */
    async createCohort(actor: Actor, input: unknown) {
      const u = await instructorRole(actor);
      const i = parse(CohortInput, input);
      return prisma.cohort.create({
        data: {
          name: i.name,
          ownerId: u.id,
          memberships: { create: { userId: u.id, role: "instructor" } },
          joinCodes: { create: { code: newJoinCode() } },
        },
        include: { joinCodes: true },
      });
    },

    /** Instructors: the cohorts they teach (admins: all). */
    async teachingCohorts(actor: Actor) {
      const u = await instructorRole(actor);
      return prisma.cohort.findMany({
        where: u.role === "admin" ? {} : { memberships: { some: { userId: u.id, role: { in: ["instructor", "admin"] } } } },
        orderBy: { createdAt: "desc" },
        include: { joinCodes: { where: { revokedAt: null } }, _count: { select: { memberships: { where: { role: "learner" } }, assignments: true } } },
      });
    },

    /** Instructors: one cohort they teach, with members, assignments and the live join code. */
    async getCohort(actor: Actor, cohortId: unknown) {
      const { cohort } = await taughtCohort(actor, cohortId);
      return prisma.cohort.findUniqueOrThrow({
        where: { id: cohort.id },
        include: {
          joinCodes: { where: { revokedAt: null } },
          assignments: { orderBy: { dueAt: "asc" } },
          memberships: { include: { user: { select: { id: true, name: true, email: true } } }, orderBy: { createdAt: "asc" } },
        },
      });
    },

    /** Instructors: replaces the cohort's join code (the old one stops working). */
    async rotateJoinCode(actor: Actor, cohortId: unknown) {
      const { cohort } = await taughtCohort(actor, cohortId);
      const [, created] = await prisma.$transaction([
        prisma.joinCode.updateMany({ where: { cohortId: cohort.id, revokedAt: null }, data: { revokedAt: now() } }),
        prisma.joinCode.create({ data: { cohortId: cohort.id, code: newJoinCode() } }),
      ]);
      return created;
    },

    /** Instructors: assigns an exercise to a cohort they teach. */
    async createAssignment(actor: Actor, cohortId: unknown, input: unknown) {
      const { cohort } = await taughtCohort(actor, cohortId);
      const i = parse(AssignmentInput, input);
      exercise(i.exerciseId);
      try {
        return await prisma.assignment.create({ data: { cohortId: cohort.id, ...i } });
      } catch (e) {
        if ((e as { code?: string }).code === "P2002") throw new DalError("conflict", `${i.exerciseId} is already assigned in this cohort`);
        throw e;
      }
    },

    /** Instructors: the latest submissions made for the assignments of a cohort they teach (without files or results). */
    async cohortSubmissions(actor: Actor, cohortId: unknown) {
      const { cohort } = await taughtCohort(actor, cohortId);
      return prisma.submission.findMany({
        where: { assignment: { cohortId: cohort.id } },
        orderBy: { createdAt: "desc" },
        take: 200,
        select: {
          id: true,
          exerciseId: true,
          status: true,
          score: true,
          finalScore: true,
          late: true,
          gradable: true,
          createdAt: true,
          user: { select: { id: true, name: true, email: true } },
        },
      });
    },

    /** Instructors: learners x assignments with best score (after late policy), lateness of that best, attempts. */
    async gradebook(actor: Actor, cohortId: unknown): Promise<Gradebook> {
      const { cohort } = await taughtCohort(actor, cohortId);
      return buildGradebook(cohort);
    },

    /** Instructors: the gradebook as CSV for Canvas or Moodle (lib/server/gradebook-csv.ts). */
    async gradebookCsv(actor: Actor, cohortId: unknown, format: unknown): Promise<{ filename: string; csv: string }> {
      const { cohort } = await taughtCohort(actor, cohortId);
      const f: CsvFormat = parse(z.enum(["canvas", "moodle"], { error: "expected canvas or moodle" }), format);
      const csv = gradebookCsv(await buildGradebook(cohort), f);
      const slug = cohort.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "cohort";
      return { filename: `${slug}-grades-${f}.csv`, csv };
    },

    /** Instructors: for each assignment, the hidden scenarios and detectors that most learners' best submissions fail. */
    async analytics(actor: Actor, cohortId: unknown): Promise<CohortAnalytics> {
      const { cohort } = await taughtCohort(actor, cohortId);
      const [assignments, learners] = await Promise.all([
        prisma.assignment.findMany({ where: { cohortId: cohort.id }, orderBy: { dueAt: "asc" } }),
        prisma.membership.findMany({ where: { cohortId: cohort.id, role: "learner" }, select: { userId: true } }),
      ]);
      const learnerIds = new Set(learners.map((l) => l.userId));
      const bests = await bestSubmissions(assignments.map((a) => a.id), learnerIds);
      const results = await prisma.submission.findMany({ where: { id: { in: [...bests.values()].map((b) => b.id) } }, select: { id: true, results: true } });
      const resultsById = new Map(results.map((r) => [r.id, r.results as ResultsJson | null]));
      return {
        cohort: { id: cohort.id, name: cohort.name },
        assignments: assignments.map((a) => {
          const counts = new Map<string, FailingRace>();
          let submitted = 0;
          for (const [key, best] of bests) {
            if (!key.startsWith(a.id + "|")) continue;
            submitted++;
            const seen = new Set<string>();
            for (const t of resultsById.get(best.id)?.tests ?? []) {
              if (t.hidden !== true || t.passed !== false) continue;
              const test = String(t.name ?? "?");
              const scenario = typeof t.scenario === "string" ? t.scenario : test;
              const detector = typeof t.report?.kind === "string" ? t.report.kind : "failed";
              const k = `${test}\u0000${detector}`;
              if (seen.has(k)) continue;
              seen.add(k);
              const c = counts.get(k) ?? { test, detector, learners: 0, scenarios: [], scenario };
              c.learners++;
              const sc = c.scenarios.find((x) => x.name === scenario);
              if (sc) sc.learners++;
              else c.scenarios.push({ name: scenario, learners: 1 });
              counts.set(k, c);
            }
          }
          for (const c of counts.values()) {
            c.scenarios.sort((x, y) => y.learners - x.learners || x.name.localeCompare(y.name));
            c.scenario = c.scenarios[0]!.name;
          }
          return {
            id: a.id,
            exerciseId: a.exerciseId,
            title: catalog.get(a.exerciseId)?.title ?? a.exerciseId,
            learners: learnerIds.size,
            submitted,
            failing: [...counts.values()].sort((x, y) => y.learners - x.learners || x.test.localeCompare(y.test) || x.detector.localeCompare(y.detector)),
          };
        }),
      };
    },
  };

  /** Best graded, gradable submission per (assignment, learner): highest final score, earliest on a tie. Key: `${assignmentId}|${userId}`. */
  async function bestSubmissions(assignmentIds: string[], learnerIds: Set<string>) {
    const subs = await prisma.submission.findMany({
      where: { assignmentId: { in: assignmentIds }, status: "done", gradable: true, userId: { in: [...learnerIds] } },
      select: { id: true, assignmentId: true, userId: true, finalScore: true, late: true, createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    const best = new Map<string, { id: string; finalScore: number; late: boolean; attempts: number }>();
    for (const s of subs) {
      const k = `${s.assignmentId}|${s.userId}`;
      const b = best.get(k);
      const score = s.finalScore ?? 0;
      if (!b) best.set(k, { id: s.id, finalScore: score, late: s.late, attempts: 1 });
      else {
        b.attempts++;
        if (score > b.finalScore) Object.assign(b, { id: s.id, finalScore: score, late: s.late });
      }
    }
    return best;
  }

  async function buildGradebook(cohort: { id: string; name: string }): Promise<Gradebook> {
    const [assignments, members] = await Promise.all([
      prisma.assignment.findMany({ where: { cohortId: cohort.id }, orderBy: { dueAt: "asc" } }),
      prisma.membership.findMany({ where: { cohortId: cohort.id, role: "learner" }, include: { user: { select: { id: true, name: true, email: true } } } }),
    ]);
    const best = await bestSubmissions(
      assignments.map((a) => a.id),
      new Set(members.map((m) => m.userId)),
    );
    const rows = members
      .map((m) => ({
        userId: m.user.id,
        name: m.user.name ?? "",
        email: m.user.email,
        cells: assignments.map((a) => {
          const b = best.get(`${a.id}|${m.userId}`);
          return { assignmentId: a.id, best: b ? b.finalScore : null, late: b ? b.late : null, attempts: b?.attempts ?? 0 };
        }),
      }))
      .sort((x, y) => x.name.localeCompare(y.name) || x.email.localeCompare(y.email));
    return {
      cohort: { id: cohort.id, name: cohort.name },
      assignments: assignments.map((a) => ({ id: a.id, exerciseId: a.exerciseId, title: catalog.get(a.exerciseId)?.title ?? a.exerciseId, dueAt: a.dueAt })),
      rows,
    };
  }
}

export type Dal = ReturnType<typeof createDal>;
