/*
 * The reference solution of an exercise, for a learner who has earned it.
 * Proof is checked on the server, never taken from the client: a signed-in
 * learner's stored submission of that exercise graded at full marks, or (for
 * anyone, signed in or not) the files sent with the request graded here at
 * full marks. Without either the answer is 403 and no solution text is sent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Results } from "rmap-schemas";
import { fileProblems, MAX_BODY_BYTES, MAX_FILE_CHARS, type RateLimiter } from "../submit/limits";

export interface SolutionDeps {
  /** The files of the exercise in `folder`, or null when there is no such exercise. */
  exerciseFiles(folder: string): readonly string[] | null;
  /** Whether the request's signed-in learner has a stored submission of `folder` graded at full marks (false when signed out). */
  storedFullMarks(req: Request, folder: string): Promise<boolean>;
  /** Grades `files` as a submission of `folder` with the site's grader. */
  grade(folder: string, files: Record<string, string>): Promise<Results>;
  /** The reference solution's text of each file. Called only once the proof holds. */
  readSolution(folder: string, files: readonly string[]): Record<string, string>;
  limiter: RateLimiter;
  clientOf(req: Request): string;
  now(): number;
}

const Body = z
  .object({
    files: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}\.ts$/, "a file name like rmap.ts"), z.string().max(MAX_FILE_CHARS)).optional(),
  })
  .strict();

const FOLDER = /^[A-Za-z0-9_-]{1,64}$/;

export interface SolutionAnswer {
  files: Record<string, string>;
  /** How the full marks were established. */
  proof: "stored-submission" | "graded-now";
}

function problem(status: number, error: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error }, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** Full marks: the grader could grade the code and every point was earned. */
export function isFullMarks(r: Results): boolean {
  return r.gradable && r.score >= 1 && r.points >= r.max_points;
}

export function solutionHandler(d: SolutionDeps): (req: Request, folder: string) => Promise<Response> {
  return async (req, folder) => {
    const files = FOLDER.test(folder) ? d.exerciseFiles(folder) : null;
    if (!files) return problem(404, `no exercise ${folder}`);
    if (!(req.headers.get("content-type") ?? "").includes("application/json")) return problem(415, "send the request as application/json");
    const text = await req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) return problem(413, `the request is larger than ${MAX_BODY_BYTES} bytes`);
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

    if (await d.storedFullMarks(req, folder)) return answer("stored-submission");
    const sent = body.data.files;
    if (!sent) return problem(403, "the reference solution opens once your code scores full marks on this exercise: send the files that did");
    const wrong = fileProblems(Object.keys(sent), files);
    if (wrong.length) return problem(422, wrong.join("; "));
    const r = d.limiter.take(d.clientOf(req), d.now());
    if (!r.ok) {
      const s = Math.ceil(r.retryAfterMs / 1000);
      return problem(429, `too many requests: try again in ${s} s`, { "retry-after": String(s) });
    }
    let results: Results;
    try {
      results = await d.grade(folder, sent);
    } catch (e) {
      return problem(503, `the grader could not check these files: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isFullMarks(results)) {
      const why = results.gradable ? `they score ${Math.round(results.score * 100)}%` : "they could not be graded";
      return problem(403, `the reference solution opens once your code scores full marks on this exercise: ${why}`);
    }
    return answer("graded-now");
  };
}

/** Reads exercises/<folder>/solution/<file> under `root` (the repository). */
export function readSolutionFiles(root: string, folder: string, files: readonly string[]): Record<string, string> {
  if (!FOLDER.test(folder)) throw new Error(`not an exercise folder name: ${folder}`);
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(/*turbopackIgnore: true*/ root, "exercises", folder, "solution", f), "utf8")]));
}
