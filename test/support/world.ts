/*
 * The shared test world: five users (two learners, two instructors each
 * teaching one cohort, an admin), an assignment per cohort, a submission per
 * learner and a draft, on a fresh database of the given backend.
 */
import { createDal, type Actor, type Dal } from "../../lib/server/dal";
import type { Database } from "../../lib/server/db";
import { loadCatalog } from "../../lib/server/exercises";
import { type Backend, openTestDatabase } from "./databases";

export const catalog = loadCatalog();
export const EX = "01-anon-vma";
export const SOURCE = { "rmap.ts": "export const x = 1;\n" };

export type Who = "anonymous" | "learnerA" | "learnerB" | "instructorA" | "instructorB" | "admin";
export type Expect = "ok" | "unauthenticated" | "forbidden" | "not_found";

export interface World {
  db: Database;
  dal: Dal;
  enqueued: string[];
  clock: { now: Date };
  actors: Record<Who, Actor>;
  ids: { cohortA: string; cohortB: string; assignmentA: string; submissionA: string; submissionB: string; joinCodeA: string; userA: string };
}

export async function makeWorld(backend: Backend, opts: { submitLimit?: number } = {}): Promise<World> {
  const db = await openTestDatabase(backend);
  const enqueued: string[] = [];
  const clock = { now: new Date("2026-03-01T12:00:00Z") };
  const dal = createDal({
    prisma: db.prisma,
    catalog,
    queue: { enqueue: async (id) => void enqueued.push(id) },
    submitLimit: opts.submitLimit ?? 1000,
    submitWindowSeconds: 60,
    instructorSignup: "open",
    now: () => clock.now,
    cache: db.cache,
  });
  const mk = async (email: string, role: "learner" | "instructor" | "admin") => (await db.prisma.user.create({ data: { email, name: email.split("@")[0], role } })).id;
  const users = {
    learnerA: await mk("ada@example.org", "learner"),
    learnerB: await mk("bob@example.org", "learner"),
    instructorA: await mk("ines@example.org", "instructor"),
    instructorB: await mk("ivan@example.org", "instructor"),
    admin: await mk("root@example.org", "admin"),
  };
  const actors: Record<Who, Actor> = {
    anonymous: null,
    learnerA: { userId: users.learnerA },
    learnerB: { userId: users.learnerB },
    instructorA: { userId: users.instructorA },
    instructorB: { userId: users.instructorB },
    admin: { userId: users.admin },
  };
  const cohortA = await dal.createCohort(actors.instructorA, { name: "=SUM(A1) Autumn" });
  const cohortB = await dal.createCohort(actors.instructorB, { name: "Spring" });
  await dal.joinCohort(actors.learnerA, { code: cohortA.joinCodes[0]!.code });
  await dal.joinCohort(actors.learnerB, { code: cohortB.joinCodes[0]!.code });
  const assignmentA = await dal.createAssignment(actors.instructorA, cohortA.id, {
    exerciseId: EX,
    opensAt: "2026-02-01T00:00:00Z",
    dueAt: "2026-03-10T00:00:00Z",
    latePolicy: "penalty",
    penaltyPerDay: 0.1,
  });
  const assignmentB = await dal.createAssignment(actors.instructorB, cohortB.id, {
    exerciseId: EX,
    opensAt: "2026-02-01T00:00:00Z",
    dueAt: "2026-03-10T00:00:00Z",
    latePolicy: "closed",
  });
  const subA = await dal.submit(actors.learnerA, { exerciseId: EX, files: SOURCE, assignmentId: assignmentA.id });
  const subB = await dal.submit(actors.learnerB, { exerciseId: EX, files: SOURCE, assignmentId: assignmentB.id });
  await dal.saveDraft(actors.learnerA, { exerciseId: EX, files: SOURCE, baseRevision: 0 });
  return {
    db,
    dal,
    enqueued,
    clock,
    actors,
    ids: {
      cohortA: cohortA.id,
      cohortB: cohortB.id,
      assignmentA: assignmentA.id,
      submissionA: subA.id,
      submissionB: subB.id,
      joinCodeA: cohortA.joinCodes[0]!.code,
      userA: users.learnerA,
    },
  };
}

