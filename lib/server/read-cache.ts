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

/** Whether a statement only reads: a SELECT (or SHOW), after leading comments. Anything else counts as a write. */
export function isReadOnlySql(sql: string): boolean {
  const s = sql.replace(/^(\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, "");
  return /^(select|show)\b/i.test(s);
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
          return (q: { sql: string }) => (isReadOnlySql(q.sql) ? fn(q) : around(changed, () => fn(q) as Promise<unknown>));
        case "executeRaw":
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
