/*
 * Every way into the server under app/ (route handlers by method, pages,
 * server actions) has an entry in the tables below, read from the file
 * system: a new route, page or action without an entry fails here, and an
 * entry whose file is gone fails too. The entries say how each is
 * authorized, and this test checks the file does what its entry says:
 * - "api": the handler is the JSON API's (lib/server/api.ts), whose
 *   authorization table (lib/server/api.test.ts) covers every key;
 * - "public": static public data (no session, no data access layer);
 * - "own": a handler with its own checks, tested in the file named;
 * - pages: public pages read no session and no learner data; signed-in
 *   pages call requireActor first and read only through the data access
 *   layer (whose table, lib/server/dal.test.ts, covers every function);
 *   signed-in shells are static pages that read no session themselves: the
 *   learner's data is fetched in the browser from the JSON API route named
 *   (an "api" entry, so its authorization is in the API's table);
 * - server actions: each hands the request's actor to the one data access
 *   layer function named.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { createApi } from "../lib/server/api";

const ROOT = join(import.meta.dirname, "..");
const APP = join(ROOT, "app");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

type RouteEntry = { kind: "api" } | { kind: "public"; why: string } | { kind: "own"; why: string; testedIn: string };

const API: RouteEntry = { kind: "api" };

/** Every "METHOD /path" a route.ts under app/ serves. */
const ROUTES: Record<string, RouteEntry> = {
  "GET /api/signup": API,
  "POST /api/signup": API,
  "GET /api/dashboard": API,
  "GET /api/progress": API,
  "GET /api/drafts/[exerciseId]": API,
  "PUT /api/drafts/[exerciseId]": API,
  "GET /api/submissions": API,
  "POST /api/submissions": API,
  "GET /api/submissions/[id]": API,
  "GET /api/cohorts": API,
  "POST /api/cohorts": API,
  "GET /api/cohorts/mine": API,
  "POST /api/cohorts/join": API,
  "GET /api/cohorts/[id]": API,
  "POST /api/cohorts/[id]/join-code": API,
  "POST /api/cohorts/[id]/assignments": API,
  "GET /api/cohorts/[id]/gradebook": API,
  "GET /api/cohorts/[id]/gradebook/csv": API,
  "GET /api/cohorts/[id]/analytics": API,
  "GET /api/cohorts/[id]/submissions": API,
  "PUT /api/admin/users/[id]/role": API,
  "GET /api/auth/[...nextauth]": { kind: "own", why: "next-auth's sign-in, sign-out, session and CSRF endpoints", testedIn: "test/e2e/accounts.test.ts" },
  "POST /api/auth/[...nextauth]": { kind: "own", why: "next-auth's sign-in, sign-out, session and CSRF endpoints", testedIn: "test/e2e/accounts.test.ts" },
  "POST /api/solution/[exercise]": { kind: "own", why: "the reference solution, only on a server-checked proof of full marks", testedIn: "test/solution-access.test.ts" },
  "GET /workbench/rmap-sim.d.ts": { kind: "public", why: "the learner API's declarations" },
  "GET /workbench/exercise/[folder]": { kind: "public", why: "an exercise's starter files and hints" },
};

type PageEntry = "public" | "signed-in" | { shell: string };

/** Every page under app/, by path. */
const PAGES: Record<string, PageEntry> = {
  "/": "public",
  "/about": "public",
  "/glossary": "public",
  "/lessons/[slug]": "public",
  "/signin": "public",
  "/signup": "public",
  "/dashboard": { shell: "GET /api/dashboard" },
  "/submissions/[id]": "signed-in",
  "/teach": "signed-in",
  "/teach/[cohortId]": "signed-in",
};

/** Every exported server action ("use server" files), and the data access layer function it calls with the request's actor. */
const ACTIONS: Record<string, string> = {
  "app/actions.ts#joinCohortAction": "joinCohort",
  "app/actions.ts#createCohortAction": "createCohort",
  "app/actions.ts#createAssignmentAction": "createAssignment",
  "app/actions.ts#rotateJoinCodeAction": "rotateJoinCode",
};

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** The URL path of a file under app/: route groups "(x)" and private folders "_x" are not path segments. */
function urlPath(file: string): string {
  const segs = relative(APP, file).split(sep).slice(0, -1).filter((s) => !/^\(.*\)$/.test(s));
  return "/" + segs.join("/");
}

/** Exported HTTP methods of a route file: `export const GET =`, `export function GET`, `export { h as GET }`. */
function exportedMethods(src: string): string[] {
  const found = new Set<string>();
  for (const m of METHODS) {
    if (new RegExp(`export\\s+(const|let|var|(async\\s+)?function)\\s+${m}\\b`).test(src)) found.add(m);
    for (const block of src.matchAll(/export\s*\{([^}]*)\}/g)) {
      if (block[1]!.split(",").some((part) => new RegExp(`(^|\\sas)\\s*${m}\\s*$`).test(part.trim()) || part.trim() === m)) found.add(m);
    }
  }
  return [...found].sort();
}

