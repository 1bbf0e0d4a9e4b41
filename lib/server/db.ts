/*
 * The one database client module. Two backends behind one generated Prisma
 * client and one migration history:
 * - PostgreSQL when DATABASE_URL is set (driver adapter @prisma/adapter-pg);
 * - otherwise the embedded PGlite (PostgreSQL compiled to WASM) in DATA_DIR,
 *   created on first open.
 * Opening migrates (lib/server/migrate.ts) before any query runs.
 *
 * Only lib/server/ imports this module; pages and route handlers go through
 * the data access layer (lib/server/dal.ts).
 */
import "server-only";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/prisma/client";
import { migrate, readMigrations, type SqlConnection } from "./migrate";
import { REPO_ROOT } from "./paths";
import { ReadCache, watchWrites } from "./read-cache";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** Where the data is: the PGlite folder, or the PostgreSQL URL without its password. */
  location: string;
  /** Migrations applied by this open. */
  applied: string[];
  /**
   * Cached reads, coherent because every write goes through this client:
   * only for the embedded database, which this process alone opens. Null
   * for PostgreSQL, where workers and other site processes write too.
   */
  cache: ReadCache | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A PostgreSQL URL; absent: PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite's folder; "memory://" for a throwaway in-memory database. */
  dataDir?: string;
  migrationsDir?: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
}

export const MIGRATIONS_DIR = join(REPO_ROOT, "prisma", "migrations");

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const migrations = readMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  if (options.databaseUrl) {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    let applied: string[];
    try {
      applied = await migrate(pgConnection(client), migrations);
    } finally {
      await client.end();
    }
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      kind: "postgres",
      location: redactUrl(options.databaseUrl),
      applied,
      cache: null,
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => undefined);
      },
    };
  }
  const dataDir = options.dataDir ?? ".data";
  const memory = dataDir.startsWith("memory://");
  const location = memory ? dataDir : resolve(dataDir, "pglite");
  if (!memory) mkdirSync(location, { recursive: true });
  const lite = await PGlite.create(location);
  const applied = await migrate(pgliteConnection(lite), migrations);
  const cache = new ReadCache();
  const prisma = new PrismaClient({ adapter: watchWrites(new PrismaPGlite(lite), () => cache.invalidate()) });
  return {
    prisma,
    kind: "pglite",
    location,
    applied,
    cache,
    async close() {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

export function pgConnection(client: pg.Client): SqlConnection {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export function pgliteConnection(lite: PGlite): SqlConnection {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await lite.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await lite.exec(sql);
    },
  };
}
