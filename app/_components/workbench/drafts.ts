/*
 * Drafts of a learner's files, kept in the browser's localStorage under one
 * key per exercise. A draft is written on every edit, so a reload or a
 * navigation never loses more than the keystroke in flight. Resetting to the
 * starter keeps the previous draft as a restorable copy (one per exercise).
 */

export type Files = Record<string, string>;

/** Storage as the drafts need it (localStorage, or a map in tests). */
export interface DraftStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = "rmap-course:draft:v1:";
const key = (exercise: string, which: "current" | "previous") => `${PREFIX}${exercise}:${which}`;

/** Parse stored files, keeping only the exercise's file names with string contents; null when there is nothing usable. */
function parse(text: string | null, names: readonly string[]): Files | null {
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const out: Files = {};
  for (const n of names) {
    const v = (raw as Record<string, unknown>)[n];
    if (typeof v === "string") out[n] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

export class Drafts {
  constructor(
    private readonly store: DraftStore,
    private readonly exercise: string,
    private readonly starter: Readonly<Files>,
  ) {}

  private get names(): string[] {
    return Object.keys(this.starter);
  }

  /** The learner's files: the saved draft where there is one, the starter elsewhere. */
  load(): Files {
    const saved = parse(this.store.getItem(key(this.exercise, "current")), this.names) ?? {};
    return Object.fromEntries(this.names.map((n) => [n, saved[n] ?? this.starter[n]!]));
  }

  save(files: Files): void {
    try {
      this.store.setItem(key(this.exercise, "current"), JSON.stringify(files));
    } catch {
      // Storage full or disabled (private windows): the editor keeps working, without persistence.
    }
  }

  /** Whether the files differ from the starter. */
  changed(files: Files): boolean {
    return this.names.some((n) => files[n] !== this.starter[n]);
  }

  /** Keep `files` as the restorable copy and start over from the starter; returns the starter. */
  reset(files: Files): Files {
    if (this.changed(files)) this.store.setItem(key(this.exercise, "previous"), JSON.stringify(files));
    const fresh = { ...this.starter };
    this.save(fresh);
    return fresh;
  }

  /** Keep `files` as the restorable copy (replacing the one kept before). */
  keep(files: Files): void {
    try {
      this.store.setItem(key(this.exercise, "previous"), JSON.stringify(files));
    } catch {
      // Storage full or disabled: nothing to keep it in.
    }
  }

  /** The copy kept by the last reset, if any. */
  previous(): Files | null {
    return parse(this.store.getItem(key(this.exercise, "previous")), this.names);
  }

  /** Bring back the copy kept by the last reset (the current files become the copy). */
  restore(current: Files): Files | null {
    const prev = this.previous();
    if (!prev) return null;
    const files = Object.fromEntries(this.names.map((n) => [n, prev[n] ?? this.starter[n]!]));
    if (this.changed(current)) this.store.setItem(key(this.exercise, "previous"), JSON.stringify(current));
    else this.store.removeItem(key(this.exercise, "previous"));
    this.save(files);
    return files;
  }
}
