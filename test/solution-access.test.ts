/*
 * The reference solution leaves the server only on a server-checked proof of
 * full marks: the requester's own stored submission of that exercise whose
 * stored results are full marks, or (signed in) any such submission. A
 * client's claim counts for nothing, and a refusal carries no solution text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { Results } from "rmap-schemas";
import { isFullMarks, provesFullMarks, readSolutionFiles, solutionHandler, type SolutionDeps, type StoredSubmission } from "../app/api/solution/access";

const ROOT = join(import.meta.dirname, "..");
const SECRET = "// reference solution text\n";

function results(score: number, gradable = true, points = score * 10): Results {
  return {
    gradable,
    score,
    points,
    max_points: 10,
    message: "",
    exercise: { id: "anon-vma-objrmap", folder: "01-anon-vma", title: "t" },
    tests: [],
    timings: { checkMs: 0, bundleMs: 0, sandboxMs: 0, totalMs: 0 },
  };
}

const FULL: StoredSubmission = { exerciseId: "01-anon-vma", status: "done", results: results(1) };

function deps(subs: Record<string, StoredSubmission> = {}, over: Partial<SolutionDeps> = {}) {
  const readSolution = vi.fn((_folder: string, files: readonly string[]) => Object.fromEntries(files.map((f) => [f, SECRET])));
  const d: SolutionDeps = {
    exerciseFiles: (f) => (f === "01-anon-vma" ? ["rmap.ts"] : null),
    ownSubmission: (_req, id) => Promise.resolve(subs[id] ?? null),
    storedFullMarks: () => Promise.resolve(false),
    readSolution,
    ...over,
  };
  return { d, readSolution };
}

function post(body: unknown, type = "application/json"): Request {
  return new Request("http://x/api/solution/01-anon-vma", { method: "POST", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function refused(res: Response, status: number, readSolution: ReturnType<typeof vi.fn>) {
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(text).not.toContain(SECRET.trim());
  expect(Object.keys(JSON.parse(text) as object)).toEqual(["error"]);
  expect(readSolution).not.toHaveBeenCalled();
}

describe("the reference solution after full marks", () => {
  it("is refused without a proof (signed out, no submission named)", async () => {
    const { d, readSolution } = deps();
    await refused(await solutionHandler(d)(post({}), "01-anon-vma"), 403, readSolution);
  });

  it("is refused for a submission that is not the requester's, not graded, of another exercise, or short of full marks", async () => {
    const subs: Record<string, StoredSubmission> = {
      queued: { exerciseId: "01-anon-vma", status: "queued", results: null },
      grading: { exerciseId: "01-anon-vma", status: "grading", results: null },
      failed: { exerciseId: "01-anon-vma", status: "failed", results: null },
      other: { exerciseId: "02-rwsem-refcount", status: "done", results: results(1) },
      partial: { exerciseId: "01-anon-vma", status: "done", results: results(0.9) },
      ungradable: { exerciseId: "01-anon-vma", status: "done", results: results(1, false) },
      points: { exerciseId: "01-anon-vma", status: "done", results: results(1, true, 9) },
      junk: { exerciseId: "01-anon-vma", status: "done", results: { score: 1, gradable: true } },
    };
    for (const id of ["someone-elses", ...Object.keys(subs)]) {
      const { d, readSolution } = deps(subs);
      await refused(await solutionHandler(d)(post({ submissionId: id }), "01-anon-vma"), 403, readSolution);
    }
  });

  it("is sent for the requester's own full-marks submission of that exercise", async () => {
    const { d } = deps({ s1: FULL });
    const res = await solutionHandler(d)(post({ submissionId: "s1" }), "01-anon-vma");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(await res.json()).toEqual({ files: { "rmap.ts": SECRET }, proof: "submission" });
  });

  it("is sent to a signed-in learner with any stored full-marks submission, no id needed", async () => {
    const { d } = deps({}, { storedFullMarks: () => Promise.resolve(true) });
    const res = await solutionHandler(d)(post({}), "01-anon-vma");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { proof: string }).proof).toBe("stored-submission");
  });

  it("answers bad requests with a clear 4xx and looks nothing up", async () => {
    const ownSubmission = vi.fn(() => Promise.resolve(FULL));
    const cases: [Request, string, number][] = [
      [post({ submissionId: "s1" }), "no-such-exercise", 404],
      [post({ submissionId: "s1" }), "../01-anon-vma", 404],
      [post({ submissionId: "s1" }, "text/plain"), "01-anon-vma", 415],
      [post("{not json"), "01-anon-vma", 400],
      [post({ submissionId: "s1", score: 1 }), "01-anon-vma", 400],
      [post({ submissionId: "a b" }), "01-anon-vma", 400],
      [post({ submissionId: "x".repeat(2000) }), "01-anon-vma", 413],
    ];
    for (const [req, folder, status] of cases) {
      const { d, readSolution } = deps({}, { ownSubmission });
      await refused(await solutionHandler(d)(req, folder), status, readSolution);
    }
    expect(ownSubmission).not.toHaveBeenCalled();
  });

  it("full marks means gradable, score 1 and every point", () => {
    expect(isFullMarks(results(1))).toBe(true);
    expect(isFullMarks(results(1, true, 9))).toBe(false);
    expect(isFullMarks(results(0.99))).toBe(false);
    expect(isFullMarks(results(1, false))).toBe(false);
    expect(provesFullMarks(FULL, "01-anon-vma")).toBe(true);
    expect(provesFullMarks(FULL, "02-rwsem-refcount")).toBe(false);
  });

  it("reads the solution from the exercise's folder, and refuses a path for a folder", () => {
    expect(readSolutionFiles(ROOT, "00-tools", ["eventlog.ts"])["eventlog.ts"]).toBe(readFileSync(join(ROOT, "exercises", "00-tools", "solution", "eventlog.ts"), "utf8"));
    expect(() => readSolutionFiles(ROOT, "../00-tools", ["eventlog.ts"])).toThrow(/not an exercise folder/);
  });
});
