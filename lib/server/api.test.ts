import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopTestDatabases } from "../../test/support/databases";
import { EX, makeWorld, SOURCE, type Who, type World } from "../../test/support/world";
import { ANON_COOKIE, newAnonId, signAnon } from "./anon";
import { type Api, createApi, MAX_BODY_BYTES } from "./api";
import type { Actor } from "./dal";
import { RateLimiter } from "./rate-limit";

let w: World;
let api: Api;
/** The actor the next request is made as (stands for the session cookie). */
let as: Actor = null;

beforeAll(async () => {
  w = await makeWorld("pglite", { submitLimit: 4 });
  api = createApi(async () => ({ dal: w.dal, actor: async () => as }));
});
afterAll(async () => {
  await w?.db.close();
  await stopTestDatabases();
});

function call(route: keyof Api, who: Who, opts: { params?: Record<string, string>; body?: unknown; rawBody?: string; query?: string; headers?: Record<string, string> } = {}) {
  as = w.actors[who];
  const [method, path] = route.split(" ") as [string, string];
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const req = new Request(`http://localhost${path}${opts.query ?? ""}`, {
    method,
    body,
    headers: body === undefined ? {} : { "content-type": "application/json", ...opts.headers },
  });
  return api[route](req, { params: Promise.resolve(opts.params ?? {}) });
}

let n = 0;
/** Every route, a request it accepts, and the status each actor gets for cohort A's and learner A's data. */
const ROUTES: Record<keyof Api, { req: () => Parameters<typeof call>[2]; cases: [Who, number][] }> = {
  "POST /api/signup": { req: () => ({ body: { email: `api${++n}@example.org`, password: "long enough pw", name: "N" } }), cases: [["anonymous", 201]] },
  "GET /api/signup": { req: () => ({}), cases: [["anonymous", 200], ["learnerA", 200]] },
  "GET /api/progress": { req: () => ({}), cases: [["anonymous", 401], ["learnerA", 200]] },
  "GET /api/dashboard": { req: () => ({}), cases: [["anonymous", 401], ["learnerA", 200]] },
  "GET /api/drafts/[exerciseId]": { req: () => ({ params: { exerciseId: EX } }), cases: [["anonymous", 401], ["learnerA", 200]] },
  "PUT /api/drafts/[exerciseId]": { req: () => ({ params: { exerciseId: "00-tools" }, body: { files: { "eventlog.ts": "//" }, baseRevision: 0 } }), cases: [["anonymous", 401], ["learnerA", 200], ["learnerB", 200]] },
  "GET /api/submissions": { req: () => ({}), cases: [["anonymous", 401], ["learnerA", 200]] },
  "POST /api/submissions": {
    req: () => ({ body: { exerciseId: EX, files: SOURCE, assignmentId: w.ids.assignmentA } }),
    cases: [["anonymous", 401], ["learnerB", 404], ["instructorB", 404], ["learnerA", 202]],
  },
  "GET /api/submissions/[id]": {
    req: () => ({ params: { id: w.ids.submissionA } }),
    cases: [["anonymous", 401], ["learnerB", 404], ["instructorB", 404], ["learnerA", 200], ["instructorA", 200], ["admin", 200]],
  },
  "GET /api/cohorts": { req: () => ({}), cases: [["anonymous", 401], ["learnerA", 403], ["instructorA", 200]] },
  "POST /api/cohorts": { req: () => ({ body: { name: "C" } }), cases: [["anonymous", 401], ["learnerA", 403], ["instructorA", 201]] },
  "GET /api/cohorts/mine": { req: () => ({}), cases: [["anonymous", 401], ["learnerA", 200]] },
  "POST /api/cohorts/join": { req: () => ({ body: { code: w.ids.joinCodeA } }), cases: [["anonymous", 401], ["learnerA", 200]] },
  "GET /api/cohorts/[id]": cohort(200),
  "POST /api/cohorts/[id]/join-code": cohort(201),
  "POST /api/cohorts/[id]/assignments": {
    ...cohort(201),
    req: () => ({ params: { id: w.ids.cohortA }, body: { exerciseId: ["02-rwsem-refcount", "03-paired-notifiers", "06-per-vma-locks"][n++ % 3], opensAt: "2026-01-01", dueAt: "2026-12-01", latePolicy: "closed" } }),
  },
  "GET /api/cohorts/[id]/gradebook": cohort(200),
  "GET /api/cohorts/[id]/gradebook/csv": { ...cohort(200), req: () => ({ params: { id: w.ids.cohortA }, query: "?format=moodle" }) },
  "GET /api/cohorts/[id]/analytics": cohort(200),
  "GET /api/cohorts/[id]/submissions": cohort(200),
  "PUT /api/admin/users/[id]/role": {
    req: () => ({ params: { id: w.ids.userA }, body: { role: "learner" } }),
    cases: [["anonymous", 401], ["learnerA", 403], ["instructorA", 403], ["admin", 200]],
  },
};

