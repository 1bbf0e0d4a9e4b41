/*
 * The site's grading process: the grader's public entry point behind a line
 * protocol on stdin/stdout, so grading never runs inside the web server and
 * one grader keeps its warm checker and bundle cache between submissions.
 *
 * In:  {"id": n, "exerciseDir": "...", "files": {"rmap.ts": "..."}}\n
 * Out: {"id": n, "status": "grading"}\n, then {"id": n, "results": {...}}\n or {"id": n, "error": "..."}\n
 * Requests are graded one at a time, in order.
 */
import { createInterface } from "node:readline";
import { createLocalGrader, GraderError } from "rmap-grader";

const grader = createLocalGrader();
const send = (m: unknown) => process.stdout.write(JSON.stringify(m) + "\n");

let chain: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  let req: { id: number; exerciseDir: string; files: Record<string, string> };
  try {
    req = JSON.parse(line) as typeof req;
  } catch {
    send({ id: -1, error: "malformed request line" });
    return;
  }
  chain = chain.then(async () => {
    send({ id: req.id, status: "grading" });
    try {
      send({ id: req.id, results: await grader.grade(req.exerciseDir, req.files) });
    } catch (e) {
      send({ id: req.id, error: e instanceof GraderError ? e.message : `the grader failed: ${(e as Error)?.message ?? String(e)}` });
    }
  });
});
