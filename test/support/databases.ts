/*
 * The two databases every data-access and queue test runs against: the
 * embedded default (PGlite, in memory) and a real PostgreSQL (a throwaway
 * cluster). Each call of `open` gives a fresh, migrated, empty database.
 */
import { type Database, openDatabase } from "../../lib/server/db";
import { startPostgres, type TestPostgres } from "./postgres";

export type Backend = "pglite" | "postgres";
export const BACKENDS: Backend[] = ["pglite", "postgres"];

let postgres: Promise<TestPostgres> | undefined;

export async function openTestDatabase(backend: Backend): Promise<Database & { url?: string }> {
  if (backend === "pglite") return openDatabase({ dataDir: "memory://" });
  postgres ??= startPostgres();
  const url = await (await postgres).createDatabase();
  return Object.assign(await openDatabase({ databaseUrl: url, poolSize: 5 }), { url });
}

/** Stops the PostgreSQL cluster, if one was started (call in afterAll). */
export async function stopTestDatabases(): Promise<void> {
  if (postgres) await (await postgres).stop();
  postgres = undefined;
}
