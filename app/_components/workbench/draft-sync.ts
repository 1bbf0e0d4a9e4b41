/*
 * A signed-in learner's draft follows them across browsers: the browser's
 * copy (localStorage, Drafts) is saved to the server a moment after each edit
 * (debounced), and on opening an exercise the server's copy is reconciled
 * with the browser's. Signed out (the server answers 401), nothing is synced.
 *
 * The server keeps a revision per draft and refuses a save based on an older
 * one (409 with its copy). Reconciling never loses either copy:
 * - the same files on both sides: in sync;
 * - the browser has no edits since it last synced: the server's copy is
 *   newer, it is taken (the browser's own files, when they differ from the
 *   starter, are kept as the restorable copy);
 * - the browser has unsaved edits on top of the server's revision: they are
 *   saved;
 * - both changed (unsaved edits here, a newer revision there): a conflict,
 *   shown to the learner with both copies; whichever they choose, the other
 *   becomes the restorable copy.
 *
 * The browser remembers, per exercise, the server revision its copy is based
 * on and whether it has edits not yet saved (`SyncMeta`).
 */
import type { DraftStore, Files } from "./drafts";

export interface ServerDraft {
  files: Files;
  revision: number;
  updatedAt: string;
}

export type SyncState =
  | { kind: "off" }
  | { kind: "loading" }
  | { kind: "pending" }
  | { kind: "saving" }
  | { kind: "saved"; revision: number; at: string; restored?: boolean }
  | { kind: "conflict"; server: ServerDraft; local: Files }
  | { kind: "error"; message: string };

interface SyncMeta {
  /** The server revision the browser's copy is based on (0: none). */
  revision: number;
  /** The browser's copy has edits not yet saved to the server. */
  dirty: boolean;
}

export interface DraftSyncOptions {
  exercise: string;
  starter: Readonly<Files>;
  store: DraftStore;
  fetch: typeof fetch;
  /** Put `files` in the editor and the browser's draft (the server's copy was taken). */
  apply(files: Files): void;
  /** Keep `files` as the restorable copy (the copy not chosen). */
  keepCopy(files: Files): void;
  onState(state: SyncState): void;
  debounceMs?: number;
  timers?: { set(f: () => void, ms: number): unknown; clear(handle: unknown): void };
}

const same = (a: Files, b: Files): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

export class DraftSync {
  private meta: SyncMeta;
  private files: Files | null = null;
  /** The files last known to equal the server's revision `meta.revision`. */
  private synced: Files | null = null;
  private timer: unknown = null;
  private saving: Promise<void> | null = null;
  private conflict: ServerDraft | null = null;
  private off = false;
  private readonly key: string;
  private readonly timers: NonNullable<DraftSyncOptions["timers"]>;

