import { mkdtempSync, cpSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres";
import { MIGRATIONS_DIR, openDatabase, pgConnection, pgliteConnection } from "./db";
import { checksumOf, migrate, MigrationError, readMigrations, type SqlConnection } from "./migrate";
import { REPO_ROOT } from "./paths";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

interface Target {
  conn: SqlConnection;
  close(): Promise<void>;
}

const targets: [string, () => Promise<Target>][] = [
  [
    "PGlite",
    async () => {
      const lite = await PGlite.create("memory://");
      return { conn: pgliteConnection(lite), close: () => lite.close() };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const c = new pg.Client({ connectionString: await postgres.createDatabase() });
      await c.connect();
      return { conn: pgConnection(c), close: () => c.end() };
    },
  ],
];

function copyMigrations(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "rmap-mig-")), "migrations");
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

/** Columns of the schema as Prisma sees it, in the shape information_schema reports them. */
function expectedColumns() {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: readFileSync(join(REPO_ROOT, "prisma", "schema.prisma"), "utf8") }))) as {
    datamodel: { models: { name: string; fields: { name: string; kind: string; type: string; isRequired: boolean; isList: boolean; hasDefaultValue: boolean; isUpdatedAt: boolean }[] }[] };
  };
  const sqlType: Record<string, string> = { String: "text", Int: "integer", Float: "double precision", Boolean: "boolean", DateTime: "timestamp without time zone", Json: "jsonb" };
  const cols: string[] = [];
  for (const m of dmmf.datamodel.models) {
    for (const f of m.fields) {
      if (f.kind === "object") continue;
      const type = f.kind === "enum" ? `enum ${f.type}` : sqlType[f.type];
      // An @id with @default(cuid()) or an @updatedAt field has no SQL default: the client fills it.
      const sqlDefault = f.hasDefaultValue && !(f.name === "id");
      cols.push(`${m.name}.${f.name} ${type} ${f.isRequired ? "NOT NULL" : "NULL"}${sqlDefault ? " DEFAULT" : ""}`);
    }
  }
  return cols.sort();
}

async function actualColumns(conn: SqlConnection) {
  const rows = await conn.query<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
  );
  return rows
    .map((r) => {
      const type = r.data_type === "USER-DEFINED" ? `enum ${r.udt_name}` : r.data_type;
      return `${r.table_name}.${r.column_name} ${type} ${r.is_nullable === "NO" ? "NOT NULL" : "NULL"}${r.column_default !== null ? " DEFAULT" : ""}`;
    })
    .sort();
}

describe.each(targets)("migrations on %s", (_name, open) => {
  it("applies every migration once, records it as Prisma does, and matches schema.prisma", async () => {
    const t = await open();
    try {
      const local = readMigrations(MIGRATIONS_DIR);
      expect(local.length).toBeGreaterThan(0);
      expect(await migrate(t.conn, local)).toEqual(local.map((m) => m.name));
      expect(await migrate(t.conn, local)).toEqual([]);
      const rows = await t.conn.query<{ migration_name: string; checksum: string; finished_at: unknown; applied_steps_count: number; rolled_back_at: unknown; id: string }>(
        `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(local.map((m) => m.name));
      for (const [i, r] of rows.entries()) {
        const file = readFileSync(join(MIGRATIONS_DIR, local[i]!.name, "migration.sql"));
        expect(r.checksum).toBe(checksumOf(file.toString("utf8")));
        expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(r.finished_at).not.toBeNull();
        expect(r.rolled_back_at).toBeNull();
        expect(r.applied_steps_count).toBe(1);
        expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(await actualColumns(t.conn)).toEqual(expectedColumns());
    } finally {
      await t.close();
    }
  });

  it("refuses to start when an applied migration was changed, and applies nothing", async () => {
    const t = await open();
    try {
      const dir = copyMigrations();
      await migrate(t.conn, readMigrations(dir));
      const first = readMigrations(dir)[0]!;
      writeFileSync(join(dir, first.name, "migration.sql"), first.sql + "\n-- edited\n");
      mkdirSync(join(dir, "99990101000000_later"));
      writeFileSync(join(dir, "99990101000000_later", "migration.sql"), `CREATE TABLE "Later" ("id" TEXT NOT NULL);`);
      await expect(migrate(t.conn, readMigrations(dir))).rejects.toThrow(new RegExp(`migration ${first.name} was changed after it was applied`));
      expect(await t.conn.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Later'`)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("refuses a database migrated by a newer version, and one whose migration never finished", async () => {
    const t = await open();
    try {
      const dir = copyMigrations();
      const local = readMigrations(dir);
      await migrate(t.conn, local);
      await t.conn.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, applied_steps_count, finished_at) VALUES ($1, $2, $3, 1, now())`, [
        "00000000-0000-4000-8000-000000000001",
        "0".repeat(64),
        "99990101000000_from_the_future",
      ]);
      await expect(migrate(t.conn, local)).rejects.toThrow(/99990101000000_from_the_future, which is not in prisma\/migrations/);
      await t.conn.query(`UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = $1`, ["99990101000000_from_the_future"]);
      mkdirSync(join(dir, "99990101000000_from_the_future"));
      writeFileSync(join(dir, "99990101000000_from_the_future", "migration.sql"), "SELECT 1;");
      await expect(migrate(t.conn, readMigrations(dir))).rejects.toThrow(/started but never finished/);
    } finally {
      await t.close();
    }
  });

  it("rolls back a failing migration completely and records nothing", async () => {
    const t = await open();
    try {
      const dir = copyMigrations();
      mkdirSync(join(dir, "99990101000000_broken"));
      writeFileSync(join(dir, "99990101000000_broken", "migration.sql"), `CREATE TABLE "Half" ("id" TEXT);\nSELECT no_such_function();`);
      const err = await migrate(t.conn, readMigrations(dir)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(/migration 99990101000000_broken failed and was rolled back: .*no_such_function/);
      expect(await t.conn.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Half'`)).toEqual([]);
      const names = (await t.conn.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`)).map((r) => r.migration_name);
      expect(names).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.name));
    } finally {
      await t.close();
    }
  });
});

describe("openDatabase", () => {
  it("serialises concurrent starters on one PostgreSQL: each migration applied once", async () => {
    const url = await postgres.createDatabase();
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: url, poolSize: 2 })));
    try {
      expect(dbs.map((d) => d.applied.length).sort()).toEqual([0, 0, readMigrations(MIGRATIONS_DIR).length]);
      expect(await dbs[0]!.prisma.user.count()).toBe(0);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });

  it("creates the embedded database in the data folder it names, and reopens it migrated", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "rmap-data-")), "data");
    const a = await openDatabase({ dataDir });
    expect(a.location).toBe(join(dataDir, "pglite"));
    expect(a.applied.length).toBeGreaterThan(0);
    await a.prisma.user.create({ data: { email: "kept@example.org" } });
    await a.close();
    const b = await openDatabase({ dataDir });
    try {
      expect(b.applied).toEqual([]);
      expect(await b.prisma.user.findUnique({ where: { email: "kept@example.org" } })).not.toBeNull();
    } finally {
      await b.close();
    }
  });
});
