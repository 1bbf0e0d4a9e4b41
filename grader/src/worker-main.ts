/*
 * The grading worker: a child process that holds one LocalGrader (its warm
 * checker and bundle cache) and grades one submission at a time for the
 * WorkerGrader that started it (worker.ts), over the IPC channel.
 *
 * Protocol (parent -> child): { type: "grade", id, exerciseDir, files }.
 * Child -> parent: { type: "ready" } once warm; { type: "phase", id, phase }
 * when a grading moves on; { type: "done", id, results, peakHeapBytes } or
 * { type: "error", id, graderError, message }.
 *
 * The parent owns every limit: it kills this process on a breach. Nothing
 * here may outlive a grading but the checker's and the bundles' caches.
 */
import { GraderError } from "./exercise";
import { createLocalGrader, type LocalGraderOptions } from "./grader";

type GradeRequest = { type: "grade"; id: number; exerciseDir: string; files: Record<string, string> };

const send = (m: unknown): void => {
  if (process.send) process.send(m);
};

function isGradeRequest(m: unknown): m is GradeRequest {
  const r = m as Partial<GradeRequest> | null;
  return typeof r === "object" && r !== null && r.type === "grade" && typeof r.id === "number" && typeof r.exerciseDir === "string" && typeof r.files === "object";
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("worker-main runs only as a child process started by WorkerGrader");
  const options = JSON.parse(process.argv[2] ?? "{}") as LocalGraderOptions;
  const grader = createLocalGrader(options);
  grader.warm();
  let busy = false;
  process.on("message", (m: unknown) => {
    if (!isGradeRequest(m) || busy) return;
    busy = true;
    const { id } = m;
    grader
      .gradeWithStats(m.exerciseDir, m.files, { phase: (phase) => send({ type: "phase", id, phase }) })
      .then(
        ({ results, stats }) => send({ type: "done", id, results, peakHeapBytes: stats.peakHeapBytes }),
        (e: unknown) => send({ type: "error", id, graderError: e instanceof GraderError, message: String((e as Error)?.message ?? e) }),
      )
      .finally(() => {
        busy = false;
      });
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
}

main().catch((e: unknown) => {
  process.stderr.write(`grading worker failed to start: ${String((e as Error)?.stack ?? e)}\n`);
  process.exit(70);
});
