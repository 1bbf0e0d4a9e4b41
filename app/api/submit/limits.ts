/*
 * What a submission may be, and how often a client may submit. Checked
 * before grading, so a rejected request costs no attempt.
 */
import { z } from "zod";

/** Largest accepted file, in characters (a kernel function and its helpers fit many times over). */
export const MAX_FILE_CHARS = 64 * 1024;
/** Largest accepted request body, in bytes. */
export const MAX_BODY_BYTES = 4 * MAX_FILE_CHARS;

export const SubmissionSchema = z
  .object({
    exercise: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an exercise folder name"),
    files: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}\.ts$/, "a file name like rmap.ts"), z.string().max(MAX_FILE_CHARS, `at most ${MAX_FILE_CHARS} characters per file`)),
  })
  .strict();
export type Submission = z.infer<typeof SubmissionSchema>;

/** Differences between the files sent and the exercise's files; empty when they match. */
export function fileProblems(sent: readonly string[], expected: readonly string[]): string[] {
  const missing = expected.filter((f) => !sent.includes(f));
  const extra = sent.filter((f) => !expected.includes(f));
  return [
    ...missing.map((f) => `missing file ${f}`),
    ...extra.map((f) => `unexpected file ${f} (this exercise has ${expected.join(", ")})`),
  ];
}

/** A sliding-window limit per client: at most `max` submissions in any `windowMs`. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Record a submission by `client` at `now`, or say after how many milliseconds one will be allowed. */
  take(client: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const recent = (this.hits.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(client, recent);
      return { ok: false, retryAfterMs: recent[0]! + this.windowMs - now };
    }
    recent.push(now);
    this.hits.set(client, recent);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.every((t) => now - t >= this.windowMs)) this.hits.delete(k);
    return { ok: true };
  }
}

/** "count/seconds" (SUBMIT_RATE_LIMIT), default 10 submissions a minute. */
export function parseRate(text: string | undefined): { max: number; windowMs: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? "");
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return { max: 10, windowMs: 60_000 };
  return { max: Number(m[1]), windowMs: Number(m[2]) * 1000 };
}
