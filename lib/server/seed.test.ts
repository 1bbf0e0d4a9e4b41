import { afterAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestDatabase, stopTestDatabases } from "../../test/support/databases";
import { createDal } from "./dal";
import { loadCatalog } from "./exercises";
import { DEMO, seedDemo, seedMessage, shouldSeed } from "./seed";

afterAll(async () => {
  await stopTestDatabases();
});

describe.each(BACKENDS)("the demo seed on %s", (backend) => {
  it("seeds an empty database once: both accounts sign in, the learner is in the instructor's cohort with an assignment", async () => {
    const db = await openTestDatabase(backend);
    try {
      const dal = createDal({ prisma: db.prisma, catalog: loadCatalog(), queue: { enqueue: async () => {} }, submitLimit: 5, submitWindowSeconds: 60, instructorSignup: "closed" });
      expect(await shouldSeed(db.prisma, "off", true)).toBe(false);
      expect(await shouldSeed(db.prisma, "auto", false)).toBe(false);
      expect(await shouldSeed(db.prisma, "auto", true)).toBe(true);
      expect(await shouldSeed(db.prisma, "on", false)).toBe(true);
      // INSTRUCTOR_SIGNUP=closed governs sign-up, not the seed.
      const open = dal;
      const seeded = await seedDemo({ dal: open, prisma: db.prisma });
      expect(seeded.instructor.password).toMatch(/^[\w-]{16}$/);
      const teacher = await open.verifyCredentials(null, { email: DEMO.instructor.email, password: seeded.instructor.password });
      const learner = await open.verifyCredentials(null, { email: DEMO.learner.email, password: seeded.learner.password });
      expect(teacher).toMatchObject({ role: "instructor" });
      expect(learner).toMatchObject({ role: "learner" });
      const [cohort] = await open.myCohorts({ userId: learner!.id });
      expect(cohort).toMatchObject({ name: DEMO.cohort, assignments: [{ exerciseId: DEMO.exercise, latePolicy: "penalty" }] });
      expect((await open.teachingCohorts({ userId: teacher!.id })).map((c) => c.name)).toEqual([DEMO.cohort]);
      expect(seedMessage(seeded)).toContain(seeded.learner.password);
      // Never again on a database with users.
      expect(await shouldSeed(db.prisma, "on", true)).toBe(false);
      const fromEnv = seedMessage({ ...seeded, passwordFromEnv: true });
      expect(fromEnv).not.toContain(seeded.learner.password);
    } finally {
      await db.close();
    }
  });
});