function cohort(ok: number) {
  return {
    req: () => ({ params: { id: w.ids.cohortA } }) as Parameters<typeof call>[2],
    cases: [["anonymous", 401], ["learnerA", 403], ["instructorB", 404], ["instructorA", ok], ["admin", ok]] as [Who, number][],
  };
}

describe("API routes", () => {
  it("the table covers every route", () => {
    expect(Object.keys(ROUTES).sort()).toEqual(Object.keys(api).sort());
  });

  const rows = Object.entries(ROUTES).flatMap(([route, r]) => r.cases.map(([who, status]) => ({ route: route as keyof Api, who, status, req: r.req })));
  it.each(rows)("$route as $who: $status", async ({ route, who, status, req }) => {
    const res = await call(route, who, req());
    expect(res.status, await res.clone().text()).toBe(status);
    if (status >= 400) expect(await res.json()).toMatchObject({ error: expect.any(String) });
  });

  it("the gradebook CSV is an attachment", async () => {
    const res = await call("GET /api/cohorts/[id]/gradebook/csv", "instructorA", { params: { id: w.ids.cohortA }, query: "?format=canvas" });
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="sum-a1-autumn-grades-canvas\.csv"$/);
    expect((await res.text()).split("\r\n")[0]).toMatch(/^Student,ID,SIS User ID,SIS Login ID,Section,/);
  });

  it("malformed and oversized requests get a clear 4xx and store nothing", async () => {
    const count = () => w.db.prisma.submission.count();
    const before = await count();
    const huge = JSON.stringify({ exerciseId: EX, files: { "rmap.ts": "x".repeat(MAX_BODY_BYTES.files) } });
    const cases: [Parameters<typeof call>[2], number, RegExp][] = [
      [{ rawBody: "{not json" }, 400, /not valid JSON/],
      [{ rawBody: "[]" }, 400, /expected object/i],
      [{ rawBody: JSON.stringify({ exerciseId: EX, files: SOURCE }), headers: { "content-type": "text/plain" } }, 400, /expected a JSON body/],
      [{ rawBody: huge }, 413, /request body is over \d+ bytes/],
      [{ rawBody: huge, headers: { "content-type": "application/json", "content-length": String(huge.length) } }, 413, /request body is \d+ bytes; at most/],
    ];
    for (const [opts, status, message] of cases) {
      const res = await call("POST /api/submissions", "learnerA", opts);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const res = await call("PUT /api/drafts/[exerciseId]", "learnerA", { params: { exerciseId: EX }, rawBody: "nope" });
    expect(res.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it("too many submissions: 429 with Retry-After and the time in the message", async () => {
    let res: Response;
    do res = await call("POST /api/submissions", "learnerB", { body: { exerciseId: "00-tools", files: { "eventlog.ts": "//" } } });
    while (res.status === 202);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: string };
    expect(body).toMatchObject({ code: "rate_limited", retryAfterSeconds: Number(res.headers.get("retry-after")) });
    expect(body.error).toMatch(/try again in \d+ s/);
  });

  it("a stale draft save is a 409 carrying the server's copy", async () => {
    const res = await call("PUT /api/drafts/[exerciseId]", "learnerA", { params: { exerciseId: EX }, body: { files: { "rmap.ts": "other device" }, baseRevision: 0 } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ saved: false, server: { files: SOURCE, revision: 1 } });
  });
});

describe("anonymous submissions", () => {
  const SECRET = "a".repeat(40);
  let anonApi: Api;
  let perAddress: RateLimiter;
  beforeAll(() => {
    perAddress = new RateLimiter(3, 60_000);
    anonApi = createApi(async () => ({ dal: w.dal, actor: async () => as, anonymous: { secret: SECRET, secureCookie: false, perAddress } }));
  });

  function req(method: string, path: string, o: { cookie?: string; body?: unknown; rawBody?: string; address?: string } = {}) {
    const headers: Record<string, string> = { "x-forwarded-for": o.address ?? "192.0.2.1" };
    if (o.cookie) headers.cookie = `${ANON_COOKIE}=${o.cookie}`;
    const body = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (body !== undefined) headers["content-type"] = "application/json";
    return new Request(`http://localhost${path}`, { method, headers, body });
  }
  const post = (o: Parameters<typeof req>[2]) => {
    as = null;
    return anonApi["POST /api/submissions"](req("POST", "/api/submissions", o), { params: Promise.resolve({}) });
  };
  const get = (id: string, o: Parameters<typeof req>[2] & { who?: Who } = {}) => {
    as = w.actors[o.who ?? "anonymous"];
    return anonApi["GET /api/submissions/[id]"](req("GET", `/api/submissions/${id}`, o), { params: Promise.resolve({ id }) });
  };
  const cookieOf = (res: Response) => /^rmap_anon=([^;]+);/.exec(res.headers.get("set-cookie") ?? "")?.[1];

  it("a first submission sets a signed cookie; with it the browser reads its submission, and no one else can", async () => {
    const res = await post({ body: { exerciseId: EX, files: SOURCE } });
    expect(res.status, await res.clone().text()).toBe(202);
    const cookie = cookieOf(res)!;
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax$/);
    const { id } = (await res.json()) as { id: string };
    const row = await w.db.prisma.submission.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ userId: null, assignmentId: null, status: "queued" });
    expect(row.anonId).toBe(cookie.split(".")[0]);

    expect((await get(id, { cookie })).status).toBe(200);
    // A second submission with the cookie keeps the same id and sets no new cookie.
    const again = await post({ cookie, body: { exerciseId: EX, files: SOURCE } });
    expect(again.status).toBe(202);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect((await w.db.prisma.submission.findUniqueOrThrow({ where: { id: ((await again.json()) as { id: string }).id } })).anonId).toBe(row.anonId);

    // No cookie, another browser's valid cookie, a forged cookie (someone's id with a wrong signature), signed-in users.
    expect((await get(id)).status).toBe(401);
    expect((await get(id, { cookie: signAnon(SECRET, newAnonId()) })).status).toBe(404);
    expect((await get(id, { cookie: `${row.anonId}.${"A".repeat(43)}` })).status).toBe(401);
    expect((await get(id, { cookie: signAnon("b".repeat(40), row.anonId!) })).status).toBe(401);
    expect((await get(id, { who: "learnerA" })).status).toBe(404);
    expect((await get(id, { who: "instructorA" })).status).toBe(404);
    // And the anonymous cookie reads no signed-in learner's submission.
    expect((await get(w.ids.submissionA, { cookie })).status).toBe(404);
  });

  it("an anonymous submission cannot count for an assignment, and bad input is refused without costing an attempt", async () => {
    const before = await w.db.prisma.submission.count();
    const cases: [Parameters<typeof req>[2], number][] = [
      [{ body: { exerciseId: EX, files: SOURCE, assignmentId: w.ids.assignmentA } }, 401],
      [{ rawBody: "{nope" }, 400],
      [{ body: { exerciseId: "no-such", files: SOURCE } }, 400],
      [{ body: { exerciseId: EX, files: { "other.ts": "" } } }, 400],
      [{ body: { exerciseId: EX, files: { "rmap.ts": "x".repeat(70 * 1024) } } }, 413],
    ];
    for (const [o, status] of cases) {
      const res = await post({ ...o, address: "192.0.2.50" });
      expect(res.status, JSON.stringify(o).slice(0, 80)).toBe(status);
    }
    expect(await w.db.prisma.submission.count()).toBe(before);
    // None of them used the address's allowance of 3.
    for (let i = 0; i < 3; i++) expect((await post({ body: { exerciseId: EX, files: SOURCE }, address: "192.0.2.50" })).status).toBe(202);
  });

  it("clearing the cookie does not escape the per-address limit: 429 with the wait", async () => {
    let res: Response;
    let n = 0;
    do res = await post({ body: { exerciseId: EX, files: SOURCE }, address: "192.0.2.99" });
    while (res.status === 202 && ++n < 10);
    expect(n).toBe(3);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: string }).error).toMatch(/try again in \d+ s/);
  });
});

describe("refusals from another copy of the errors module", () => {
  it("map to their status (the site's bundler may duplicate the module, so instanceof is not used)", async () => {
    const foreign = Object.assign(new Error("only instructors can do this"), { name: "DalError", code: "forbidden", status: 403 });
    const throwing = new Proxy({} as Api extends never ? never : Record<string, unknown>, { get: () => async () => Promise.reject(foreign) });
    const a = createApi(async () => ({ dal: throwing as never, actor: async () => null }));
    const res = await a["GET /api/cohorts"](new Request("http://localhost/api/cohorts"), { params: Promise.resolve({}) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "only instructors can do this", code: "forbidden" });
  });
});
