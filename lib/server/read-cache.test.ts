import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorld, type World } from "../../test/support/world";
import { isReadOnlySql, ReadCache } from "./read-cache";

describe("ReadCache", () => {
  it("shares one load between concurrent misses and serves it until a write", async () => {
    const c = new ReadCache();
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([c.get("k", load), c.get("k", load), c.get("k", load)])).toEqual([1, 1, 1]);
    expect(await c.get("k", load)).toBe(1);
    c.invalidate();
    expect(await c.get("k", load)).toBe(2);
  });

  it("never serves a value whose read overlapped a write", async () => {
    const c = new ReadCache();
    let release!: (v: string) => void;
    const slow = c.get("k", () => new Promise<string>((r) => (release = r)));
    c.invalidate(); // a write lands while the read is running
    release("before the write");
    expect(await slow).toBe("before the write");
    expect(await c.get("k", async () => "after the write")).toBe("after the write");
  });

  it("keeps no failed load", async () => {
    const c = new ReadCache();
    await expect(c.get("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await c.get("k", async () => "ok")).toBe("ok");
  });

  it("counts only SELECT and SHOW as reads", () => {
    for (const sql of ["SELECT 1", "  select * from x", "/* c */ SELECT 1", "-- c\nselect 1", "SHOW server_version"]) expect(isReadOnlySql(sql), sql).toBe(true);
    for (const sql of ["INSERT INTO x VALUES (1) RETURNING *", "update x set a = 1", "DELETE FROM x", "WITH d AS (DELETE FROM x RETURNING *) SELECT * FROM d", "BEGIN", "/* select */ UPDATE x SET a = 1", "selected"]) {
      expect(isReadOnlySql(sql), sql).toBe(false);
    }
  });
});

describe("cached reads on the embedded database follow every write", () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld("pglite");
  });
  afterAll(async () => {
    await w?.db.close();
  });

  it("is on for the embedded database", () => {
    expect(w.db.cache).not.toBeNull();
  });

  it("sees a model write, a raw write and a write inside a transaction at once", async () => {
    const a = w.actors.learnerA;
    const before = await w.dal.dashboard(a);
    expect(await w.dal.dashboard(a)).toBe(before); // a hit: the same shared value, no query
    const best = () => w.dal.dashboard(a).then((d) => d.lessons.find((l) => l.lessonSlug === "00-tools")?.bestScore ?? null);

    await w.db.prisma.progress.upsert({
      where: { userId_lessonSlug: { userId: w.ids.userA, lessonSlug: "00-tools" } },
      create: { userId: w.ids.userA, lessonSlug: "00-tools", bestScore: 0.25 },
      update: { bestScore: 0.25 },
    });
    expect(await best()).toBe(0.25);

    await w.db.prisma.$executeRaw`UPDATE "Progress" SET "bestScore" = 0.5 WHERE "userId" = ${w.ids.userA} AND "lessonSlug" = '00-tools'`;
    expect(await best()).toBe(0.5);

    await w.db.prisma.$transaction(async (tx) => {
      await tx.progress.updateMany({ where: { userId: w.ids.userA, lessonSlug: "00-tools" }, data: { bestScore: 0.75 } });
    });
    expect(await best()).toBe(0.75);
  });

  it("a demoted user loses rights at once", async () => {
    const admin = w.actors.admin;
    const userId = (w.actors.instructorB as { userId: string }).userId;
    await expect(w.dal.teachingCohorts(w.actors.instructorB)).resolves.toBeDefined();
    await w.dal.setRole(admin, { userId, role: "learner" });
    await expect(w.dal.teachingCohorts(w.actors.instructorB)).rejects.toMatchObject({ code: "forbidden" });
    await w.dal.setRole(admin, { userId, role: "instructor" });
  });
});
