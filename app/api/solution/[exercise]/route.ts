/*
 * POST /api/solution/<exercise> {submissionId?}: the reference solution,
 * once a submission of the requester's scored full marks (see ../access.ts
 * for what counts). The requester is the signed-in learner, or the browser
 * whose signed anonymous cookie made the submission.
 */
import { readManifest } from "../../../_lib/exercises";
import { ANON_COOKIE, readCookie, verifyAnon } from "../../../../lib/server/anon";
import { isDalError } from "../../../../lib/server/errors";
import { server } from "../../../../lib/server/server";
import { currentActor } from "../../../../lib/server/session";
import { readSolutionFiles, solutionHandler } from "../access";

export const dynamic = "force-dynamic";

const handle = solutionHandler({
  exerciseFiles: (folder) => readManifest().exercises.find((e) => e.folder === folder)?.files ?? null,
  ownSubmission: async (req, id) => {
    const srv = await server();
    const user = await currentActor();
    const anonId = user ? null : verifyAnon(srv.authSecret, readCookie(req.headers.get("cookie"), ANON_COOKIE));
    const actor = user ?? (anonId ? { anonId } : null);
    if (!actor) return null;
    try {
      const s = await srv.dal.getSubmission(actor, id);
      // An instructor may read a cohort learner's submission: only the requester's own proves anything.
      if ("userId" in actor && s.userId !== actor.userId) return null;
      return { exerciseId: s.exerciseId, status: s.status, results: s.results };
    } catch (e) {
      if (isDalError(e) && (e.code === "not_found" || e.code === "invalid" || e.code === "unauthenticated")) return null;
      throw e;
    }
  },
  storedFullMarks: async (_req, folder) => {
    const actor = await currentActor();
    if (!actor) return false;
    const subs = await (await server()).dal.listSubmissions(actor, { exerciseId: folder });
    return subs.some((s) => s.status === "done" && s.gradable === true && (s.score ?? 0) >= 1);
  },
  readSolution: (folder, files) => readSolutionFiles(process.cwd(), folder, files),
});

export async function POST(req: Request, ctx: { params: Promise<{ exercise: string }> }): Promise<Response> {
  return handle(req, (await ctx.params).exercise);
}
