/*
 * Grading one stored submission: the step every queue implementation runs.
 *
 * Exactly-once recording: a grading run first claims the submission by
 * raising `attempts` from the value it read (queued or grading -> grading),
 * and records its results only with `status = grading AND attempts = <its
 * claim>`. A run whose worker was presumed dead and whose submission was
 * claimed again can therefore never overwrite the later run's record, and a
 * finished submission (done or failed) is never claimed again.
 *
 * Retries: `grade` throwing (or returning something that is not a results
 * object) is a grader crash: the caller retries with backoff until
 * `maxAttempts`, then the submission is recorded as failed (it costs the
 * learner no attempt). Failing learner code is a normal result: never retried.
 * A submission whose grading was interrupted `maxAttempts` times (a worker
 * killed each time) is recorded as failed at its next claim.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { type Results, ResultsSchema } from "rmap-schemas";
import { finalScore, lateness } from "../dal";
import type { Catalog } from "../exercises";
import type { PrismaClient } from "../generated/prisma/client";

/** Grades learner files against an exercise folder; rejects only when the grader itself fails. */
export type GradeFn = (exerciseDir: string, files: Record<string, string>) => Promise<Results>;

export interface GradingDeps {
  prisma: PrismaClient;
  catalog: Catalog;
  grade: GradeFn;
  graderVersion: string;
  maxAttempts: number;
}

export type GradingOutcome =
  /** Results recorded by this run. */
  | { kind: "recorded"; score: number; gradable: boolean }
  /** Already done or failed, or claimed by a later run: nothing to do. */
  | { kind: "skipped"; reason: string }
  /** Recorded as failed (attempts exhausted). */
  | { kind: "failed"; error: string };

/** Thrown when the grader crashed and the submission may be retried. */
export class GraderCrash extends Error {
  override name = "GraderCrash";
  constructor(
    message: string,
    readonly attempt: number,
  ) {
    super(message);
  }
}

export async function gradeSubmission(deps: GradingDeps, submissionId: string): Promise<GradingOutcome> {
  const { prisma } = deps;
  const s = await prisma.submission.findUnique({ where: { id: submissionId }, include: { assignment: true } });
  if (!s) return { kind: "skipped", reason: "no such submission" };
  if (s.status === "done" || s.status === "failed") return { kind: "skipped", reason: `already ${s.status}` };
  if (s.attempts >= deps.maxAttempts) {
    const error = `grading was interrupted ${s.attempts} times; this submission could not be graded and costs no attempt`;
    const r = await prisma.submission.updateMany({
      where: { id: s.id, attempts: s.attempts, status: { in: ["queued", "grading"] } },
      data: { status: "failed", error, finishedAt: new Date() },
    });
    return r.count === 1 ? { kind: "failed", error } : { kind: "skipped", reason: "claimed by another run" };
  }
  const attempt = s.attempts + 1;
  const startedAt = new Date();
  const claimed = await prisma.submission.updateMany({
    where: { id: s.id, attempts: s.attempts, status: { in: ["queued", "grading"] } },
    data: { status: "grading", attempts: attempt, startedAt },
  });
  if (claimed.count !== 1) return { kind: "skipped", reason: "claimed by another run" };

  const ex = deps.catalog.get(s.exerciseId);
  let results: Results;
  const t0 = performance.now();
  try {
    if (!ex) throw new Error(`exercise ${s.exerciseId} is not in this server's catalog`);
    const raw = await deps.grade(ex.dir, s.files as Record<string, string>);
    const parsed = ResultsSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`the grader returned malformed results: ${parsed.error.issues[0]?.message ?? "?"}`);
    results = parsed.data;
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    if (attempt >= deps.maxAttempts) {
      const error = `the grader failed ${attempt} times (${message}); this submission costs no attempt`;
      const r = await prisma.submission.updateMany({
        where: { id: s.id, status: "grading", attempts: attempt },
        data: { status: "failed", error, finishedAt: new Date() },
      });
      return r.count === 1 ? { kind: "failed", error } : { kind: "skipped", reason: "claimed by another run" };
    }
    throw new GraderCrash(message, attempt);
  }
  const gradeMs = performance.now() - t0;
  const finishedAt = new Date();
  const daysLate = s.assignment ? lateness(s.assignment, s.createdAt).daysLate : 0;
  const score = results.gradable ? results.score : 0;
  const final = s.assignment ? finalScore(score, s.assignment, daysLate) : score;
  const lessonSlug = ex!.lessonSlug;

  const recorded = await prisma.$transaction(async (tx) => {
    const r = await tx.submission.updateMany({
      where: { id: s.id, status: "grading", attempts: attempt },
      data: {
        status: "done",
        gradable: results.gradable,
        score,
        finalScore: final,
        results: results as object,
        timings: { queueMs: startedAt.getTime() - s.createdAt.getTime(), gradeMs: Math.round(gradeMs), totalMs: finishedAt.getTime() - s.createdAt.getTime(), grader: results.timings },
        graderVersion: deps.graderVersion,
        finishedAt,
      },
    });
    if (r.count !== 1) return false;
    if (results.gradable && s.userId) {
      // One statement, so two workers grading the same learner's lesson at once keep the higher score.
      await tx.$executeRaw`
        INSERT INTO "Progress" ("id", "userId", "lessonSlug", "bestScore", "completedAt", "updatedAt")
        VALUES (${randomUUID()}, ${s.userId}, ${lessonSlug}, ${score}, ${score >= 1 ? finishedAt : null}, ${finishedAt})
        ON CONFLICT ("userId", "lessonSlug") DO UPDATE SET
          "bestScore" = GREATEST(COALESCE("Progress"."bestScore", 0), EXCLUDED."bestScore"),
          "completedAt" = COALESCE("Progress"."completedAt", EXCLUDED."completedAt"),
          "updatedAt" = EXCLUDED."updatedAt"`;
    }
    return true;
  });
  return recorded ? { kind: "recorded", score, gradable: results.gradable } : { kind: "skipped", reason: "claimed by another run" };
}

/** Exponential backoff for grader crashes: base * 2^(attempt-1), capped at 60 s. */
export function backoffMs(attempt: number, baseMs = 1000): number {
  return Math.min(60_000, baseMs * 2 ** Math.max(0, attempt - 1));
}
