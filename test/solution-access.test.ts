/*
 * The reference solution leaves the server only with a server-checked proof
 * of full marks: a stored full-marks submission of the signed-in learner, or
 * the sent files graded here at full marks. Everything else is refused, and a
 * refusal carries no solution text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createLocalGrader, readExercise, readReference } from "rmap-grader";
import type { Results } from "rmap-schemas";
import { isFullMarks, readSolutionFiles, solutionHandler, type SolutionDeps } from "../app/api/solution/access";
import { RateLimiter } from "../app/api/submit/limits";

const ROOT = join(import.meta.dirname, "..");
const SECRET = "// reference solution text\n";

function results(score: number, gradable = true): Results {
  return { gradable, score, points: score * 10, max_points: 10, message: "", tests: [] } as unknown as Results;
}

function deps(over: Partial<SolutionDeps> = {}): SolutionDeps & { readSolution: ReturnType<typeof vi.fn> } {
  const readSolution = vi.fn((_folder: string, files: readonly string[]) => Object.fromEntries(files.map((f) => [f, SECRET])));
  return {
    exerciseFiles: (f) => (f === "01-anon-vma" ? ["rmap.ts"] : null),
    storedFullMarks: () => Promise.resolve(false),
    grade: () => Promise.resolve(results(1)),
    limiter: new RateLimiter(100, 60_000),
    clientOf: () => "c",
    now: () => 0,
    ...over,
    readSolution,
  };
}

function post(body: unknown, type = "application/json"): Request {
  return new Request("http://x/api/solution/01-anon-vma", { method: "POST", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function refused(res: Response, status: number, d: { readSolution: ReturnType<typeof vi.fn> }) {
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(text).not.toContain(SECRET.trim());
  expect(JSON.parse(text)).toHaveProperty("error");
  expect(d.readSolution).not.toHaveBeenCalled();
}

describe("the reference solution after full marks", () => {
  it("is refused without any proof (signed out, nothing sent)", async () => {
    const d = deps();
    await refused(await solutionHandler(d)(post({}), "01-anon-vma"), 403, d);
  });

  it("is refused when the sent files do not score full marks, or cannot be graded", async () => {
    for (const r of [results(0.9), results(0), results(1, false)]) {
      const d = deps({ grade: () => Promise.resolve(r) });
      await refused(await solutionHandler(d)(post({ files: { "rmap.ts": "x" } }), "01-anon-vma"), 403, d);
    }
  });

  it("is refused when points are missing even if a score claims 1", () => {
    expect(isFullMarks({ ...results(1), points: 9 } as Results)).toBe(false);
    expect(isFullMarks(results(1))).toBe(true);
  });

  it("is sent when the sent files grade at full marks on the server", async () => {
    const d = deps();
    const res = await solutionHandler(d)(post({ files: { "rmap.ts": "x" } }), "01-anon-vma");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ files: { "rmap.ts": SECRET }, proof: "graded-now" });
  });

  it("is sent to a signed-in learner with a stored full-marks submission, without grading again", async () => {
    const grade = vi.fn(() => Promise.resolve(results(0)));
    const d = deps({ storedFullMarks: () => Promise.resolve(true), grade });
    const res = await solutionHandler(d)(post({}), "01-anon-vma");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { proof: string }).proof).toBe("stored-submission");
    expect(grade).not.toHaveBeenCalled();
  });

  it("answers bad requests with a clear 4xx and grades nothing", async () => {
    const grade = vi.fn(() => Promise.resolve(results(1)));
    const cases: [Request, string, number][] = [
      [post({}), "no-such-exercise", 404],
      [post({}), "../01-anon-vma", 404],
      [post({}, "text/plain"), "01-anon-vma", 415],
      [post("{not json"), "01-anon-vma", 400],
      [post({ files: { "rmap.ts": "x" }, extra: 1 }), "01-anon-vma", 400],
      [post({ files: { "other.ts": "x" } }), "01-anon-vma", 422],
      [post({ files: { "rmap.ts": "x".repeat(300_000) } }), "01-anon-vma", 413],
    ];
    for (const [req, folder, status] of cases) {
      const d = deps({ grade });
      await refused(await solutionHandler(d)(req, folder), status, d);
    }
    expect(grade).not.toHaveBeenCalled();
  });

  it("limits how often a client may have files graded for it", async () => {
    const d = deps({ limiter: new RateLimiter(1, 60_000), grade: () => Promise.resolve(results(0)) });
    const h = solutionHandler(d);
    expect((await h(post({ files: { "rmap.ts": "x" } }), "01-anon-vma")).status).toBe(403);
    const res = await h(post({ files: { "rmap.ts": "x" } }), "01-anon-vma");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
  });

  it("says so when the grader fails, without sending the solution", async () => {
    const d = deps({ grade: () => Promise.reject(new Error("the grading process stopped")) });
    await refused(await solutionHandler(d)(post({ files: { "rmap.ts": "x" } }), "01-anon-vma"), 503, d);
  });

  it("with the real grader: the starter is refused, the reference solution itself opens it", async () => {
    const grader = createLocalGrader();
    const dir = join(ROOT, "exercises", "00-tools");
    const ex = readExercise(dir);
    const d: SolutionDeps = {
      ...deps(),
      exerciseFiles: (f) => (f === "00-tools" ? ex.meta.files : null),
      grade: (folder, files) => grader.grade(join(ROOT, "exercises", folder), files),
      readSolution: (folder, files) => readSolutionFiles(ROOT, folder, files),
    };
    const h = solutionHandler(d);
    const starter = readReference(ex, "starter");
    const no = await h(post({ files: starter }), "00-tools");
    expect(no.status).toBe(403);
    const solution = readReference(ex, "solution");
    const yes = await h(post({ files: solution }), "00-tools");
    expect(yes.status).toBe(200);
    const body = (await yes.json()) as { files: Record<string, string> };
    const file = ex.meta.files[0]!;
    expect(body.files[file]).toBe(readFileSync(join(dir, "solution", file), "utf8"));
  });
});
