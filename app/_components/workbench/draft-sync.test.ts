import { describe, expect, it } from "vitest";
import { DraftSync, type SyncState } from "./draft-sync";
import type { DraftStore, Files } from "./drafts";

const EX = "00-tools";
const starter: Files = { "eventlog.ts": "// starter\n" };

/** The draft API as the server implements it: a revision per draft, a stale save refused with the server's copy. */
class FakeServer {
  draft: { files: Files; revision: number; updatedAt: string } | null = null;
  signedIn = true;
  online = true;
  puts = 0;
  fetch = (async (_url: string, init?: RequestInit) => {
    if (!this.online) throw new TypeError("Failed to fetch");
    if (!this.signedIn) return Response.json({ error: "sign in first" }, { status: 401 });
    if (!init?.method || init.method === "GET") return Response.json({ draft: this.draft });
    this.puts++;
    const { files, baseRevision } = JSON.parse(String(init.body)) as { files: Files; baseRevision: number };
    if ((this.draft?.revision ?? 0) !== baseRevision) return Response.json({ saved: false, server: this.draft }, { status: 409 });
    this.draft = { files, revision: baseRevision + 1, updatedAt: new Date().toISOString() };
    return Response.json({ saved: true, revision: this.draft.revision });
  }) as typeof fetch;
}

function memory(): DraftStore {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

interface Browser {
  store: DraftStore;
  files: Files;
  copy: Files | null;
  states: SyncState[];
  pending: (() => void)[];
  sync: DraftSync;
  open(files?: Files): Promise<void>;
  type(text: string): Promise<void>;
  last(): SyncState | undefined;
}

/** One browser: its storage, its editor's files, its restorable copy, manual timers. */
function browser(server: FakeServer, store = memory()): Browser {
  const b: Browser = {
    store,
    files: { ...starter } as Files,
    copy: null as Files | null,
    states: [] as SyncState[],
    pending: [] as (() => void)[],
    sync: null as unknown as DraftSync,
    async open(files?: Files) {
      files ??= b.files;
      b.files = files;
      b.sync = new DraftSync({
        exercise: EX,
        starter,
        store: b.store,
        fetch: server.fetch,
        apply: (f) => void (b.files = f),
        keepCopy: (f) => void (b.copy = f),
        onState: (s) => void b.states.push(s),
        timers: { set: (f) => b.pending.push(f), clear: () => void b.pending.splice(0) },
      });
      await b.sync.start(b.files);
    },
    async type(text: string) {
      b.files = { "eventlog.ts": text };
      b.sync.edited(b.files);
      // The debounce fires.
      for (const f of b.pending.splice(0)) f();
      await b.sync.flush();
    },
    last: () => b.states[b.states.length - 1],
  };
  return b;
}

describe("drafts across browsers", () => {
  it("an edit in one browser is saved (after the pause) and restored in another", async () => {
    const server = new FakeServer();
    const laptop = browser(server);
    await laptop.open();
    await laptop.type("laptop v1");
    expect(server.draft).toMatchObject({ files: { "eventlog.ts": "laptop v1" }, revision: 1 });
    expect(laptop.last()).toMatchObject({ kind: "saved", revision: 1 });

    const phone = browser(server);
    await phone.open();
    expect(phone.files).toEqual({ "eventlog.ts": "laptop v1" });
    expect(phone.last()).toMatchObject({ kind: "saved", revision: 1, restored: true });
    expect(phone.copy).toBeNull();
    await phone.type("phone v2");
    // Back on the laptop (no edits since its last save): it takes the newer copy.
    await laptop.open(laptop.files);
    expect(laptop.files).toEqual({ "eventlog.ts": "phone v2" });
    expect(server.draft?.revision).toBe(2);
  });

  it("taking the server's copy after applying it saves nothing more", async () => {
    const server = new FakeServer();
    const a = browser(server);
    await a.open();
    await a.type("A");
    const b = browser(server);
    await b.open();
    // The editor reports the applied files as an edit.
    b.sync.edited(b.files);
    expect(b.pending).toEqual([]);
    expect(server.puts).toBe(1);
  });

  it("both changed: a conflict shows both copies; either choice keeps the other as the restorable copy", async () => {
    const server = new FakeServer();
    const laptop = browser(server);
    await laptop.open();
    await laptop.type("base");
    const phone = browser(server);
    await phone.open();
    // The phone goes offline and edits; the laptop edits and saves.
    server.online = false;
    await phone.type("phone offline edit");
    expect(phone.last()).toMatchObject({ kind: "error" });
    server.online = true;
    await laptop.type("laptop newer");
    // The phone comes back: unsaved edits on revision 1, the server at revision 2.
    await phone.open(phone.files);
    expect(phone.last()).toMatchObject({ kind: "conflict", server: { files: { "eventlog.ts": "laptop newer" }, revision: 2 }, local: { "eventlog.ts": "phone offline edit" } });
    expect(phone.files).toEqual({ "eventlog.ts": "phone offline edit" });
    // Edits during a conflict are not saved over the other copy.
    const puts = server.puts;
    phone.sync.edited({ "eventlog.ts": "phone offline edit!" });
    phone.files = { "eventlog.ts": "phone offline edit!" };
    expect(server.puts).toBe(puts);
    await phone.sync.resolve("local");
    expect(server.draft).toMatchObject({ files: { "eventlog.ts": "phone offline edit!" }, revision: 3 });
    expect(phone.copy).toEqual({ "eventlog.ts": "laptop newer" });

    // The laptop, with its own unsaved edit, now conflicts too and takes the server's copy.
    server.online = false;
    await laptop.type("laptop unsaved");
    server.online = true;
    await laptop.open(laptop.files);
    expect(laptop.last()?.kind).toBe("conflict");
    await laptop.sync.resolve("server");
    expect(laptop.files).toEqual({ "eventlog.ts": "phone offline edit!" });
    expect(laptop.copy).toEqual({ "eventlog.ts": "laptop unsaved" });
  });

  it("a save refused because another browser saved first becomes a conflict, not an overwrite", async () => {
    const server = new FakeServer();
    const a = browser(server);
    await a.open();
    const b = browser(server);
    await b.open();
    await a.type("from A");
    await b.type("from B");
    expect(server.draft?.files).toEqual({ "eventlog.ts": "from A" });
    expect(b.last()).toMatchObject({ kind: "conflict", server: { files: { "eventlog.ts": "from A" } }, local: { "eventlog.ts": "from B" } });
  });

  it("work done before signing in is saved on first sync; signed out, nothing is synced", async () => {
    const server = new FakeServer();
    const a = browser(server);
    await a.open({ "eventlog.ts": "written before signing in" });
    expect(server.draft).toMatchObject({ files: { "eventlog.ts": "written before signing in" }, revision: 1 });

    const anon = new FakeServer();
    anon.signedIn = false;
    const c = browser(anon);
    await c.open();
    expect(c.last()).toEqual({ kind: "off" });
    await c.type("x");
    expect(anon.puts).toBe(0);
  });
});
