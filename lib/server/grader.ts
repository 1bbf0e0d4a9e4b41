/*
 * How this process grades: a pool of rmap-grader's WorkerGraders, one per
 * concurrent grading. Each WorkerGrader grades in its own child process under
 * wall-clock, CPU and memory limits, recycles that process, and answers a
 * submission that breaks a limit or crashes the process with a not-gradable
 * result naming the cause (`stoppedBy`); it rejects only when the grader
 * itself fails (a broken exercise, a worker that cannot start), which the
 * queue retries with backoff.
 *
 * rmap-grader exports TypeScript source. The site's server is a bundle run
 * by plain Node, so the grader is loaded at run time through tsx's loader
 * (a run-time dependency) and is never bundled into the site.
 */
import "server-only";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as GraderModule from "rmap-grader";
import { REPO_ROOT } from "./paths";
import type { GradeFn } from "./queue/grading";

export interface GraderPool extends GradeFn {
  /** Gradings running now, per worker grader. */
  busy(): number[];
  /** Resolves when every worker process has started and warmed up (rejects if one cannot start). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

async function loadGrader(): Promise<typeof GraderModule> {
  const { tsImport } = await import("tsx/esm/api");
  return (await tsImport("rmap-grader", pathToFileURL(join(REPO_ROOT, "package.json")).href)) as typeof GraderModule;
}

/**
 * `concurrency` worker graders; each grading goes to the least busy one.
 * Their worker processes start now, in the background, so the first
 * submission does not wait for a cold start.
 */
export async function createGraderPool(concurrency: number, log?: (m: string) => void): Promise<GraderPool> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`grader concurrency must be a whole number >= 1, not ${concurrency}`);
  const { createWorkerGrader } = await loadGrader();
  const graders = Array.from({ length: concurrency }, () => createWorkerGrader());
  const running = graders.map(() => 0);
  const started = Promise.all(graders.map((g) => g.start()));
  started.catch((e: unknown) => log?.(`a grading worker did not start: ${(e as Error)?.message ?? String(e)}`));
  const grade = (async (exerciseDir: string, files: Record<string, string>) => {
    const i = running.indexOf(Math.min(...running));
    running[i]!++;
    try {
      return await graders[i]!.grade(exerciseDir, files);
    } finally {
      running[i]!--;
    }
  }) as GraderPool;
  grade.busy = () => [...running];
  grade.ready = () => started.then(() => undefined);
  grade.close = async () => {
    await Promise.all(graders.map((g) => g.close()));
  };
  return grade;
}
