/*
 * POST /api/solution/<exercise> {files?}: the reference solution, once the
 * learner's code scored full marks (see ../access.ts for what counts).
 */
import { join } from "node:path";
import { readManifest } from "../../../_lib/exercises";
import { currentActor } from "../../../../lib/server/session";
import { server } from "../../../../lib/server/server";
import { gradingProcess } from "../../submit/grading";
import { parseRate, RateLimiter } from "../../submit/limits";
import { readSolutionFiles, solutionHandler } from "../access";

export const dynamic = "force-dynamic";

const rate = parseRate(process.env.SUBMIT_RATE_LIMIT);

const handle = solutionHandler({
  exerciseFiles: (folder) => readManifest().exercises.find((e) => e.folder === folder)?.files ?? null,
  storedFullMarks: async (_req, folder) => {
    const actor = await currentActor();
    if (!actor) return false;
    const subs = await (await server()).dal.listSubmissions(actor, { exerciseId: folder });
    return subs.some((s) => s.status === "done" && s.gradable === true && (s.score ?? 0) >= 1);
  },
  grade: (folder, files) => gradingProcess().grade(join(process.cwd(), "exercises", folder), files, () => undefined),
  readSolution: (folder, files) => readSolutionFiles(process.cwd(), folder, files),
  limiter: new RateLimiter(rate.max, rate.windowMs),
  clientOf: (req) => req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip") || "local",
  now: () => Date.now(),
});

export async function POST(req: Request, ctx: { params: Promise<{ exercise: string }> }): Promise<Response> {
  return handle(req, (await ctx.params).exercise);
}
