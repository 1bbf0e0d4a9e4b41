/*
 * Open-loop HTTP load of learners, for `npm run bench -- load`.
 *
 * Each learner has one keep-alive connection and asks for `path` `rate`
 * times a second, at fixed intervals from its own phase: learners spread
 * their requests over the second (a random phase each, from a seed), or,
 * with `inStep`, all ask at the same instant every interval (the worst
 * case: a burst of `learners` requests at once).
 *
 * Latency counts from the moment the learner meant to ask, not from the
 * moment the request left: a request held back because the learner's
 * previous one was still unanswered counts its wait (coordinated omission
 * corrected, as wrk2 does). The percentiles are exact (nearest rank over
 * every request), never interpolated.
 */
import { Agent, request } from "node:http";

export interface LearnerLoadOptions {
  /** Concurrent learners (one connection each). */
  learners: number;
  /** Requests per second per learner. */
  rate: number;
  seconds: number;
  /** Every learner asks at the same instant (phase 0); otherwise each has a random phase in [0, 1/rate). */
  inStep?: boolean;
  /** Seeds the phases. */
  seed?: number;
  /** A request unanswered after this long is an error (its latency counts as this long). */
  timeoutMs?: number;
  /** The Cookie header of learner i (its session). */
  cookie?: (i: number) => string | undefined;
  /** The Accept-Encoding header every request sends (browsers send "gzip, deflate, br"); absent: none, so the site answers uncompressed. */
  acceptEncoding?: string;
}

export interface LearnerLoadFigure {
  requests: number;
  perSecond: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  maxMs: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers outside 2xx. */
  non2xx: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in (0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is not in (0, 100]`);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A small seeded generator (mulberry32): the same seed gives the same phases. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function get(agent: Agent, url: URL, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** When each learner first asks, in ms after the common start: 0 for all in step, else a seeded random phase in [0, 1000 / rate). */
export function phases(o: Pick<LearnerLoadOptions, "learners" | "rate" | "inStep" | "seed">): number[] {
  const random = seeded(o.seed ?? 1);
  return Array.from({ length: o.learners }, () => (o.inStep ? 0 : random() * (1000 / o.rate)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function learnerLoad(target: string, o: LearnerLoadOptions): Promise<LearnerLoadFigure> {
  if (!Number.isInteger(o.learners) || o.learners < 1) throw new Error("learners must be a positive whole number");
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new Error("rate must be a positive number of requests per second");
  if (!(o.seconds > 0)) throw new Error("seconds must be positive");
  const url = new URL(target);
  const interval = 1000 / o.rate;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  // Every learner's schedule starts at the same origin, a moment after all are set up.
  const origin = performance.now() + 50;
  const end = origin + o.seconds * 1000;
  const learner = async (i: number, phase: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let k = 0; ; k++) {
        const intended = origin + phase + k * interval;
        if (intended >= end) break;
        const wait = intended - performance.now();
        if (wait > 0) await sleep(wait);
        try {
          const cookie = o.cookie?.(i);
          const status = await get(agent, url, { ...(cookie ? { cookie } : {}), ...(o.acceptEncoding ? { "accept-encoding": o.acceptEncoding } : {}) }, timeoutMs);
          if (status < 200 || status > 299) non2xx++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - intended);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(phases(o).map((phase, i) => learner(i, phase)));
  const elapsed = Math.max(performance.now(), end) - origin;
  latencies.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x);
  return {
    requests: latencies.length,
    perSecond: r((latencies.length / elapsed) * 1000),
    p50ms: r(percentile(latencies, 50)),
    p95ms: r(percentile(latencies, 95)),
    p99ms: r(percentile(latencies, 99)),
    maxMs: r(latencies.at(-1) ?? Number.NaN),
    errors,
    non2xx,
  };
}
