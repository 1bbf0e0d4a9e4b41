import { describe, expect, it } from "vitest";
import { fakeResults } from "../../../test/support/results";
import { pollDelayMs, submitAndWait, SubmitError } from "./submit";

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** A fetch that answers POST /api/submissions with `post` and each poll with the next of `polls`. */
function fakeServer(post: Answer, polls: Answer[]) {
  const calls: { url: string; method: string; body?: unknown }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push({ url, method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const a = init?.method === "POST" ? post : polls.shift();
    if (!a) throw new Error("polled after the end");
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { "content-type": "application/json", ...a.headers } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const RESULTS = fakeResults("00-tools", [{ name: "t", passed: false, scenario: "two faults", detector: "use-after-free" }]);

describe("submitting from the workbench", () => {
  it("posts the files, follows queued and grading, and returns the results", async () => {
    const { fetch, calls } = fakeServer({ status: 202, body: { id: "s1", status: "queued" } }, [
      { status: 200, body: { status: "queued" } },
      { status: 200, body: { status: "queued" } },
      { status: 200, body: { status: "grading" } },
      { status: 200, body: { status: "done", results: RESULTS } },
    ]);
    const statuses: string[] = [];
    const sleeps: number[] = [];
    const r = await submitAndWait("00-tools", { "eventlog.ts": "x" }, { fetch, sleep: async (ms) => void sleeps.push(ms), onStatus: (s) => statuses.push(s) });
    expect(r).toEqual({ id: "s1", results: RESULTS });
    expect(statuses).toEqual(["queued", "grading"]);
    expect(calls[0]).toEqual({ url: "/api/submissions", method: "POST", body: { exerciseId: "00-tools", files: { "eventlog.ts": "x" } } });
    expect(calls.slice(1).every((c) => c.url === "/api/submissions/s1" && c.method === "GET")).toBe(true);
    expect(sleeps).toEqual([0, 1, 2].map(pollDelayMs));
  });

  it("a refusal carries the server's message and, when rate limited, the wait", async () => {
    const { fetch } = fakeServer({ status: 429, body: { error: "at most 6 submissions per 60 s; try again in 12 s", retryAfterSeconds: 12 }, headers: { "retry-after": "12" } }, []);
    const e = await submitAndWait("00-tools", {}, { fetch, sleep: async () => {}, onStatus: () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SubmitError);
    expect(e).toMatchObject({ message: "at most 6 submissions per 60 s; try again in 12 s", retryAfterSeconds: 12 });
  });

  it("a grading recorded as failed, or results that do not fit the schema, are errors", async () => {
    const failed = fakeServer({ status: 202, body: { id: "s2" } }, [{ status: 200, body: { status: "failed", error: "the grader failed 3 times" } }]);
    await expect(submitAndWait("00-tools", {}, { fetch: failed.fetch, sleep: async () => {}, onStatus: () => {} })).rejects.toThrow("the grader failed 3 times");
    const bad = fakeServer({ status: 202, body: { id: "s3" } }, [{ status: 200, body: { status: "done", results: { score: 2 } } }]);
    await expect(submitAndWait("00-tools", {}, { fetch: bad.fetch, sleep: async () => {}, onStatus: () => {} })).rejects.toThrow(/results schema/);
    const gone = fakeServer({ status: 202, body: { id: "s4" } }, [{ status: 404, body: { error: "no such submission among those you may see" } }]);
    await expect(submitAndWait("00-tools", {}, { fetch: gone.fetch, sleep: async () => {}, onStatus: () => {} })).rejects.toThrow(/no such submission/);
  });
});
