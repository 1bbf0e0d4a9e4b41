/*
 * Submitting from the workbench: POST /api/submissions stores the files and
 * queues them (202 with the submission's id; signed out, under the browser's
 * anonymous cookie), then GET /api/submissions/<id> is polled until the
 * grading is done. The grading runs wherever the queue runs it (in the site's
 * process or on a separate worker), so polling is the one way to follow it.
 */
import { type Results, ResultsSchema } from "rmap-schemas";

export type SubmitStatus = "queued" | "grading";

export interface SubmitDeps {
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Called whenever the submission's status changes. */
  onStatus(status: SubmitStatus): void;
  /** Give up following the grading after this long, ms (the submission is still graded). */
  timeoutMs?: number;
}

/** A submission the server refused or could not grade; `retryAfterSeconds` when rate limited. */
export class SubmitError extends Error {
  override name = "SubmitError";
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<SubmitError> {
  const body = (await res.json().catch(() => null)) as { error?: unknown; retryAfterSeconds?: unknown } | null;
  const message = typeof body?.error === "string" ? body.error : `the server answered ${res.status}`;
  const retry = typeof body?.retryAfterSeconds === "number" ? body.retryAfterSeconds : Number(res.headers.get("retry-after")) || undefined;
  return new SubmitError(message, retry);
}

/** Polling interval: quick at first, then every 2 s. */
export function pollDelayMs(attempt: number): number {
  return Math.min(2000, 300 + 150 * attempt);
}

/** Submits `files` for `exercise` and resolves with the grader's results once graded. */
export async function submitAndWait(exercise: string, files: Record<string, string>, deps: SubmitDeps): Promise<{ id: string; results: Results }> {
  const res = await deps.fetch("/api/submissions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ exerciseId: exercise, files }),
  });
  if (res.status !== 202) throw await errorOf(res);
  const { id } = (await res.json()) as { id: string };
  let last: string | undefined;
  const deadline = Date.now() + (deps.timeoutMs ?? 10 * 60_000);
  for (let attempt = 0; ; attempt++) {
    const r = await deps.fetch(`/api/submissions/${encodeURIComponent(id)}`, { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw await errorOf(r);
    const s = (await r.json()) as { status: string; results?: unknown; error?: string | null };
    if (s.status === "done") {
      const parsed = ResultsSchema.safeParse(s.results);
      if (!parsed.success) throw new SubmitError("the server's results do not fit the results schema");
      return { id, results: parsed.data };
    }
    if (s.status === "failed") throw new SubmitError(s.error ?? "the grader failed; this submission costs no attempt");
    if ((s.status === "queued" || s.status === "grading") && s.status !== last) {
      last = s.status;
      deps.onStatus(s.status);
    }
    if (Date.now() > deadline) throw new SubmitError("the grading is taking unusually long; its result will be in your submission history");
    await deps.sleep(pollDelayMs(attempt));
  }
}
