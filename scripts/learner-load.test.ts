import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { learnerLoad, percentile, phases } from "./learner-load";

let srv: Server | undefined;
afterEach(() => new Promise<void>((r) => (srv ? srv.close(() => r()) : r())));

/** A server answering after `delay(n)` ms for its n-th request (from 0); records when each arrived. */
async function slowServer(delay: (n: number) => number, arrivals: number[] = []): Promise<string> {
  let n = 0;
  srv = createServer((req, res) => {
    arrivals.push(performance.now());
    setTimeout(() => res.end(req.headers.cookie ?? "ok"), delay(n++));
  });
  await new Promise<void>((r) => srv!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/x`;
}

describe("learner load", () => {
  it("percentile is the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile(xs, 0)).toThrow(/not in/);
  });

  it("a learner held up by a slow answer counts the wait of the requests it could not send (coordinated omission)", async () => {
    // One learner at 10 requests/s for 2 s; the first answer takes 600 ms, the rest 1 ms. The requests meant for
    // 100, 200, ..., 500 ms waited behind it: measured from when the learner meant to send, they took about
    // 500, 400, ... 100 ms, so p95 is well over 100 ms; measured from when they were sent it would be about 1 ms.
    const url = await slowServer((n) => (n === 0 ? 600 : 1));
    const f = await learnerLoad(url, { learners: 1, rate: 10, seconds: 2 });
    expect(f.requests).toBe(20);
    expect(f.errors + f.non2xx).toBe(0);
    expect(f.maxMs).toBeGreaterThanOrEqual(590);
    expect(f.p95ms).toBeGreaterThanOrEqual(390);
    expect(f.p50ms).toBeLessThan(100);
  });

  it("spreads the learners' first requests over the interval unless they ask in step", () => {
    const spread = phases({ learners: 200, rate: 2, seed: 7 });
    expect(spread).toHaveLength(200);
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...spread)).toBeLessThan(500);
    // 200 random phases in [0, 500 ms): every tenth of the interval holds some.
    for (let d = 0; d < 10; d++) expect(spread.some((p) => p >= d * 50 && p < (d + 1) * 50)).toBe(true);
    expect(phases({ learners: 200, rate: 2, seed: 7 })).toEqual(spread);
    expect(phases({ learners: 200, rate: 2, inStep: true })).toEqual(Array(200).fill(0));
  });

  it("a learner asks at its phase, then once per interval", async () => {
    const arrivals: number[] = [];
    const url = await slowServer(() => 0, arrivals);
    const t0 = performance.now();
    const f = await learnerLoad(url, { learners: 1, rate: 5, seconds: 1, seed: 3 });
    const [phase] = phases({ learners: 1, rate: 5, seed: 3 });
    expect(f.requests).toBe(5);
    // Each request leaves at or after its planned moment (origin about 50 ms after the call).
    arrivals.forEach((a, k) => expect(a - t0).toBeGreaterThanOrEqual(phase! + k * 200 + 40));
  });

  it("sends each learner's cookie and the accept-encoding asked for, counts non-2xx answers and timeouts", async () => {
    let hung = false;
    srv = createServer((req, res) => {
      // The signed-in learner's first request is never answered: a timeout.
      if (req.headers.cookie === "s=1" && !hung) return void (hung = true);
      res.statusCode = req.headers.cookie === "s=1" && req.headers["accept-encoding"] === "gzip" ? 200 : 401;
      res.end();
    });
    await new Promise<void>((r) => srv!.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const f = await learnerLoad(url, { learners: 2, rate: 4, seconds: 1, inStep: true, timeoutMs: 200, cookie: (i) => (i === 0 ? "s=1" : undefined), acceptEncoding: "gzip" });
    expect(f.requests).toBe(8);
    expect(f.errors).toBe(1);
    expect(f.non2xx).toBe(4);
  });

  it("refuses bad options with a clear message", async () => {
    await expect(learnerLoad("http://127.0.0.1:1/", { learners: 0, rate: 1, seconds: 1 })).rejects.toThrow(/learners/);
    await expect(learnerLoad("http://127.0.0.1:1/", { learners: 1, rate: 0, seconds: 1 })).rejects.toThrow(/rate/);
  });
});
