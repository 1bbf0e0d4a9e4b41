import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorld, type World } from "../../test/support/world";
import { isReadOnlySql, ReadCache, TABLES_NO_CACHED_READ_USES, writtenTable } from "./read-cache";

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

describe("writtenTable", () => {
  it("names the one table of a plain insert, update or delete as Prisma writes it", () => {
    expect(writtenTable('INSERT INTO "public"."Draft" ("id","files") VALUES ($1,$2) RETURNING "public"."Draft"."id"')).toBe("Draft");
    expect(writtenTable('UPDATE "public"."Draft" SET "files" = $1 WHERE ("public"."Draft"."userId" = $2)')).toBe("Draft");
    expect(writtenTable('delete from "Draft" where "id" = $1;')).toBe("Draft");
    expect(writtenTable('/* c */ INSERT INTO "Draft"("id") VALUES ($1)')).toBe("Draft");
  });

  it("is null for anything that could write more than one table", () => {
    for (const sql of [
      'UPDATE "Draft" SET "files" = $1; UPDATE "User" SET "role" = \'admin\'',
      'WITH d AS (DELETE FROM "User" RETURNING *) INSERT INTO "Draft" SELECT * FROM d',
      'INSERT INTO Draft VALUES (1)',
      'UPDATE "other"."Draft" SET a = 1',
      'UPDATE "Draftx" SET a = 1',
      "TRUNCATE \"Draft\" CASCADE",
      "BEGIN",
      'SELECT * FROM "Draft"',
    ]) {
      expect(writtenTable(sql) === null || writtenTable(sql) !== "Draft", sql).toBe(true);
    }
    expect(writtenTable('UPDATE "Draftx" SET a = 1')).toBe("Draftx");
    expect(writtenTable('UPDATE "Draft" SET "files" = $1; UPDATE "User" SET "role" = \'admin\'')).toBeNull();
  });

  it("no cached read of the data access layer reads a table whose writes leave the cache as it is", () => {
    const src = readFileSync(join(import.meta.dirname, "dal.ts"), "utf8");
    // The loaders handed to cached(...), and dashboardOf, which one of them calls.
    const loaders = [...src.matchAll(/cached\(`[^`]*`, \(\) => ([^\n]*)/g)].map((m) => m[1]!);
    expect(loaders.length).toBeGreaterThanOrEqual(3);
    const start = src.indexOf("async function dashboardOf(");
    expect(start).toBeGreaterThan(0);
    loaders.push(src.slice(start, src.indexOf("\n  }\n", start)));
    for (const table of TABLES_NO_CACHED_READ_USES) {
      const model = table[0]!.toLowerCase() + table.slice(1);
      for (const l of loaders) expect(l, `a cached read uses ${table}`).not.toMatch(new RegExp(`\\b${model}s?\\b|"${table}"`));
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

  it("a saved draft leaves the cached reads as they are; a write of another table in the same breath does not", async () => {
    const a = w.actors.learnerA;
    const before = await w.dal.dashboard(a);
    const saved = await w.dal.saveDraft(a, { exerciseId: "00-tools", files: { "eventlog.ts": "// one" }, baseRevision: 0 });
    const again = await w.dal.saveDraft(a, { exerciseId: "00-tools", files: { "eventlog.ts": "// two" }, baseRevision: saved.saved ? saved.revision : 0 });
    expect(again.saved).toBe(true);
    expect(await w.dal.dashboard(a)).toBe(before); // still a hit
    await w.db.prisma.$executeRawUnsafe('UPDATE "Draft" SET "revision" = "revision" WHERE "userId" = $1', w.ids.userA);
    expect(await w.dal.dashboard(a)).toBe(before);
    // A draft write with a progress write in one transaction moves the generation.
    await w.db.prisma.$transaction(async (tx) => {
      await tx.draft.updateMany({ where: { userId: w.ids.userA }, data: { revision: { increment: 1 } } });
      await tx.progress.updateMany({ where: { userId: w.ids.userA, lessonSlug: "00-tools" }, data: { bestScore: 0.9 } });
    });
    const after = await w.dal.dashboard(a);
    expect(after).not.toBe(before);
    expect(after.lessons.find((l) => l.lessonSlug === "00-tools")?.bestScore).toBe(0.9);
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
