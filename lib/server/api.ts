/*
 * The JSON API's route handlers, as plain Request -> Response functions
 * (app/api/** re-exports them). Each handler resolves the actor, reads and
 * bounds the body, calls one data access layer function and maps a refusal
 * to its status. Bodies are untrusted: an oversized body is a 413 before it
 * is parsed, a malformed one a 400; neither stores anything.
 */
import "server-only";
import { ANON_COOKIE, anonCookieHeader, newAnonId, readCookie, verifyAnon } from "./anon";
import { type Actor, type Dal, LIMITS } from "./dal";
import { DalError, isDalError } from "./errors";
import { clientAddress, type RateLimiter } from "./rate-limit";

export interface ApiDeps {
  dal: Dal;
  /** The signed-in actor of this request (null when signed out). */
  actor(req: Request): Promise<Actor>;
  /**
   * Learners who are not signed in submit under an anonymous id kept in a
   * signed cookie (lib/server/anon.ts). Absent: they are asked to sign in.
   */
  anonymous?: {
    /** Signs the anonymous cookie. */
    secret: string;
    /** Mark the cookie Secure (the site is served over https). */
    secureCookie: boolean;
    /** Submissions per network address (a cleared cookie gives a new id, not a new address). */
    perAddress: RateLimiter;
  };
}

type Params = Record<string, string>;
export type RouteHandler = (req: Request, ctx: { params: Promise<Params> }) => Promise<Response>;

/** Bodies larger than this are refused unread: submissions and drafts hold up to LIMITS.totalBytes of source. */
export const MAX_BODY_BYTES = { files: LIMITS.totalBytes + 16 * 1024, small: 16 * 1024 };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/** Reads a JSON body of at most `max` bytes; throws DalError too_large / invalid. */
export async function readJson(req: Request, max: number): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) throw new DalError("too_large", `the request body is ${declared} bytes; at most ${max}`);
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new DalError("invalid", "expected a JSON body (content-type: application/json)");
  if (!req.body) throw new DalError("invalid", "the request has no body");
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new DalError("too_large", `the request body is over ${max} bytes`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new DalError("invalid", "the request body is not valid JSON");
  }
}

function failure(e: unknown): Response {
  if (isDalError(e)) {
    const headers: Record<string, string> = e.retryAfterSeconds ? { "retry-after": String(e.retryAfterSeconds) } : {};
    return json({ error: e.message, code: e.code, ...(e.retryAfterSeconds ? { retryAfterSeconds: e.retryAfterSeconds } : {}) }, e.status, headers);
  }
  console.error("[api]", e);
  return json({ error: "internal error", code: "internal" }, 500);
}

/** The anonymous actor of a request's verified cookie, or null. */
function anonymousActor(d: ApiDeps, req: Request): { anonId: string } | null {
  if (!d.anonymous) return null;
  const id = verifyAnon(d.anonymous.secret, readCookie(req.headers.get("cookie"), ANON_COOKIE));
  return id ? { anonId: id } : null;
}