const all = files(APP);
const rel = (f: string) => relative(ROOT, f).split(sep).join("/");

describe("every route, page and server action under app/ has an authorization entry", () => {
  const served = new Map<string, string>();
  for (const f of all.filter((f) => /[\\/]route\.(ts|tsx|js)$/.test(f))) {
    const src = readFileSync(f, "utf8");
    const methods = exportedMethods(src);
    it(`${rel(f)} exports at least one HTTP method`, () => expect(methods.length).toBeGreaterThan(0));
    for (const m of methods) served.set(`${m} ${urlPath(f)}`, f);
  }

  it("the route table lists exactly the routes the file system serves", () => {
    expect([...served.keys()].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  const apiKeys = new Set(Object.keys(createApi(async () => Promise.reject(new Error("not called")))));
  it.each(Object.entries(ROUTES))("%s is served as its entry says", (key, entry) => {
    const file = served.get(key);
    expect(file, `no route file serves ${key}`).toBeDefined();
    const src = readFileSync(file!, "utf8");
    const [method] = key.split(" ") as [string];
    if (entry.kind === "api") {
      expect(apiKeys.has(key), `${key} is not a handler of lib/server/api.ts`).toBe(true);
      expect(src).toMatch(new RegExp(`export const ${method} = api\\[${JSON.stringify(key).replace(/[[\]]/g, "\\$&")}\\];`));
    } else if (entry.kind === "public") {
      expect(src, `${key} is public data: it may not read a session or learner data`).not.toMatch(/lib\/server\/|currentActor|getServerSession|requireActor/);
    } else {
      const test = join(ROOT, entry.testedIn);
      expect(existsSync(test), `${entry.testedIn} (where ${key} is tested)`).toBe(true);
    }
  });

  const pages = new Map(all.filter((f) => /[\\/]page\.(tsx|ts|jsx|js)$/.test(f)).map((f) => [urlPath(f), f]));
  it("the page table lists exactly the pages the file system serves", () => {
    expect([...pages.keys()].sort()).toEqual(Object.keys(PAGES).sort());
  });

  it.each(Object.entries(PAGES))("page %s is %s", (path, entry) => {
    const src = readFileSync(pages.get(path)!, "utf8");
    const body = src.slice(src.indexOf("export default"));
    if (entry === "public") {
      expect(src).not.toMatch(/requireActor|currentActor|currentSession|getServerSession|\bdal\b/);
      return;
    }
    if (typeof entry === "object") {
      // The shell and everything beside it read no session and no learner data on the server; the data comes from the named API route.
      const dir = pages.get(path)!.replace(/[\\/]page\.\w+$/, "");
      const near = all.filter((f) => f.startsWith(dir + sep) && /\.(tsx|ts)$/.test(f)).map((f) => readFileSync(f, "utf8"));
      for (const s of near) expect(s).not.toMatch(/requireActor|currentActor|currentSession|getServerSession|\bdal\b|lib\/server\//);
      expect(ROUTES[entry.shell], `${entry.shell} is a route of the JSON API`).toEqual(API);
      const [, url] = entry.shell.split(" ") as [string, string];
      expect(near.some((s) => s.includes(`fetch(${JSON.stringify(url)}`)), `a file of ${path} fetches ${url}`).toBe(true);
      return;
    }
    // The first thing the page does (after reading its URL) is require a signed-in actor; its data comes only through the data access layer.
    const rest = body.replace(/\bawait (params|searchParams)\b/g, "");
    expect(rest.slice(rest.search(/\bawait\b/))).toMatch(/^await requireActor\(/);
    expect(src).not.toMatch(/\bprisma\b|lib\/server\/db/);
    expect([...src.matchAll(/\bdal\.(\w+)\(/g)].length).toBeGreaterThan(0);
  });

  const actionFiles = all.filter((f) => /\.(ts|tsx)$/.test(f) && /^\s*(\/\/[^\n]*\n\s*)*["']use server["']/.test(readFileSync(f, "utf8")));
  const exported = actionFiles.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/export\s+async\s+function\s+(\w+)/g)].map((m) => `${rel(f)}#${m[1]}`));
  it("the action table lists exactly the exported server actions", () => {
    expect(exported.sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it.each(Object.entries(ACTIONS))("%s calls the data access layer's %s with the request's actor", (key, fn) => {
    const [file, name] = key.split("#") as [string, string];
    const src = readFileSync(join(ROOT, file), "utf8");
    const start = src.indexOf(`export async function ${name}(`);
    const next = src.indexOf("\nexport ", start + 1);
    const body = src.slice(start, next < 0 ? undefined : next);
    expect(body).toMatch(new RegExp(`\\.dal\\.${fn}\\(await currentActor\\(\\)`));
    expect(body).not.toMatch(/\bprisma\b/);
  });
});
