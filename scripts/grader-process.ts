/*
 * The grader in its own process, for the site's in-process queue (the site's
 * server never loads the grader, its native sandbox or the TypeScript
 * checker). Protocol: one JSON object per line on stdin,
 *   { "id": n, "exerciseDir": "...", "files": { "rmap.ts": "..." } }
 * answered by one line on stdout, { "id": n, "results": {...} } or
 * { "id": n, "error": "..." } when the grader itself failed. The grader is
 * created once and stays warm.
 */
import { createInterface } from "node:readline";
import { createLocalGrader } from "rmap-grader";

const grader = createLocalGrader();
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let req: { id: number; exerciseDir: string; files: Record<string, string> };
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  grader.grade(req.exerciseDir, req.files).then(
    (results) => process.stdout.write(JSON.stringify({ id: req.id, results }) + "\n"),
    (e: unknown) => process.stdout.write(JSON.stringify({ id: req.id, error: e instanceof Error ? e.message : String(e) }) + "\n"),
  );
});
rl.on("close", () => process.exit(0));
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