export function createApi(deps: () => Promise<ApiDeps>) {
  const route =
    (fn: (a: { req: Request; actor: Actor; dal: Dal; params: Params; deps: ApiDeps }) => Promise<Response | unknown>): RouteHandler =>
    async (req, ctx) => {
      try {
        const d = await deps();
        const actor = await d.actor(req);
        const r = await fn({ req, actor, dal: d.dal, params: await ctx.params, deps: d });
        return r instanceof Response ? r : json(r);
      } catch (e) {
        return failure(e);
      }
    };
  const small = (req: Request) => readJson(req, MAX_BODY_BYTES.small);
  const withFiles = (req: Request) => readJson(req, MAX_BODY_BYTES.files);

  return {
    "GET /api/signup": route(({ actor, dal }) => dal.signUpOptions(actor)),
    "POST /api/signup": route(async ({ req, actor, dal }) => json(await dal.signUp(actor, await small(req)), 201)),
    "GET /api/progress": route(({ actor, dal }) => dal.dashboard(actor)),
    /** The dashboard's data: who is signed in, their progress, submissions and cohorts. */
    "GET /api/dashboard": route(async ({ actor, dal }) => {
      const [me, d] = await Promise.all([dal.me(actor), dal.dashboard(actor)]);
      return { me, ...d };
    }),
    "GET /api/drafts/[exerciseId]": route(async ({ actor, dal, params }) => ({ draft: await dal.getDraft(actor, params.exerciseId) })),
    "PUT /api/drafts/[exerciseId]": route(async ({ req, actor, dal, params }) => {
      const body = (await withFiles(req)) as Record<string, unknown> | null;
      const r = await dal.saveDraft(actor, { ...(typeof body === "object" && body ? body : {}), exerciseId: params.exerciseId });
      return json(r, r.saved ? 200 : 409);
    }),
    "GET /api/submissions": route(({ req, actor, dal }) => dal.listSubmissions(actor, { exerciseId: new URL(req.url).searchParams.get("exerciseId") ?? undefined })),
    /**
     * Stores a submission and queues it (202 with its id; poll GET
     * /api/submissions/[id]). Signed out, the submission is made under the
     * request's anonymous cookie, or a new one set on the answer, and counts
     * against the client's network address too.
     */
    "POST /api/submissions": route(async ({ req, actor, dal, deps: d }) => {
      const body = await withFiles(req);
      if (actor || !d.anonymous) return json(await dal.submit(actor, body), 202);
      const known = anonymousActor(d, req);
      const anon = known ?? { anonId: newAnonId() };
      const address = clientAddress(req);
      const now = Date.now();
      const r = d.anonymous.perAddress.take(address, now);
      if (!r.ok) {
        const s = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
        throw new DalError("rate_limited", `too many submissions from your network; try again in ${s} s (your draft is kept), or sign in`, s);
      }
      let sub;
      try {
        sub = await dal.submit(anon, body);
      } catch (e) {
        // A refused submission costs no attempt.
        d.anonymous.perAddress.refund(address, now);
        throw e;
      }
      return json(sub, 202, known ? {} : { "set-cookie": anonCookieHeader(d.anonymous.secret, anon.anonId, d.anonymous.secureCookie) });
    }),
    "GET /api/submissions/[id]": route(({ req, actor, dal, params, deps: d }) => dal.getSubmission(actor ?? anonymousActor(d, req), params.id)),
    "GET /api/cohorts": route(({ actor, dal }) => dal.teachingCohorts(actor)),
    "POST /api/cohorts": route(async ({ req, actor, dal }) => json(await dal.createCohort(actor, await small(req)), 201)),
    "GET /api/cohorts/mine": route(({ actor, dal }) => dal.myCohorts(actor)),
    "POST /api/cohorts/join": route(async ({ req, actor, dal }) => dal.joinCohort(actor, await small(req))),
    "GET /api/cohorts/[id]": route(({ actor, dal, params }) => dal.getCohort(actor, params.id)),
    "POST /api/cohorts/[id]/join-code": route(async ({ actor, dal, params }) => json(await dal.rotateJoinCode(actor, params.id), 201)),
    "POST /api/cohorts/[id]/assignments": route(async ({ req, actor, dal, params }) => json(await dal.createAssignment(actor, params.id, await small(req)), 201)),
    "GET /api/cohorts/[id]/gradebook": route(({ actor, dal, params }) => dal.gradebook(actor, params.id)),
    "GET /api/cohorts/[id]/gradebook/csv": route(async ({ req, actor, dal, params }) => {
      const { filename, csv } = await dal.gradebookCsv(actor, params.id, new URL(req.url).searchParams.get("format") ?? "canvas");
      return new Response(csv, {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
      });
    }),
    "GET /api/cohorts/[id]/submissions": route(({ actor, dal, params }) => dal.cohortSubmissions(actor, params.id)),
    "GET /api/cohorts/[id]/analytics": route(({ actor, dal, params }) => dal.analytics(actor, params.id)),
    "PUT /api/admin/users/[id]/role": route(async ({ req, actor, dal, params }) => {
      const body = (await small(req)) as { role?: unknown } | null;
      await dal.setRole(actor, { userId: params.id, role: body?.role });
      return json({ ok: true });
    }),
  } satisfies Record<string, RouteHandler>;
}

export type Api = ReturnType<typeof createApi>;
