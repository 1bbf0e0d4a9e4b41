/*
 * Cached reads for a database this process alone writes (the embedded
 * PGlite: one process owns its folder). Every write through the database
 * client moves a generation counter (watchWrites wraps the driver adapter,
 * so any write counts: model calls, raw SQL, transactions); a cached value
 * is served only while the generation it was read at is still current.
 *
 * Invariants:
 * - A value read while a write ran is never served afterwards: the
 *   generation moves before the write starts, after it finishes, and after
 *   its transaction commits or rolls back.
 * - Concurrent misses on one key share one load (one query for a burst).
 * - A failed load is not kept.
 * - A write is let through without moving the generation only when it is
 *   one plain INSERT INTO / UPDATE / DELETE FROM statement of a table in
 *   TABLES_NO_CACHED_READ_USES; anything else (several statements, a CTE, a
 *   script, a commit or rollback) moves it.
 * Precondition: callers treat cached values as read-only (they are shared).
 * Not for PostgreSQL: other processes (workers, other sites) write there.
 */
import "server-only";
import { LRUCache } from "lru-cache";

interface Entry {
  generation: number;
  value: Promise<unknown>;
}

export class ReadCache {
  #generation = 0;
  readonly #entries: LRUCache<string, Entry>;

  constructor(max = 10_000) {
    this.#entries = new LRUCache<string, Entry>({ max });
  }

  /** Every cached value read before now is stale. */
  invalidate(): void {
    this.#generation++;
  }

  get generation(): number {
    return this.#generation;
  }

  /** The value of `key` read at the current generation, loading it once if there is none. */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && hit.generation === this.#generation) return hit.value as Promise<T>;
    const entry: Entry = { generation: this.#generation, value: load() };
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    this.#entries.set(key, entry);
    return entry.value as Promise<T>;
  }
}

/**
 * Tables that no cached read depends on: the data access layer caches only
 * `who`, `me` and `dashboard` (User, Progress, Submission, Membership,
 * Cohort). Drafts are saved every few seconds by every learner editing; if
 * their writes moved the generation, no cached read would survive a class at
 * work. Precondition: no cached read of lib/server/dal.ts reads these tables
 * (read-cache.test.ts checks the source), and writing them changes no other
 * table (no trigger; Draft is no foreign key's target).
 */
export const TABLES_NO_CACHED_READ_USES: readonly string[] = ["Draft"];

const LEADING_COMMENTS = /^(\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/;

/** Whether a statement only reads: a SELECT (or SHOW), after leading comments. Anything else counts as a write. */
export function isReadOnlySql(sql: string): boolean {
  const s = sql.replace(LEADING_COMMENTS, "");
  return /^(select|show)\b/i.test(s);
}

/**
 * The one table a single plain INSERT INTO, UPDATE or DELETE FROM statement
 * writes (its name quoted, optionally in "public", as Prisma writes it), or
 * null for anything else: several statements (any semicolon before the end),
 * a WITH, another command, an unquoted or other-schema name.
 */
export function writtenTable(sql: string): string | null {
  const s = sql.replace(LEADING_COMMENTS, "").replace(/[\s;]+$/, "");
  if (s.includes(";")) return null;
  const m = /^(?:insert\s+into|update|delete\s+from)\s+(?:"public"\s*\.\s*)?"([A-Za-z_][A-Za-z0-9_]*)"(?=[\s(]|$)/i.exec(s);
  return m ? m[1]! : null;
}

/** A statement that leaves every cached read as it is: a read, or a plain write of a table no cached read uses. */
function leavesCacheValid(sql: string): boolean {
  if (isReadOnlySql(sql)) return true;
  const t = writtenTable(sql);
  return t !== null && TABLES_NO_CACHED_READ_USES.includes(t);
}

type AnyFn = (...args: unknown[]) => unknown;

async function around<T>(changed: () => void, run: () => Promise<T>): Promise<T> {
  changed();
  try {
    return await run();
  } finally {
    changed();
  }
}

/** A transaction or connection of a Prisma driver adapter, calling `changed` around every write. */
function watchQueryable<T extends object>(target: T, changed: () => void): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      const fn = (v as AnyFn).bind(t);
      switch (prop) {
        case "queryRaw":
        case "executeRaw":
          return (q: { sql: string }) => (leavesCacheValid(q.sql) ? fn(q) : around(changed, () => fn(q) as Promise<unknown>));
        case "executeScript":
          return (...a: unknown[]) => around(changed, () => fn(...a) as Promise<unknown>);
        case "startTransaction":
          return async (...a: unknown[]) => watchQueryable((await fn(...a)) as object, changed);
        case "commit":
        case "rollback":
          return (...a: unknown[]) => around(changed, () => fn(...a) as Promise<unknown>);
        default:
          return fn;
      }
    },
  });
}

/** A Prisma driver adapter factory whose connections call `changed` before and after every write. */
export function watchWrites<F extends { connect(): Promise<object> }>(factory: F, changed: () => void): F {
  return new Proxy(factory, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (prop === "connect" && typeof v === "function") return async () => watchQueryable(await (v as () => Promise<object>).call(t), changed);
      return typeof v === "function" ? (v as AnyFn).bind(t) : v;
    },
  });
}
