/*
 * The reference solution of an exercise, for a learner who has earned it.
 * The proof is a graded submission stored on the server, never a client's
 * claim: the requester's own submission of that exercise whose stored
 * results are full marks, named by its id (signed in or, through the signed
 * anonymous cookie, not), or for a signed-in learner any such submission of
 * theirs. Without one the answer is 403 and no solution text is sent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type Results, ResultsSchema } from "rmap-schemas";

/** A stored submission as far as the proof needs it. */
export interface StoredSubmission {
  exerciseId: string;
  status: string;
  results: unknown;
}

export interface SolutionDeps {
  /** The files of the exercise in `folder`, or null when there is no such exercise. */
  exerciseFiles(folder: string): readonly string[] | null;
  /** The request's own submission `id` (its signed-in learner's, or its anonymous cookie's), or null when it has none by that id. */
  ownSubmission(req: Request, id: string): Promise<StoredSubmission | null>;
  /** Whether the request's signed-in learner has any stored full-marks submission of `folder` (false when signed out). */
  storedFullMarks(req: Request, folder: string): Promise<boolean>;
  /** The reference solution's text of each file. Called only once the proof holds. */
  readSolution(folder: string, files: readonly string[]): Record<string, string>;
}

const Body = z.object({ submissionId: z.string().regex(/^[\w-]{1,64}$/, "a submission id").optional() }).strict();
const FOLDER = /^[A-Za-z0-9_-]{1,64}$/;
/** Largest accepted request body, bytes: it holds one id. */
const MAX_BODY = 1024;

export interface SolutionAnswer {
  files: Record<string, string>;
  /** How the full marks were established. */
  proof: "submission" | "stored-submission";
}

function problem(status: number, error: string): Response {
  return Response.json({ error }, { status, headers: { "cache-control": "no-store" } });
}

/** Full marks: the grader could grade the code and every point was earned. */
export function isFullMarks(r: Results): boolean {
  return r.gradable && r.score >= 1 && r.points >= r.max_points;
}

/** Whether a stored submission of `folder` is graded at full marks (its stored results, checked against the schema). */
export function provesFullMarks(s: StoredSubmission, folder: string): boolean {
  if (s.exerciseId !== folder || s.status !== "done") return false;
  const r = ResultsSchema.safeParse(s.results);
  return r.success && isFullMarks(r.data);
}

const NOT_YET = "the reference solution opens once a submission of yours scores full marks on this exercise";

export function solutionHandler(d: SolutionDeps): (req: Request, folder: string) => Promise<Response> {
  return async (req, folder) => {
    const files = FOLDER.test(folder) ? d.exerciseFiles(folder) : null;
    if (!files) return problem(404, `no exercise ${folder}`);
    if (!(req.headers.get("content-type") ?? "").includes("application/json")) return problem(415, "send the request as application/json");
    const text = await req.text();
    if (Buffer.byteLength(text) > MAX_BODY) return problem(413, `the request is larger than ${MAX_BODY} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text || "{}");
    } catch {
      return problem(400, "the request is not valid JSON");
    }
    const body = Body.safeParse(json);
    if (!body.success) return problem(400, `malformed request: ${body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);

    const answer = (proof: SolutionAnswer["proof"]) =>
      Response.json({ files: d.readSolution(folder, files), proof } satisfies SolutionAnswer, { headers: { "cache-control": "private, no-store" } });

    const id = body.data.submissionId;
    if (id !== undefined) {
      const s = await d.ownSubmission(req, id);
      if (!s) return problem(403, `${NOT_YET}: no submission ${id} of yours`);
      if (s.exerciseId !== folder) return problem(403, `${NOT_YET}: submission ${id} is for ${s.exerciseId}`);
      if (s.status !== "done") return problem(403, `${NOT_YET}: submission ${id} is not graded yet`);
      if (!provesFullMarks(s, folder)) return problem(403, `${NOT_YET}: submission ${id} did not score full marks`);
      return answer("submission");
    }
    if (await d.storedFullMarks(req, folder)) return answer("stored-submission");
    return problem(403, `${NOT_YET}: submit, then ask again with the submission's id`);
  };
}

/** Reads exercises/<folder>/solution/<file> under `root` (the repository). */
export function readSolutionFiles(root: string, folder: string, files: readonly string[]): Record<string, string> {
  if (!FOLDER.test(folder)) throw new Error(`not an exercise folder name: ${folder}`);
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(/*turbopackIgnore: true*/ root, "exercises", folder, "solution", f), "utf8")]));
}
