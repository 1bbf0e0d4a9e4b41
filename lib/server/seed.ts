/*
 * Demo accounts, so a fresh install can be tried as an instructor and as a
 * learner at once: an instructor with a cohort and one assignment, and a
 * learner in that cohort.
 *
 * When (SEED_DEMO): `auto` (default) seeds the embedded database only, and
 * only while it has no user at all; a PostgreSQL database (a deployment) is
 * seeded only with SEED_DEMO=on, and also only while it has no user; `off`
 * never seeds. Passwords come from SEED_PASSWORD, else are generated and
 * printed once, at the start that creates the accounts.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import type { Dal } from "./dal";
import type { PrismaClient } from "./generated/prisma/client";

export const DEMO = {
  instructor: { email: "instructor@example.org", name: "Demo Instructor" },
  learner: { email: "learner@example.org", name: "Demo Learner" },
  cohort: "Demo cohort",
  exercise: "01-anon-vma",
};

export type SeedMode = "auto" | "on" | "off";

export interface SeedResult {
  instructor: { email: string; password: string };
  learner: { email: string; password: string };
  /** The password came from SEED_PASSWORD (not printed). */
  passwordFromEnv: boolean;
}

/** Whether this database should be seeded now: the mode allows it and it has no user yet. */
export async function shouldSeed(prisma: PrismaClient, mode: SeedMode, embedded: boolean): Promise<boolean> {
  if (mode === "off" || (mode === "auto" && !embedded)) return false;
  return (await prisma.user.count()) === 0;
}

/** Creates the demo accounts, cohort and assignment. Precondition: shouldSeed() said yes. */
export async function seedDemo(o: { dal: Dal; prisma: PrismaClient; password?: string; now?: Date; exerciseId?: string }): Promise<SeedResult> {
  const password = o.password ?? randomBytes(12).toString("base64url");
  // Made an instructor directly: INSTRUCTOR_SIGNUP governs who may sign up as one, not the operator's seed.
  const signedUp = await o.dal.signUp(null, { ...DEMO.instructor, password });
  const instructor = await o.prisma.user.update({ where: { id: signedUp.id }, data: { role: "instructor" }, select: { id: true, email: true } });
  const learner = await o.dal.signUp(null, { ...DEMO.learner, password });
  const cohort = await o.dal.createCohort({ userId: instructor.id }, { name: DEMO.cohort });
  await o.dal.joinCohort({ userId: learner.id }, { code: cohort.joinCodes[0]!.code });
  const now = o.now ?? new Date();
  await o.dal.createAssignment({ userId: instructor.id }, cohort.id, {
    exerciseId: o.exerciseId ?? DEMO.exercise,
    opensAt: new Date(now.getTime() - 86_400_000).toISOString(),
    dueAt: new Date(now.getTime() + 14 * 86_400_000).toISOString(),
    latePolicy: "penalty",
    penaltyPerDay: 0.1,
  });
  return { instructor: { email: instructor.email, password }, learner: { email: learner.email, password }, passwordFromEnv: o.password !== undefined };
}

/** The lines printed after seeding. */
export function seedMessage(r: SeedResult): string {
  const pw = (p: string) => (r.passwordFromEnv ? "(SEED_PASSWORD)" : p);
  return [
    "[server] demo accounts created (an empty database; SEED_DEMO=off to skip):",
    `[server]   instructor  ${r.instructor.email}  password ${pw(r.instructor.password)}`,
    `[server]   learner     ${r.learner.email}  password ${pw(r.learner.password)}`,
    ...(r.passwordFromEnv ? [] : ["[server] the passwords are shown only now; change them or set SEED_PASSWORD before a first start"]),
  ].join("\n");
}
