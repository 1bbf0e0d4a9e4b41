import { describe, expect, it } from "vitest";
import { fileProblems, parseRate, RateLimiter, SubmissionSchema, MAX_FILE_CHARS } from "./limits";

describe("submission limits", () => {
  it("accept a well-formed submission and refuse malformed or oversized ones", () => {
    expect(SubmissionSchema.safeParse({ exercise: "00-tools", files: { "eventlog.ts": "x" } }).success).toBe(true);
    expect(SubmissionSchema.safeParse({ exercise: "../etc", files: {} }).success).toBe(false);
    expect(SubmissionSchema.safeParse({ exercise: "00-tools", files: { "../x.ts": "" } }).success).toBe(false);
    expect(SubmissionSchema.safeParse({ exercise: "00-tools", files: { "a.ts": 3 } }).success).toBe(false);
    expect(SubmissionSchema.safeParse({ exercise: "00-tools", files: { "a.ts": "x".repeat(MAX_FILE_CHARS + 1) } }).success).toBe(false);
    expect(SubmissionSchema.safeParse({ exercise: "00-tools", files: {}, extra: 1 }).success).toBe(false);
  });

  it("name missing and unexpected files", () => {
    expect(fileProblems(["rmap.ts"], ["rmap.ts"])).toEqual([]);
    expect(fileProblems(["x.ts"], ["rmap.ts"])).toEqual(["missing file rmap.ts", "unexpected file x.ts (this exercise has rmap.ts)"]);
  });

  it("limit each client to max submissions per window and say when to retry", () => {
    const l = new RateLimiter(2, 60_000);
    expect(l.take("a", 0).ok).toBe(true);
    expect(l.take("a", 1000).ok).toBe(true);
    expect(l.take("a", 2000)).toEqual({ ok: false, retryAfterMs: 58_000 });
    expect(l.take("b", 2000).ok).toBe(true);
    expect(l.take("a", 60_001).ok).toBe(true);
  });

  it("read the rate from SUBMIT_RATE_LIMIT", () => {
    expect(parseRate("5/30")).toEqual({ max: 5, windowMs: 30_000 });
    expect(parseRate(undefined)).toEqual({ max: 10, windowMs: 60_000 });
    expect(parseRate("0/5")).toEqual({ max: 10, windowMs: 60_000 });
  });
});
