/*
 * The migration runner: applies prisma/migrations/<name>/migration.sql in
 * name order and records each in `_prisma_migrations` exactly as Prisma's
 * `migrate deploy` does (sha256 hex checksum of the file, finished_at,
 * applied_steps_count = 1), so that history stays valid for Prisma's own CLI
 * wherever its engine is available.
 *
 * Invariants:
 * - Each migration runs in one transaction with its record: it is applied
 *   completely and recorded, or not at all.
 * - Concurrent starters (a site and several workers on one PostgreSQL)
 *   serialise on Prisma's advisory lock key, so each migration runs once.
 * - It refuses to start (MigrationError) when an applied migration's file has
 *   changed, is missing here, or never finished.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One connection (never a pool): the lock and each transaction must hold one session. */
export interface SqlConnection {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** The advisory lock key Prisma's migrate takes. */
const PRISMA_MIGRATE_LOCK = 72707369;

export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** The migrations folder's migrations, in the order they apply. */
export function readMigrations(dir: string): LocalMigration[] {
  if (!existsSync(dir)) throw new MigrationError(`no migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = join(dir, name, "migration.sql");
      if (!existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql`);
      const sql = readFileSync(file, "utf8");
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

/**
 * Applies the pending migrations of `migrations` on `conn` and returns the
 * names applied now. Throws MigrationError, applying nothing, when the
 * database's history disagrees with `migrations`.
 */
export async function migrate(conn: SqlConnection, migrations: LocalMigration[]): Promise<string[]> {
  await conn.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
  try {
    await conn.exec(MIGRATIONS_TABLE_SQL);
    const rows = await conn.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
    );
    const local = new Map(migrations.map((m) => [m.name, m]));
    const applied = new Set<string>();
    for (const row of rows) {
      const m = local.get(row.migration_name);
      if (!m) {
        throw new MigrationError(
          `the database has migration ${row.migration_name}, which is not in prisma/migrations: it was migrated by a newer version of the site; run that version or restore the migration`,
        );
      }
      if (row.finished_at === null) {
        throw new MigrationError(
          `migration ${row.migration_name} started but never finished; inspect the database, then mark it rolled back (rolled_back_at) or finished in _prisma_migrations`,
        );
      }
      if (row.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${row.migration_name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on disk); restore the file and add a new migration instead`,
        );
      }
      applied.add(row.migration_name);
    }
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      await conn.exec("BEGIN");
      try {
        const id = randomUUID();
        await conn.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, m.checksum, m.name],
        );
        await conn.exec(m.sql);
        await conn.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
        await conn.exec("COMMIT");
      } catch (e) {
        await conn.exec("ROLLBACK");
        throw new MigrationError(`migration ${m.name} failed and was rolled back: ${(e as Error).message}`);
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await conn.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]);
  }
}