  constructor(private readonly o: DraftSyncOptions) {
    this.key = `rmap-course:draft-sync:v1:${o.exercise}`;
    this.timers = o.timers ?? { set: (f, ms) => setTimeout(f, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    this.meta = this.readMeta();
  }

  private readMeta(): SyncMeta {
    try {
      const m = JSON.parse(this.o.store.getItem(this.key) ?? "null") as Partial<SyncMeta> | null;
      if (m && Number.isInteger(m.revision) && typeof m.dirty === "boolean") return { revision: m.revision!, dirty: m.dirty };
    } catch {
      // Unreadable: as if never synced.
    }
    return { revision: 0, dirty: false };
  }

  private writeMeta(m: SyncMeta): void {
    this.meta = m;
    try {
      this.o.store.setItem(this.key, JSON.stringify(m));
    } catch {
      // Storage full or disabled: syncing still works for this page's life.
    }
  }

  private changedFromStarter(files: Files): boolean {
    return !same(files, { ...this.o.starter });
  }

  /** Reconciles the browser's `local` files with the server's copy. */
  async start(local: Files): Promise<void> {
    this.files = local;
    this.o.onState({ kind: "loading" });
    let res: Response;
    try {
      res = await this.o.fetch(`/api/drafts/${encodeURIComponent(this.o.exercise)}`, { credentials: "same-origin", cache: "no-store" });
    } catch {
      this.o.onState({ kind: "error", message: "your account's copy could not be reached; your work is kept in this browser" });
      return;
    }
    if (res.status === 401) {
      this.off = true;
      this.o.onState({ kind: "off" });
      return;
    }
    if (!res.ok) {
      this.o.onState({ kind: "error", message: `your account's copy could not be read (${res.status}); your work is kept in this browser` });
      return;
    }
    const { draft } = (await res.json()) as { draft: ServerDraft | null };
    // A browser copy changed from the starter with no record of syncing counts as unsaved edits.
    const dirty = this.meta.dirty || (this.meta.revision === 0 && this.changedFromStarter(local));
    const current = this.files;
    if (!draft) {
      this.writeMeta({ revision: 0, dirty });
      if (dirty) await this.save();
      else this.o.onState({ kind: "saved", revision: 0, at: "" });
      return;
    }
    draft.files = { ...this.o.starter, ...draft.files };
    if (same(current, draft.files)) {
      this.synced = draft.files;
      this.writeMeta({ revision: draft.revision, dirty: false });
      this.o.onState({ kind: "saved", revision: draft.revision, at: draft.updatedAt });
    } else if (!dirty) {
      this.take(draft, current);
    } else if (this.meta.revision === draft.revision) {
      await this.save();
    } else {
      this.showConflict(draft, current);
    }
  }

  /** The server's copy replaces the browser's; the browser's is kept when it was work. */
  private take(draft: ServerDraft, local: Files): void {
    if (this.changedFromStarter(local) && !same(local, draft.files)) this.o.keepCopy(local);
    this.files = draft.files;
    this.synced = draft.files;
    this.conflict = null;
    this.writeMeta({ revision: draft.revision, dirty: false });
    this.o.apply(draft.files);
    this.o.onState({ kind: "saved", revision: draft.revision, at: draft.updatedAt, restored: true });
  }

  private showConflict(server: ServerDraft, local: Files): void {
    this.conflict = server;
    this.o.onState({ kind: "conflict", server, local });
  }

  /** The learner edited: the browser's copy is `files`; saved after a pause. */
  edited(files: Files): void {
    this.files = files;
    if (this.off) return;
    if (this.synced && same(files, this.synced)) return;
    if (!this.meta.dirty) this.writeMeta({ ...this.meta, dirty: true });
    if (this.conflict) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.o.onState({ kind: "pending" });
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.save();
    }, this.o.debounceMs ?? 1500);
  }

  /** Saves now what is pending (before leaving the page). */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
      await this.save();
    }
    await this.saving;
  }

  /** The learner chose a copy in a conflict; the other one becomes the restorable copy. */
  async resolve(choice: "server" | "local"): Promise<void> {
    const server = this.conflict;
    if (!server || !this.files) return;
    if (choice === "server") {
      this.take(server, this.files);
      return;
    }
    this.o.keepCopy(server.files);
    this.conflict = null;
    this.writeMeta({ revision: server.revision, dirty: true });
    await this.save();
  }

  private async save(): Promise<void> {
    if (this.saving) {
      // One save at a time; the next one starts from the revision the running one gets.
      await this.saving;
      if (!this.meta.dirty) return;
    }
    const files = this.files;
    if (!files || this.off || this.conflict) return;
    this.o.onState({ kind: "saving" });
    const run = (async () => {
      let res: Response;
      try {
        res = await this.o.fetch(`/api/drafts/${encodeURIComponent(this.o.exercise)}`, {
          method: "PUT",
          credentials: "same-origin",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ files, baseRevision: this.meta.revision }),
        });
      } catch {
        this.o.onState({ kind: "error", message: "not saved to your account (offline?); your work is kept in this browser and saved at the next edit" });
        return;
      }
      const body = (await res.json().catch(() => null)) as { saved?: boolean; revision?: number; server?: ServerDraft | null; error?: string } | null;
      if (res.status === 401) {
        this.off = true;
        this.o.onState({ kind: "off" });
      } else if (res.ok && body?.saved && typeof body.revision === "number") {
        const stillSame = this.files === files;
        this.synced = files;
        this.writeMeta({ revision: body.revision, dirty: !stillSame });
        this.o.onState({ kind: "saved", revision: body.revision, at: new Date().toISOString() });
      } else if (res.status === 409 && body?.server) {
        this.showConflict({ ...body.server, files: { ...this.o.starter, ...body.server.files } }, this.files ?? files);
      } else {
        this.o.onState({ kind: "error", message: `not saved to your account: ${body?.error ?? `the server answered ${res.status}`}; your work is kept in this browser` });
      }
    })();
    this.saving = run;
    try {
      await run;
    } finally {
      this.saving = null;
    }
    // Edits made while saving are saved in turn.
    if (this.meta.dirty && !this.conflict && !this.off && this.timer === null && this.files !== files) await this.save();
  }

  stop(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.off = true;
  }
}
